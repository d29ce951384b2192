//! The roster to read: names, sectors and offices, phones masked.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Errors;
use crate::api::caller::{Caller, Read};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::ApiQuery;
use crate::kernel::ids::{OfficeId, SectorId};
use crate::kernel::state::AppState;
use crate::org::model::MemberStatus;
use crate::org::store::members::{self, MemberFilter};

/// A member as the roster lists them.
#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    pub id: i64,
    pub name: String,
    /// male or female.
    pub gender: String,
    /// 党派.
    pub party: String,
    /// 界别.
    pub sector: Option<String>,
    pub office: Option<String>,
    /// 138****5678.
    pub phone_masked: String,
    /// active or left.
    pub status: String,
}

/// A page of the roster.
#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<MemberOut>,
    /// Members the filters let through, on every page.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Part of a name.
    pub q: Option<String>,
    pub sector: Option<i64>,
    pub office: Option<i64>,
    /// active (default: both) or left.
    pub status: Option<String>,
    /// 1-based, 30 a page.
    pub page: Option<i64>,
}

/// 委员名册 · The committee's members, 30 a page.
#[utoipa::path(
    get, path = "/api/v1/members", tag = "roster", params(MemberQuery), security(("token" = [])),
    responses((status = 200, description = "A page of the roster", body = MemberList), Errors)
)]
pub async fn members(
    State(st): State<AppState>,
    Caller(me, ..): Caller<Read>,
    ApiQuery(q): ApiQuery<MemberQuery>,
) -> ApiResult<Json<MemberList>> {
    let bad = || ApiError::new(StatusCode::BAD_REQUEST, "form.bad_choice");
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(MemberStatus::parse(s).ok_or_else(bad)?),
    };
    let page = q.page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        return Err(bad());
    }
    let f = MemberFilter {
        q: q.q.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
        sector: q.sector.map(SectorId),
        office: q.office.map(OfficeId),
        party: None,
        status,
        page,
    };
    let (rows, total) = st.db.read(move |c| members::search(c, &me, &f)).await?;
    let items = rows
        .into_iter()
        .map(|m| MemberOut {
            id: m.id.0,
            name: m.name,
            gender: m.gender.as_str().into(),
            party: m.party,
            sector: m.sector,
            office: m.office,
            phone_masked: m.phone_masked,
            status: m.status.as_str().into(),
        })
        .collect();
    Ok(Json(MemberList { items, total, page, page_size: members::PAGE_SIZE }))
}
