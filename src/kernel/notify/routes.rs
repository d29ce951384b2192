//! The pages of where messages go beyond the app: the units' group robots
//! (`/robots`), and the deliveries with what failed and a way to resend it
//! (`/deliveries`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::Unit;
use super::deliveries::{self, Row};
use super::robots::model::Kind;
use super::robots::store::{self as robots, NewRobot, Robot};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::state::AppState;
use crate::kernel::web::action::action;
use crate::kernel::web::page::flash;
use crate::kernel::web::{Page, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/robots", get(robots_page).post(add_robot))
        .route("/robots/{id}/test", post(test_robot))
        .route(
            "/robots/{id}/active",
            action(
                "robot.saved",
                |_| "/robots".into(),
                |c, me, id, f: ActiveForm| robots::set_active(c, me, id, f.active.as_deref() == Some("1")),
            ),
        )
        .route("/deliveries", get(deliveries_page))
        .route(
            "/deliveries/{id}/resend",
            action(
                "delivery.resent",
                |_| "/deliveries?failed=1".into(),
                |c, me, id, _: Empty| deliveries::resend(c, me, id),
            ),
        )
}

#[derive(Deserialize)]
struct Empty {}

#[derive(Deserialize)]
struct ActiveForm {
    active: Option<String>,
}

#[derive(Template)]
#[template(path = "kernel/robots.html")]
struct RobotsTemplate {
    page: Page,
    robots: Vec<(Robot, String, String)>,
    units: Vec<(String, String)>,
    kinds: Vec<Kind>,
}

/// A unit as the page names it: the district, or the office's or department's name.
fn unit_name(page: &Page, unit: &str, units: &[(Unit, String)]) -> String {
    match units.iter().find(|(u, _)| u.to_string() == unit) {
        Some((Unit::District, _)) => page.t("robot.unit_district"),
        Some((_, name)) => name.clone(),
        None => unit.to_string(),
    }
}

async fn robots_page(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let vault = st.personal.clone();
    let actor = me.clone();
    let (list, units) = st
        .db
        .read(move |c| Ok((robots::list(c, &actor, &vault)?, robots::unit_choices(c, actor.committee_id)?)))
        .await?;
    let mine: Vec<(Unit, String)> = units.into_iter().filter(|(u, _)| robots::manages(&me, *u)).collect();
    if mine.is_empty() {
        return Err(AppError::Forbidden);
    }
    let robots = list
        .into_iter()
        .map(|(r, hook)| {
            let unit = unit_name(&page, &r.unit, &mine);
            (r, hook, unit)
        })
        .collect();
    let units = mine.iter().map(|(u, _)| (u.to_string(), unit_name(&page, &u.to_string(), &mine))).collect();
    render(&RobotsTemplate { page, robots, units, kinds: Kind::ALL.to_vec() })
}

#[derive(Deserialize)]
struct RobotForm {
    unit: String,
    kind: String,
    name: String,
    webhook: String,
    secret: Option<String>,
}

async fn add_robot(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<RobotForm>,
) -> AppResult<Redirect> {
    let parsed = (|| {
        Ok::<_, AppError>(NewRobot {
            unit: f.unit.parse().map_err(|_| AppError::BadRequest("form.bad_choice"))?,
            kind: Kind::parse(&f.kind).ok_or(AppError::BadRequest("form.bad_choice"))?,
            name: f.name,
            webhook: f.webhook,
            secret: f.secret,
            allow_local: st.config.robots_allow_local,
        })
    })();
    let vault = st.personal.clone();
    let result = match parsed {
        Ok(r) => st.db.write(move |c| robots::add(c, &me, &vault, &r)).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => flash(&session, true, "robot.added").await,
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => flash(&session, false, k).await,
        Err(e) => return Err(e),
    }
    Ok(Redirect::to("/robots"))
}

async fn test_robot(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> AppResult<Redirect> {
    let text = page.t("robot.test_text").replace("%{name}", &me.display_name);
    st.db.write(move |c| robots::test(c, &me, id, &text)).await?;
    flash(&session, true, "robot.test_queued").await;
    Ok(Redirect::to("/robots"))
}

#[derive(Template)]
#[template(path = "kernel/deliveries.html")]
struct DeliveriesTemplate {
    page: Page,
    rows: Vec<Row>,
    failed_only: bool,
}

#[derive(Deserialize)]
struct DeliveriesQuery {
    failed: Option<String>,
}

async fn deliveries_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<DeliveriesQuery>,
) -> AppResult<Response> {
    let failed_only = q.failed.as_deref() == Some("1");
    let rows = st.db.read(move |c| deliveries::list(c, &me, failed_only)).await?;
    Ok(render(&DeliveriesTemplate { page, rows, failed_only })?.into_response())
}
