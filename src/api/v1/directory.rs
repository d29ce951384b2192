//! The offices and categories a new case names by id.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::Errors;
use crate::api::caller::{Caller, Read};
use crate::api::error::ApiResult;
use crate::kernel::state::AppState;
use crate::opinions::store::catalog;
use crate::org::store::offices;

/// A 政协工作办公室.
#[derive(Serialize, ToSchema)]
pub struct OfficeOut {
    pub id: i64,
    pub name: String,
    /// township (乡镇) or street (街道).
    pub kind: String,
}

/// 工作办公室 · The committee's offices.
#[utoipa::path(
    get, path = "/api/v1/offices", tag = "directory", security(("token" = [])),
    responses((status = 200, description = "The offices", body = Vec<OfficeOut>), Errors)
)]
pub async fn offices(State(st): State<AppState>, Caller(me, ..): Caller<Read>) -> ApiResult<Json<Vec<OfficeOut>>> {
    let list = st.db.read(move |c| offices::list_offices(c, &me)).await?;
    Ok(Json(list.into_iter().map(|o| OfficeOut { id: o.id.0, name: o.name, kind: o.kind.as_str().into() }).collect()))
}

/// A category of cases (分类): a major class, or one under it.
#[derive(Serialize, ToSchema)]
pub struct CategoryOut {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    /// Still offered for new cases.
    pub active: bool,
}

/// 案件分类 · The committee's categories of cases.
#[utoipa::path(
    get, path = "/api/v1/categories", tag = "directory", security(("token" = [])),
    responses((status = 200, description = "The categories", body = Vec<CategoryOut>), Errors)
)]
pub async fn categories(State(st): State<AppState>, Caller(me, ..): Caller<Read>) -> ApiResult<Json<Vec<CategoryOut>>> {
    let list = st.db.read(move |c| catalog::categories(c, &me)).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| CategoryOut {
                id: c.id.0,
                parent_id: c.parent_id.map(|p| p.0),
                code: c.code,
                name: c.name,
                active: c.active,
            })
            .collect(),
    ))
}
