//! The duty record's download: `/members/{id}/duty.xlsx?year=2026` (this
//! year by default). Who may have it is `duty::record`'s check.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::activities::export::parse_year;
use crate::duty::{self, xlsx};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{Kind as FileKind, attachment};
use crate::kernel::ids::MemberId;
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::form;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/members/{id}/duty.xlsx", get(duty_xlsx))
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
    let printed = today();
    let year = match form::text(&q.year) {
        None => chrono::Datelike::year(&printed),
        Some(y) => parse_year(&y)?,
    };
    let record = st.db.read(move |c| duty::record(c, &me, MemberId(id), year)).await?;
    let name = duty::file_name(&record);
    let bytes = tokio::task::spawn_blocking(move || xlsx::duty_record(&record, printed))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing a duty record failed: {e}")))??;
    Ok(attachment(bytes, FileKind::Xlsx, &name))
}
