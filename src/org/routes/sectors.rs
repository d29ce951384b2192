//! Sectors (界别): the committee's list; the district edits it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::done;
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
use crate::kernel::ids::SectorId;
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};
use crate::org::model;
use crate::org::store::sectors::{self, Sector};

pub fn router() -> Router<AppState> {
    Router::new().route("/sectors", get(list).post(create)).route("/sectors/{id}", post(update))
}

#[derive(Template)]
#[template(path = "org/sectors.html")]
struct SectorsTemplate {
    page: Page,
    sectors: Vec<(Sector, i64)>,
    can_edit: bool,
}

async fn list(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let can_edit = model::can_manage_roster(&me);
    let sectors = st.db.read(move |c| sectors::list_with_counts(c, &me)).await?;
    render(&SectorsTemplate { page, sectors, can_edit })
}

#[derive(Deserialize)]
struct SectorForm {
    name: String,
    active: Option<String>,
}

async fn create(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<SectorForm>,
) -> AppResult<Redirect> {
    let result = st.db.write(move |c| sectors::create(c, &me, &f.name).map(|_| ())).await;
    done(&session, result, "sector.added", "/sectors").await
}

async fn update(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<SectorForm>,
) -> AppResult<Redirect> {
    let active = f.active.is_some();
    let result = st.db.write(move |c| sectors::update(c, &me, SectorId(id), &f.name, active)).await;
    done(&session, result, "sector.saved", "/sectors").await
}
