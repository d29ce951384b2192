//! Offices: the list, one office with its convener, staffers, localities and
//! their members.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::{LocalityForm, done};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::web::action::action;
use crate::kernel::web::view::view;
use crate::kernel::web::{Page, form, render};
use crate::org::model::{Employment, Phone};
use crate::org::store::liaisons::Point;
use crate::org::store::localities;
use crate::org::store::office_view::{self, OfficePage, OfficeRow};
use crate::org::store::{self, Office, OfficeUpdate, Staffer};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/offices", get(list))
        .route(
            "/offices/{id}",
            view(show).merge(action("office.saved", back, |c, me, id, f: OfficeForm| {
                store::update_office(c, me, OfficeId(id), &f.update()?)
            })),
        )
        .route(
            "/offices/{id}/staffers",
            action("staffer.added", back, |c, me, id, f: StafferForm| {
                let (phone, employment) = f.checked()?;
                store::add_staffer_checked(c, me, OfficeId(id), &f.name, &phone, employment).map(|_| ())
            }),
        )
        .route("/offices/{id}/staffers/{sid}/remove", post(remove_staffer))
        .route(
            "/offices/{id}/localities",
            action("locality.added", back, |c, me, id, f: LocalityForm| {
                localities::create(c, me, OfficeId(id), &f.data()?).map(|_| ())
            }),
        )
}

fn back(id: i64) -> String {
    format!("/offices/{id}")
}

#[derive(Template)]
#[template(path = "org/offices.html")]
struct OfficesTemplate {
    page: Page,
    rows: Vec<OfficeRow>,
}

async fn list(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let rows = st.db.read(move |c| office_view::overview(c, &me)).await?;
    render(&OfficesTemplate { page, rows })
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

fn show(c: &mut DbConn, me: &Actor, id: i64, page: Page) -> AppResult<OfficeTemplate> {
    let o: OfficePage = office_view::page(c, me, OfficeId(id))?;
    Ok(OfficeTemplate {
        page,
        office: o.office,
        convener: o.convener,
        staffers: o.staffers,
        points: o.points,
        gaps: o.gaps,
        can_edit_office: o.can_edit_office,
        can_manage: o.can_manage,
        member_choices: o.member_choices,
        today: crate::kernel::time::today().to_string(),
    })
}

#[derive(Deserialize)]
struct OfficeForm {
    address: Option<String>,
    established_on: Option<String>,
    convener_id: Option<String>,
    convener_post: Option<String>,
}

impl OfficeForm {
    fn update(self) -> AppResult<OfficeUpdate> {
        Ok(OfficeUpdate {
            address: form::text(&self.address),
            established_on: form::date(&self.established_on)?,
            convener_id: form::id(&self.convener_id)?.map(MemberId),
            convener_post: form::text(&self.convener_post),
        })
    }
}

#[derive(Deserialize)]
struct StafferForm {
    name: String,
    phone: String,
    employment: String,
}

impl StafferForm {
    fn checked(&self) -> AppResult<(Phone, Employment)> {
        let phone = Phone::parse(&self.phone).ok_or(AppError::BadRequest("form.bad_phone"))?;
        let employment = Employment::parse(&self.employment).ok_or(AppError::BadRequest("form.bad_choice"))?;
        Ok((phone, employment))
    }
}

async fn remove_staffer(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path((id, sid)): Path<(i64, i64)>,
) -> AppResult<Redirect> {
    let result = st.db.write(move |c| store::remove_staffer(c, &me, OfficeId(id), sid)).await;
    done(&session, result, "staffer.removed", &back(id)).await
}
