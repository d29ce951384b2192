//! The coverage board: which liaison points and members have had their
//! activity this quarter.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::activities::model::{Mark, Quarter};
use crate::activities::store::coverage::{self, Board};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::OfficeId;
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, form, render};
use crate::org::store::{self as org, Office};

pub fn router() -> Router<AppState> {
    Router::new().route("/activities/coverage", get(board))
}

#[derive(Deserialize, Default)]
struct BoardQuery {
    quarter: Option<String>,
    office: Option<String>,
    mark: Option<String>,
}

#[derive(Template)]
#[template(path = "activities/coverage.html")]
struct BoardTemplate {
    page: Page,
    board: Board,
    offices: Vec<Office>,
    office: Option<OfficeId>,
    mark: Option<Mark>,
    prev: Quarter,
    next: Quarter,
    can_plan: bool,
}

async fn board(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let quarter = match form::text(&q.quarter) {
        Some(s) => Quarter::parse(&s).ok_or(AppError::BadRequest("activity.bad_quarter"))?,
        None => Quarter::of(crate::kernel::time::today()),
    };
    let office = form::id(&q.office)?.map(OfficeId);
    let mark = match form::text(&q.mark) {
        Some(m) => Some(Mark::parse(&m).ok_or(AppError::BadRequest("form.bad_choice"))?),
        None => None,
    };
    let can_plan = crate::opinions::model::is_dispatcher(&me);
    let (board, offices) =
        st.db.read(move |c| Ok((coverage::board(c, &me, office, quarter, mark)?, org::list_offices(c, &me)?))).await?;
    render(&BoardTemplate { page, board, offices, office, mark, prev: quarter.prev(), next: quarter.next(), can_plan })
        .map(IntoResponse::into_response)
}
