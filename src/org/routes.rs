//! Office pages.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;

use super::store::{self, Office};
use crate::app::AppState;
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::OfficeId;
use crate::kernel::web::{Page, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/offices", get(list)).route("/offices/{id}", get(show))
}

#[derive(Template)]
#[template(path = "org/offices.html")]
struct OfficesTemplate {
    page: Page,
    offices: Vec<Office>,
}

async fn list(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let offices = st.db.read(move |c| store::list_offices(c, &me)).await?;
    render(&OfficesTemplate { page, offices })
}

#[derive(Template)]
#[template(path = "org/office.html")]
struct OfficeTemplate {
    page: Page,
    office: Office,
}

async fn show(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let office = st.db.read(move |c| store::get_office(c, &me, OfficeId(id))).await?.ok_or(AppError::NotFound)?;
    render(&OfficeTemplate { page, office })
}
