//! The public's notices: the committee's list (`/box/{code}/notices`), one
//! notice with its attachments. No login, nothing internal.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;

use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{Audience, FileRow};
use crate::kernel::ids::{FileId, NoticeId};
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};
use crate::notices::store::Notice;
use crate::notices::store::public::{self, Whose};
use crate::org::store as org;

/// The most the public list shows.
const LIST: i64 = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/box/{code}/notices", get(list))
        .route("/box/{code}/notices/{id}", get(one))
        .route("/box/{code}/notices/{id}/files/{file}", get(file))
}

#[derive(Template)]
#[template(path = "notices/public_list.html")]
struct ListTemplate {
    page: Page,
    committee: String,
    code: String,
    rows: Vec<Notice>,
}

async fn list(State(st): State<AppState>, page: Page, Path(code): Path<String>) -> AppResult<Html<String>> {
    let c2 = code.clone();
    let (committee, rows) = st
        .db
        .read(move |c| {
            let committee = org::committee_by_code_unscoped(c, &c2)?.ok_or(AppError::NotFound)?;
            Ok((committee.name, public::list(c, committee.id, Whose::All, LIST)?))
        })
        .await?;
    render(&ListTemplate { page, committee, code, rows })
}

#[derive(Template)]
#[template(path = "notices/public.html")]
struct OneTemplate {
    page: Page,
    committee: String,
    code: String,
    n: Notice,
    office: Option<String>,
    attached: Vec<FileRow>,
}

async fn one(State(st): State<AppState>, page: Page, Path((code, id)): Path<(String, i64)>) -> AppResult<Html<String>> {
    let c2 = code.clone();
    let (committee, s) = st
        .db
        .read(move |c| {
            let committee = org::committee_by_code_unscoped(c, &c2)?.ok_or(AppError::NotFound)?;
            let found = public::one(c, committee.id, NoticeId(id))?.ok_or(AppError::NotFound)?;
            Ok((committee.name, found))
        })
        .await?;
    render(&OneTemplate { page, committee, code, n: s.notice, office: s.office, attached: s.attached })
}

async fn file(
    State(st): State<AppState>,
    Path((code, id, file)): Path<(String, i64, i64)>,
) -> AppResult<axum::response::Response> {
    let row = st
        .db
        .read(move |c| {
            let committee = org::committee_by_code_unscoped(c, &code)?.ok_or(AppError::NotFound)?;
            public::file(c, committee.id, NoticeId(id), FileId(file))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    st.files.respond(&row, Audience::Public).await
}
