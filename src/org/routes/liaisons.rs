//! Liaison points (定点联系): link members to localities, end links, and the
//! district's view of every point and the gaps.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::{LocalityForm, done};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{LiaisonId, LocalityId, MemberId};
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, form, render};
use crate::org::model::{self, LocalityKind};
use crate::org::store::liaisons::{self, Point};
use crate::org::store::localities;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/liaisons", get(overview))
        .route("/localities/{id}", get(show).post(update))
        .route("/localities/{id}/liaisons", post(link))
        .route("/liaisons/{id}/end", post(end))
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

async fn show(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let actor = me.clone();
    let point = st.db.read(move |c| liaisons::point(c, &actor, LocalityId(id))).await?;
    render(&LocalityTemplate {
        can_manage: model::can_manage_office(&me, point.locality.office_id),
        kinds: LocalityKind::ALL,
        page,
        point,
    })
}

async fn update(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<LocalityForm>,
) -> AppResult<Redirect> {
    let result = async {
        let d = f.data()?;
        st.db.write(move |c| localities::update(c, &me, LocalityId(id), &d)).await
    }
    .await;
    done(&session, result, "locality.saved", &format!("/localities/{id}")).await
}

#[derive(Deserialize)]
struct LinkForm {
    member_id: Option<String>,
    start_on: Option<String>,
    back: Option<String>,
}

async fn link(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> AppResult<Redirect> {
    let back = crate::kernel::web::safe_next(f.back.as_deref()).to_string();
    let result = async {
        let member = form::id(&f.member_id)?.map(MemberId).ok_or(AppError::BadRequest("liaison.choose_member"))?;
        let start = form::date(&f.start_on)?.unwrap_or_else(crate::kernel::time::today);
        st.db.write(move |c| liaisons::link(c, &me, LocalityId(id), member, start).map(|_| ())).await
    }
    .await;
    done(&session, result, "liaison.linked", &back).await
}

#[derive(Deserialize)]
struct EndForm {
    end_on: Option<String>,
    back: Option<String>,
}

async fn end(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<EndForm>,
) -> AppResult<Redirect> {
    let back = crate::kernel::web::safe_next(f.back.as_deref()).to_string();
    let result = async {
        let on = form::date(&f.end_on)?.unwrap_or_else(crate::kernel::time::today);
        st.db.write(move |c| liaisons::end(c, &me, LiaisonId(id), on)).await
    }
    .await;
    done(&session, result, "liaison.ended", &back).await
}
