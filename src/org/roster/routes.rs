//! The roster page: download the template, export, import with a preview.
//!
//! Between the preview and the confirm the uploaded file waits in the file
//! store (by its SHA-256); the session remembers which one, so the confirm
//! imports exactly the file that was checked and nobody else's.

use askama::Template;
use std::collections::HashSet;

use axum::Form;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::plan::{Counts, Lookalike, RowChange, Summary};
use super::sheet::{LIAISONS, LOCALITIES, MEMBERS, Notice, Problem, Workbook};
use super::store::{self, Outcome};
use super::xlsx::{self, Content};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{Accept, Kind, Stored};
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};
use crate::org::model::{can_manage_roster, can_read_roster};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/roster", get(roster_page))
        .route("/roster/template.xlsx", get(template))
        .route("/roster/export.xlsx", get(export))
        .route("/roster/import", post(upload))
        .route("/roster/import/confirm", post(confirm))
}

/// The session's note of the file waiting for confirmation.
const PENDING_KEY: &str = "roster_import";

/// More problems than this are counted, not listed: the first few hundred
/// show what is wrong with a file.
const MAX_SHOWN: usize = 500;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    sha256: String,
    name: String,
    size: i64,
}

#[derive(Template)]
#[template(path = "org/roster.html")]
struct RosterTemplate {
    page: Page,
    can_import: bool,
    error: Option<String>,
}

fn roster_view(page: Page, me: &Actor, error: Option<String>, status: StatusCode) -> AppResult<Response> {
    let tpl = RosterTemplate { page, can_import: can_manage_roster(me), error };
    Ok((status, render(&tpl)?).into_response())
}

async fn roster_page(CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    if !can_read_roster(&me) {
        return Err(AppError::Forbidden);
    }
    roster_view(page, &me, None, StatusCode::OK)
}

/// A problem as the preview shows it.
struct ProblemView {
    sheet: String,
    row: u32,
    column: String,
    message: String,
}

struct SheetCounts {
    sheet: &'static str,
    counts: Counts,
}

/// A notice as the preview shows it.
struct NoticeView {
    warning: bool,
    message: String,
}

/// One changed record as the preview shows it: each field old → new, and
/// its warnings in words.
struct ChangeView {
    change: RowChange,
    warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "org/roster_preview.html")]
struct PreviewTemplate {
    page: Page,
    file_name: String,
    problems: Vec<ProblemView>,
    problem_count: usize,
    sheets: Vec<SheetCounts>,
    summary: Summary,
    notices: Vec<NoticeView>,
    changes: Vec<ChangeView>,
    lookalikes: Vec<Lookalike>,
    /// The file to confirm; empty once imported or when it has problems.
    sha256: String,
    done: bool,
}

/// A message with its placeholders filled: `%{v}` the argument, `%{sheet}`
/// and `%{n}` where it is.
fn notice_text(page: &Page, n: &Notice) -> String {
    page.t(n.key).replace("%{v}", &n.arg).replace("%{sheet}", &n.sheet).replace("%{n}", &n.row.to_string())
}

impl PreviewTemplate {
    fn new(page: Page, file_name: String, result: Result<Outcome, Vec<Problem>>, sha256: String, done: bool) -> Self {
        let (outcome, problems) = match result {
            Ok(o) => (o, vec![]),
            Err(p) => (Outcome::default(), p),
        };
        let Outcome { summary, report } = outcome;
        let mut notices: Vec<NoticeView> =
            report.notices.iter().map(|n| NoticeView { warning: n.warning, message: notice_text(&page, n) }).collect();
        // Warnings first: they are what must not be missed.
        notices.sort_by_key(|n| !n.warning);
        let changes = report
            .changes
            .into_iter()
            .map(|change| ChangeView {
                warnings: change.warnings.iter().map(|(k, v)| page.t(k).replace("%{v}", v)).collect(),
                change,
            })
            .collect();
        let problem_count = problems.len();
        let problems = problems
            .into_iter()
            .take(MAX_SHOWN)
            .map(|p| ProblemView {
                message: page.t(&p.key).replace("%{v}", &p.arg),
                sheet: p.sheet,
                row: p.row,
                column: p.column,
            })
            .collect();
        let sheets = vec![
            SheetCounts { sheet: MEMBERS, counts: summary.members },
            SheetCounts { sheet: LOCALITIES, counts: summary.localities },
            SheetCounts { sheet: LIAISONS, counts: summary.liaisons },
        ];
        let sha256 = if problem_count == 0 && !done { sha256 } else { String::new() };
        PreviewTemplate {
            page,
            file_name,
            problems,
            problem_count,
            sheets,
            summary,
            notices,
            changes,
            lookalikes: report.lookalikes,
            sha256,
            done,
        }
    }

    fn count_text(&self, key: &str, n: impl std::fmt::Display) -> String {
        self.page.t(key).replace("%{n}", &n.to_string())
    }

    fn lookalike_text(&self, l: &Lookalike) -> String {
        self.page
            .t("roster.lookalike")
            .replace("%{n}", &l.row.to_string())
            .replace("%{name}", &l.name)
            .replace("%{birth}", &l.birth)
            .replace("%{old}", &l.existing_phone)
            .replace("%{new}", &l.phone)
    }

