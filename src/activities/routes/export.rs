//! The files an office files, as downloads: the activity list of a quarter or
//! a year (xlsx) and one activity's record sheet (docx). Who gets which is
//! decided in `activities::export` by the scoped stores; another office's
//! activity is "not found".

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::activities::export::{self, Period, docx, xlsx};
use crate::activities::model::Kind;
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{Kind as FileKind, attachment};
use crate::kernel::ids::{ActivityId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::form;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities/export.xlsx", get(list_xlsx))
        .route("/activities/{id}/record.docx", get(record_docx))
}

/// The list page's filters: `office`, `kind`, and `quarter` (`2026Q4`) or
/// `year` (`2026`); neither: this year.
#[derive(Deserialize, Default)]
struct ListQuery {
    office: Option<String>,
    quarter: Option<String>,
    year: Option<String>,
    kind: Option<String>,
}

fn blocking_failed(e: tokio::task::JoinError) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing an activities file failed: {e}"))
}

async fn list_xlsx(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let office = form::id(&q.office)?.map(OfficeId);
    let kind = match form::text(&q.kind) {
        None => None,
        Some(k) => Some(Kind::parse(&k).ok_or(AppError::BadRequest("form.bad_choice"))?),
    };
    let printed = today();
    let period = Period::parse(q.quarter.as_deref(), q.year.as_deref(), printed)?;
    let (scope, lines) = st.db.read(move |c| export::list_export(c, &me, office, kind, period)).await?;
    let name = export::list_file_name(&scope, period);
    let bytes = tokio::task::spawn_blocking(move || xlsx::activity_list(&scope, period, &lines, printed))
        .await
        .map_err(blocking_failed)??;
    Ok(attachment(bytes, FileKind::Xlsx, &name))
}

async fn record_docx(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let sheet = st.db.read(move |c| export::record_sheet(c, &me, ActivityId(id), today())).await?;
    let name = export::record_file_name(&sheet);
    let bytes = tokio::task::spawn_blocking(move || docx::render(&sheet)).await.map_err(blocking_failed)??;
    Ok(attachment(bytes, FileKind::Docx, &name))
}
