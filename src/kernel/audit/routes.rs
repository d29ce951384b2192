//! The auditor's read-only view of the audit log. There is no route that
//! changes it.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;

use super::store::{self, Entry};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page))
}

#[derive(Template)]
#[template(path = "kernel/audit.html")]
struct AuditTemplate {
    page: Page,
    entries: Vec<Entry>,
    action: String,
    older: Option<i64>,
}

#[derive(Deserialize)]
struct AuditQuery {
    before: Option<i64>,
    action: Option<String>,
}

async fn audit_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<AuditQuery>,
) -> AppResult<Html<String>> {
    let action = q.action.unwrap_or_default();
    let a = action.clone();
    let entries = st.db.read(move |c| store::list(c, &me, q.before, Some(&a))).await?;
    let older = (entries.len() as i64 == store::PAGE_SIZE).then(|| entries.last().map(|e| e.id)).flatten();
    render(&AuditTemplate { page, entries, action, older })
}
