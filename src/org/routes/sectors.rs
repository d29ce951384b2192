//! Sectors (界别): the committee's list; the district edits it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;

use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
use crate::kernel::ids::SectorId;
use crate::kernel::state::AppState;
use crate::kernel::web::action::{action, action_form};
use crate::kernel::web::{Page, render};
use crate::org::model;
use crate::org::store::sectors::{self, Sector};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/sectors",
            get(list).merge(action_form(
                "sector.added",
                |_| "/sectors".into(),
                |c, me, f: SectorForm| sectors::create(c, me, &f.name).map(|_| ()),
            )),
        )
        .route(
            "/sectors/{id}",
            action(
                "sector.saved",
                |_| "/sectors".into(),
                |c, me, id, f: SectorForm| sectors::update(c, me, SectorId(id), &f.name, f.active.is_some()),
            ),
        )
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
