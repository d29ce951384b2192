//! The auditor's read-only view of the audit log. There is no route that
//! changes it.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;

use super::chain::{self, Verdict};
use super::store::{self, Entry};
use super::words::{self, AREAS, Described};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page)).route("/audit/chain", get(chain_page))
}

#[derive(Template)]
#[template(path = "kernel/audit_chain.html")]
struct ChainTemplate {
    page: Page,
    intact: bool,
    message: String,
    /// Rows written before the chain began (a database migrated from before it).
    unchained: u64,
    head: Option<String>,
    retention_days: i64,
}

/// The auditor's integrity check: the whole chain walked now (every committee's
/// rows are links of the one chain), the same result as `xieshang audit verify`.
async fn chain_page(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    if !me.can_read_audit() {
        return Err(AppError::Forbidden);
    }
    let verdict = st.db.read(chain::verify).await?;
    let message = verdict.message(page.lang);
    let (intact, unchained, head) = match verdict {
        Verdict::Intact { unchained, head, .. } => (true, unchained, head),
        Verdict::Broken { .. } => (false, 0, None),
    };
    let retention_days = st.config.audit_retention_days;
    render(&ChainTemplate { page, intact, message, unchained, head, retention_days })
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
