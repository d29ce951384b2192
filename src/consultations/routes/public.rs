//! The public pages of closed consultations: the list and one consultation
//! with what was agreed and what has been done; no login, no personal data.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::consultations::model::Tally;
use crate::consultations::store::consultations::Consultation;
use crate::consultations::store::public::{self, Shown};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ConsultationId, FileId};
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};
use crate::org::store as org;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/box/{code}/consultations", get(list))
        .route("/box/{code}/consultations/{id}", get(one))
        .route("/box/{code}/consultations/{id}/photos/{file}", get(photo))
}

#[derive(Template)]
#[template(path = "consultations/public_list.html")]
struct ListTemplate {
    page: Page,
    committee: String,
    code: String,
    rows: Vec<(Consultation, String, Tally)>,
}

async fn list(State(st): State<AppState>, page: Page, Path(code): Path<String>) -> AppResult<Response> {
    let code2 = code.clone();
    let (committee, rows) = st
        .db
        .read(move |c| {
            let committee = org::committee_by_code_unscoped(c, &code2)?.ok_or(AppError::NotFound)?;
            Ok((committee.name, public::closed(c, committee.id)?))
        })
        .await?;
    render(&ListTemplate { page, committee, code, rows }).map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "consultations/public.html")]
struct OneTemplate {
    page: Page,
    committee: String,
    code: String,
    s: Shown,
}

async fn one(State(st): State<AppState>, page: Page, Path((code, id)): Path<(String, i64)>) -> AppResult<Response> {
    let code2 = code.clone();
    let (committee, s) = st
        .db
        .read(move |c| {
            let committee = org::committee_by_code_unscoped(c, &code2)?.ok_or(AppError::NotFound)?;
            let s = public::shown(c, committee.id, ConsultationId(id))?.ok_or(AppError::NotFound)?;
            Ok((committee.name, s))
        })
        .await?;
    render(&OneTemplate { page, committee, code, s }).map(IntoResponse::into_response)
}

async fn photo(State(st): State<AppState>, Path((code, id, file)): Path<(String, i64, i64)>) -> AppResult<Response> {
    let row = st
        .db
        .read(move |c| {
            let committee = org::committee_by_code_unscoped(c, &code)?.ok_or(AppError::NotFound)?;
            public::photo(c, committee.id, ConsultationId(id), FileId(file))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    st.files.respond(&row, crate::kernel::files::Audience::Public).await
}
