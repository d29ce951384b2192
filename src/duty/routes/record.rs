//! The duty record's downloads: `/members/{id}/duty.xlsx?year=2026` and
//! `duty.docx` (this year by default). Who may have them is
//! `duty::record`'s check.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::activities::export::parse_year;
use crate::duty::{self, Record, docx, xlsx};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{Kind as FileKind, attachment};
use crate::kernel::ids::MemberId;
use crate::kernel::state::AppState;
use crate::kernel::time::{now, today};
use crate::kernel::web::form;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/members/{id}/duty.xlsx", get(duty_xlsx)).route("/members/{id}/duty.docx", get(duty_docx))
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<String>,
}

async fn duty_xlsx(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    download(st, me, id, q, FileKind::Xlsx, |record, printed| xlsx::duty_record(&record, printed)).await
}

async fn duty_docx(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    download(st, me, id, q, FileKind::Docx, |record, printed| docx::duty_record(&record, printed, now())).await
}

/// The year's record, checked and read once, written off the async threads.
async fn download(
    st: AppState,
    me: crate::kernel::auth::Actor,
    id: i64,
    q: YearQuery,
    kind: FileKind,
    write: impl FnOnce(Record, chrono::NaiveDate) -> AppResult<Vec<u8>> + Send + 'static,
) -> AppResult<Response> {
    let printed = today();
    let year = match form::text(&q.year) {
        None => chrono::Datelike::year(&printed),
        Some(y) => parse_year(&y)?,
    };
    let record = st.db.read(move |c| duty::record(c, &me, MemberId(id), year)).await?;
    let name = duty::file_name(&record, kind.extensions()[0]);
    let bytes = tokio::task::spawn_blocking(move || write(record, printed))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing a duty record failed: {e}")))??;
    Ok(attachment(bytes, kind, &name))
}
