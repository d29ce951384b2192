//! Offices: the list, one office with its convener, staffers, localities and
//! their members.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::{LocalityForm, done};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, form, render};
use crate::org::model::{self, Employment, Phone};
use crate::org::store::liaisons::{self, Point};
use crate::org::store::localities;
use crate::org::store::{self, Office, OfficeUpdate, Staffer, homes, members};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/offices", get(list))
        .route("/offices/{id}", get(show).post(update))
        .route("/offices/{id}/staffers", post(add_staffer))
        .route("/offices/{id}/staffers/{sid}/remove", post(remove_staffer))
        .route("/offices/{id}/localities", post(add_locality))
}

/// An office in the list, with what the district checks at a glance.
struct OfficeRow {
    office: Office,
    convener: Option<String>,
    localities: usize,
    gaps: usize,
    home_met: usize,
}

#[derive(Template)]
#[template(path = "org/offices.html")]
struct OfficesTemplate {
    page: Page,
    rows: Vec<OfficeRow>,
}

async fn list(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let rows = st
        .db
        .read(move |c| {
            let offices = store::list_offices(c, &me)?;
            let points = liaisons::points(c, &me, None)?;
            let board = homes::board(c, &me)?;
            let names = convener_names(c, &me, &offices)?;
            Ok(offices
                .into_iter()
                .map(|o| {
                    let mine: Vec<&Point> = points.iter().filter(|p| p.locality.office_id == o.id).collect();
                    OfficeRow {
                        convener: o
                            .convener_id
                            .and_then(|m| names.iter().find(|(id, _)| *id == m).map(|(_, n)| n.clone())),
                        localities: mine.len(),
                        gaps: mine.iter().filter(|p| p.members.is_empty()).count(),
                        home_met: board.iter().find(|b| b.office_id == o.id).map(|b| b.met()).unwrap_or(0),
                        office: o,
                    }
                })
                .collect())
        })
        .await?;
    render(&OfficesTemplate { page, rows })
}

fn convener_names(
    c: &mut crate::kernel::db::DbConn,
    me: &Actor,
    offices: &[Office],
) -> AppResult<Vec<(MemberId, String)>> {
    use crate::kernel::db::schema::members as m;
    use diesel::prelude::*;
    let ids: Vec<MemberId> = offices.iter().filter_map(|o| o.convener_id).collect();
    Ok(m::table.filter(m::id.eq_any(ids).and(m::committee_id.eq(me.committee_id))).select((m::id, m::name)).load(c)?)
}

#[derive(Template)]
#[template(path = "org/office.html")]
struct OfficeTemplate {
    page: Page,
    office: Office,
    convener: Option<String>,
    staffers: Vec<Staffer>,
    points: Vec<Point>,
    gaps: usize,
    can_edit_office: bool,
    can_manage: bool,
    member_choices: Vec<(MemberId, String)>,
    today: String,
}

async fn show(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let id = OfficeId(id);
    let tpl = st
        .db
        .read(move |c| {
            let office = store::get_office(c, &me, id)?.ok_or(AppError::NotFound)?;
            let convener = convener_names(c, &me, std::slice::from_ref(&office))?.into_iter().next().map(|(_, n)| n);
            let staffers = store::staffers(c, &me, id)?;
            let points = liaisons::points(c, &me, Some(id))?;
            let can_manage = model::can_manage_office(&me, id);
            let member_choices = if can_manage { members::choices(c, &me, Some(id))? } else { vec![] };
            Ok(OfficeTemplate {
                gaps: points.iter().filter(|p| p.members.is_empty()).count(),
                can_edit_office: model::can_manage_roster(&me),
                can_manage,
                member_choices,
                today: crate::kernel::time::today().to_string(),
                page,
                office,
                convener,
                staffers,
                points,
            })
        })
        .await?;
    render(&tpl)
}

#[derive(Deserialize)]
struct OfficeForm {
    address: Option<String>,
    established_on: Option<String>,
    convener_id: Option<String>,
    convener_post: Option<String>,
}

async fn update(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<OfficeForm>,
) -> AppResult<Redirect> {
    let result = async {
        let upd = OfficeUpdate {
            address: form::text(&f.address),
            established_on: form::date(&f.established_on)?,
            convener_id: form::id(&f.convener_id)?.map(MemberId),
            convener_post: form::text(&f.convener_post),
        };
        st.db.write(move |c| store::update_office(c, &me, OfficeId(id), &upd)).await
    }
    .await;
    done(&session, result, "office.saved", &format!("/offices/{id}")).await
}

#[derive(Deserialize)]
struct StafferForm {
    name: String,
    phone: String,
    employment: String,
}

async fn add_staffer(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<StafferForm>,
) -> AppResult<Redirect> {
    let result = async {
        let phone = Phone::parse(&f.phone).ok_or(AppError::BadRequest("form.bad_phone"))?;
        let employment = Employment::parse(&f.employment).ok_or(AppError::BadRequest("form.bad_choice"))?;
        st.db
            .write(move |c| store::add_staffer_checked(c, &me, OfficeId(id), &f.name, &phone, employment).map(|_| ()))
            .await
    }
    .await;
    done(&session, result, "staffer.added", &format!("/offices/{id}")).await
}

async fn remove_staffer(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path((id, sid)): Path<(i64, i64)>,
) -> AppResult<Redirect> {
    let result = st.db.write(move |c| store::remove_staffer(c, &me, OfficeId(id), sid)).await;
    done(&session, result, "staffer.removed", &format!("/offices/{id}")).await
}

async fn add_locality(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<LocalityForm>,
) -> AppResult<Redirect> {
    let result = async {
        let d = f.data()?;
        st.db.write(move |c| localities::create(c, &me, OfficeId(id), &d).map(|_| ())).await
    }
    .await;
    done(&session, result, "locality.added", &format!("/offices/{id}")).await
}
