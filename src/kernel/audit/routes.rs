//! The auditor's read-only view of the audit log. There is no route that
//! changes it.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;

use super::store::{self, Entry};
use super::words::{self, AREAS, Described};
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
    /// Each entry with its words.
    entries: Vec<(Entry, Described)>,
    /// The action prefix filtered by (one of `AREAS`), or empty.
    action: String,
    areas: Vec<(&'static str, String)>,
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
    // A kind of record from the menu (`opinion`), or an action's code or its
    // start (`opinion.assigned`, `auth.`) as links and bookmarks carry.
    let action = q.action.unwrap_or_default();
    let prefix = if AREAS.contains(&action.as_str()) { format!("{action}.") } else { action.clone() };
    let entries = st.db.read(move |c| store::list(c, &me, q.before, Some(&prefix))).await?;
    let older = (entries.len() as i64 == store::PAGE_SIZE).then(|| entries.last().map(|e| e.id)).flatten();
    let entries = entries
        .into_iter()
        .map(|e| {
            let d = words::describe(page.lang, &e);
            (e, d)
        })
        .collect();
    let areas = AREAS.iter().map(|a| (*a, words::entity_label(page.lang, a))).collect();
    render(&AuditTemplate { page, entries, action, areas, older })
}