    /// Whether confirming would write anything: changes, or a lookalike the
    /// user may tick.
    fn can_confirm(&self) -> bool {
        !self.sha256.is_empty() && (self.summary.changes() > 0 || !self.lookalikes.is_empty())
    }
}

/// Turns a problem with the file itself (not an xlsx, too big) into the
/// roster page with that message; anything else stays an error.
fn file_problem(page: Page, me: &Actor, e: AppError) -> AppResult<Response> {
    match e {
        AppError::BadRequest(k) | AppError::Conflict(k) => {
            let msg = page.t(k);
            roster_view(page, me, Some(msg), StatusCode::BAD_REQUEST)
        }
        e => Err(e),
    }
}

/// Parsing a big file takes a moment of CPU: off the async threads.
async fn parse(bytes: Vec<u8>) -> AppResult<Workbook> {
    tokio::task::spawn_blocking(move || xlsx::read(&bytes))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("parsing the roster failed: {e}")))?
}

async fn upload(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    mp: Multipart,
) -> AppResult<Response> {
    // Refused before the upload is even read.
    if !can_manage_roster(&me) {
        return Err(AppError::Forbidden);
    }
    let upload = match st.files.read_multipart(mp, 1).await {
        Ok((_, uploads)) => uploads.into_iter().next(),
        Err(e) => return file_problem(page, &me, e),
    };
    let Some(upload) = upload else {
        return file_problem(page, &me, AppError::BadRequest("roster.no_file"));
    };
    let bytes = match upload.bytes().await {
        Ok(b) => b.to_vec(),
        Err(e) => return file_problem(page, &me, e),
    };
    let stored = match st.files.put(upload, Accept::Spreadsheet).await {
        Ok(s) => s,
        Err(e) => return file_problem(page, &me, e),
    };
    let wb = match parse(bytes).await {
        Ok(wb) => wb,
        Err(e) => return file_problem(page, &me, e),
    };
    let actor = me.clone();
    let result = st.db.read(move |c| store::preview(c, &actor, &wb, &HashSet::new())).await?;
    if result.is_ok() {
        let pending = Pending { sha256: stored.sha256.clone(), name: stored.original_name.clone(), size: stored.size };
        session.insert(PENDING_KEY, pending).await.map_err(|e| AppError::Internal(e.into()))?;
    } else {
        let _ = session.remove::<Pending>(PENDING_KEY).await;
    }
    let tpl = PreviewTemplate::new(page, stored.original_name, result, stored.sha256, false);
    Ok(render(&tpl)?.into_response())
}

async fn confirm(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if !can_manage_roster(&me) {
        return Err(AppError::Forbidden);
    }
    // The file's hash, and the phones of the lookalike rows the user ticked.
    let sha256 = fields.iter().find(|(k, _)| k == "sha256").map(|(_, v)| v.clone()).unwrap_or_default();
    let merges: HashSet<String> = fields.into_iter().filter(|(k, _)| k == "merge").map(|(_, v)| v).collect();
    // Only the file this session previewed (a second tab or an old page
    // cannot import something else).
    let pending: Option<Pending> = session.get(PENDING_KEY).await.ok().flatten();
    let Some(p) = pending.filter(|p| p.sha256 == sha256) else {
        return file_problem(page, &me, AppError::BadRequest("roster.expired"));
    };
    let bytes = match st.files.read(&p.sha256).await {
        Ok(b) => b,
        Err(AppError::NotFound) => return file_problem(page, &me, AppError::BadRequest("roster.expired")),
        Err(e) => return Err(e),
    };
    let wb = parse(bytes).await?;
    let stored = Stored {
        sha256: p.sha256.clone(),
        content_type: Kind::Xlsx.content_type().to_string(),
        size: p.size,
        original_name: p.name.clone(),
    };
    let actor = me.clone();
    let result = st.db.write(move |c| store::import(c, &actor, &wb, Some(&stored), &merges)).await?;
    let _ = session.remove::<Pending>(PENDING_KEY).await;
    let done = result.is_ok();
    let tpl = PreviewTemplate::new(page, p.name, result, p.sha256, done);
    Ok(render(&tpl)?.into_response())
}

async fn template(State(st): State<AppState>, CurrentUser(me): CurrentUser) -> AppResult<Response> {
    let choices = st.db.read(move |c| store::choices(c, &me)).await?;
    let bytes = tokio::task::spawn_blocking(move || xlsx::write(&choices, Content::Template))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the template failed: {e}")))??;
    Ok(crate::kernel::files::attachment(bytes, Kind::Xlsx, "委员花名册导入模板.xlsx"))
}

async fn export(State(st): State<AppState>, CurrentUser(me): CurrentUser) -> AppResult<Response> {
    let (choices, rows) = st.db.read(move |c| Ok((store::choices(c, &me)?, store::export(c, &me)?))).await?;
    let bytes = tokio::task::spawn_blocking(move || xlsx::write(&choices, Content::Export(&rows)))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the export failed: {e}")))??;
    let name = format!("委员花名册-{}.xlsx", crate::kernel::time::today().format("%Y-%m-%d"));
    Ok(crate::kernel::files::attachment(bytes, Kind::Xlsx, &name))
}
