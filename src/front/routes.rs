//! `/` for a visitor who is not signed in (signed-in users get their home).

use askama::Template;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::response::{Html, Response};
use chrono::NaiveDateTime;

use super::store::{self, Front, Showcase};
use crate::kernel::auth::Actor;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::error::AppResult;
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};
use crate::opinions::stats::percent;

#[derive(Template)]
#[template(path = "front/home.html")]
struct FrontTemplate {
    page: Page,
    front: Front,
}

impl FrontTemplate {
    fn day(&self, t: &NaiveDateTime) -> String {
        shanghai_date(*t).format("%Y-%m-%d").to_string()
    }

    fn day_opt(&self, t: &Option<NaiveDateTime>) -> String {
        t.as_ref().map(|t| self.day(t)).unwrap_or_else(|| "—".into())
    }

    fn satisfaction(&self, s: &Showcase) -> String {
        percent(s.counts.satisfaction())
    }

    fn category(&self, n: &Option<String>) -> String {
        n.clone().unwrap_or_else(|| self.page.t("results.no_category"))
    }
}

/// `/`: the role's home for a signed-in user, the front page for a visitor.
/// Each is called as the handler it is, with its own extractors.
pub async fn root(State(st): State<AppState>, req: Request) -> Response {
    if req.extensions().get::<Actor>().is_some() {
        crate::dashboard::routes::home.call(req, st).await
    } else {
        front.call(req, st).await
    }
}

async fn front(State(st): State<AppState>, page: Page) -> AppResult<Html<String>> {
    let front = st.db.read(store::front).await?;
    render(&FrontTemplate { page, front })
}
