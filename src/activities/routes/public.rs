//! The public page of a Members' Home: its recent activities (活动成果展示),
//! with photos, summary and outcomes; no login, no personal data.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::activities::store::public::{self, Shown};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, FileId, HomeId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};
use crate::org::store as org;

/// The office's latest public notices on its Home's page.
const HOME_NOTICES: i64 = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/box/{code}/homes/{home}", get(home))
        .route("/box/{code}/activities/{id}/photos/{file}", get(photo))
        .route("/homes/{office}/public", get(public_address))
}

/// From a Home's staff page to its public page (whose address carries the
/// committee's code).
async fn public_address(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(office): Path<i64>,
) -> AppResult<Redirect> {
    let (code, home) = st
        .db
        .read(move |c| {
            let code = org::committee(c, &me)?.code;
            let home = public::home_of(c, me.committee_id, OfficeId(office))?.ok_or(AppError::NotFound)?;
            Ok((code, home))
        })
        .await?;
    Ok(Redirect::to(&format!("/box/{code}/homes/{home}")))
}

#[derive(Template)]
#[template(path = "activities/public.html")]
struct HomeTemplate {
    page: Page,
    committee: String,
    code: String,
    name: String,
    address: Option<String>,
    shown: Vec<Shown>,
    /// The office's public notices.
    notices: Vec<crate::notices::store::Notice>,
}

async fn home(State(st): State<AppState>, page: Page, Path((code, home)): Path<(String, i64)>) -> AppResult<Response> {
    let code2 = code.clone();
    let (committee, name, address, shown, notices) = st
        .db
        .read(move |c| {
            use crate::notices::store::public::{self as notices, Whose};
            let committee = org::committee_by_code_unscoped(c, &code2)?.ok_or(AppError::NotFound)?;
            let (name, address, office) = public::home(c, committee.id, HomeId(home))?.ok_or(AppError::NotFound)?;
            let recent = public::recent(c, committee.id, office)?;
            let notices = notices::list(c, committee.id, Whose::Office(office), HOME_NOTICES)?;
            Ok((committee.name, name, address, recent, notices))
        })
        .await?;
    render(&HomeTemplate { page, committee, code, name, address, shown, notices }).map(IntoResponse::into_response)
}

async fn photo(State(st): State<AppState>, Path((code, id, file)): Path<(String, i64, i64)>) -> AppResult<Response> {
    let row = st
        .db
        .read(move |c| {
            let committee = org::committee_by_code_unscoped(c, &code)?.ok_or(AppError::NotFound)?;
            public::photo(c, committee.id, ActivityId(id), FileId(file))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    st.files.respond(&row, crate::kernel::files::Audience::Public).await
}
