//! Liaison points (定点联系): link members to localities, end links, and the
//! district's view of every point and the gaps.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;

use super::LocalityForm;
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{LiaisonId, LocalityId, MemberId};
use crate::kernel::state::AppState;
use crate::kernel::web::action::{action, action_back};
use crate::kernel::web::view::view;
use crate::kernel::web::{Page, form, render};
use crate::org::model::{self, LocalityKind};
use crate::org::store::liaisons::{self, Point};
use crate::org::store::localities;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/liaisons", get(overview))
        .route(
            "/localities/{id}",
            view(show).merge(action(
                "locality.saved",
                |id| format!("/localities/{id}"),
                |c, me, id, f: LocalityForm| localities::update(c, me, LocalityId(id), &f.data()?),
            )),
        )
        .route(
            "/localities/{id}/liaisons",
            action_back(
                "liaison.linked",
                |_, f: &LinkForm| f.back.clone().unwrap_or_default(),
                |c, me, id, f| {
                    let member =
                        form::id(&f.member_id)?.map(MemberId).ok_or(AppError::BadRequest("liaison.choose_member"))?;
                    liaisons::link(c, me, LocalityId(id), member, form::date_or_today(&f.start_on)?).map(|_| ())
                },
            ),
        )
        .route(
            "/liaisons/{id}/end",
            action_back(
                "liaison.ended",
                |_, f: &EndForm| f.back.clone().unwrap_or_default(),
                |c, me, id, f| liaisons::end(c, me, LiaisonId(id), form::date_or_today(&f.end_on)?),
            ),
        )
}

#[derive(Template)]
#[template(path = "org/liaisons.html")]
struct OverviewTemplate {
    page: Page,
    points: Vec<Point>,
    total: usize,
    gaps: usize,
    only_gaps: bool,
}

#[derive(Deserialize)]
struct OverviewQuery {
    gaps: Option<String>,
}

async fn overview(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<OverviewQuery>,
) -> AppResult<Html<String>> {
    let only_gaps = q.gaps.is_some_and(|g| g == "1");
    let all = st.db.read(move |c| liaisons::points(c, &me, None)).await?;
    let total = all.len();
    let gaps = all.iter().filter(|p| p.members.is_empty()).count();
    let points = if only_gaps { all.into_iter().filter(|p| p.members.is_empty()).collect() } else { all };
    render(&OverviewTemplate { page, points, total, gaps, only_gaps })
}

#[derive(Template)]
#[template(path = "org/locality.html")]
struct LocalityTemplate {
    page: Page,
    point: Point,
    can_manage: bool,
    kinds: &'static [LocalityKind],
}

fn show(c: &mut DbConn, me: &Actor, id: i64, page: Page) -> AppResult<LocalityTemplate> {
    let point = liaisons::point(c, me, LocalityId(id))?;
    Ok(LocalityTemplate {
        can_manage: model::can_manage_office(me, point.locality.office_id),
        kinds: LocalityKind::ALL,
        page,
        point,
    })
}

#[derive(Deserialize)]
struct LinkForm {
    member_id: Option<String>,
    start_on: Option<String>,
    back: Option<String>,
}

#[derive(Deserialize)]
struct EndForm {
    end_on: Option<String>,
    back: Option<String>,
}
