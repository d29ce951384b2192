//! `/`: each role's home page.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use crate::app::AppState;
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
use crate::kernel::web::{Page, render};
use crate::org::store::{self as org_store, Committee, Office};

#[derive(Template)]
#[template(path = "dashboard/home.html")]
struct HomeTemplate {
    page: Page,
    committee: Committee,
    offices: Vec<Office>,
}

pub async fn home(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let (committee, offices) =
        st.db.read(move |c| Ok((org_store::committee(c, me.committee_id)?, org_store::list_offices(c, &me)?))).await?;
    render(&HomeTemplate { page, committee, offices })
}
