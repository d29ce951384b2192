//! Members (委员): search and filter, a member's record with their liaison
//! points, the district's form, leaving (离任).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, OfficeId, SectorId};
use crate::kernel::state::AppState;
use crate::kernel::web::action::action;
use crate::kernel::web::view::view;
use crate::kernel::web::{Page, form, paging, render};
use crate::org::duty::{CountDuty, DutyCounts};
use crate::org::model::{self, BirthDate, Gender, MemberStatus, PARTIES, Phone};
use crate::org::store::liaisons::MemberLink;
use crate::org::store::members::{self, Member, MemberData, MemberFilter, MemberRow};
use crate::org::store::sectors::{self, Sector};
use crate::org::store::{self as offices, Office};

pub fn router(count_duty: CountDuty) -> Router<AppState> {
    Router::new()
        .route("/members", get(list).post(create))
        .route("/members/new", get(new_form))
        .route("/members/{id}", view(move |c, me, id, page| show(c, me, id, page, count_duty)).post(update))
        .route("/members/{id}/edit", get(edit_form))
        .route(
            "/members/{id}/leave",
            action("member.left_saved", back, |c, me, id, f: LeaveForm| {
                members::leave(c, me, MemberId(id), form::date_or_today(&f.left_on)?)
            }),
        )
        .route(
            "/members/{id}/login",
            action("member.login_saved", back, |c, me, id, f: LoginForm| {
                members::set_login(c, me, MemberId(id), form::text(&f.username).as_deref())
            }),
        )
        .route(
            "/members/{id}/public-name",
            action("member.public_name_saved", back, |c, me, id, f: PublicNameForm| {
                members::set_public_name(c, me, MemberId(id), f.public_name.as_deref() == Some("1"))
            }),
        )
}

fn back(id: i64) -> String {
    format!("/members/{id}")
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    sector: Option<String>,
    office: Option<String>,
    party: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> MemberFilter {
        MemberFilter {
            q: form::text(&self.q),
            sector: form::id(&self.sector).ok().flatten().map(SectorId),
            office: form::id(&self.office).ok().flatten().map(OfficeId),
            party: form::text(&self.party),
            status: self.status.as_deref().and_then(MemberStatus::parse),
            page: paging::page(self.page.as_deref()),
        }
    }

    /// The query string of this filter at another page.
    fn at_page(&self, page: i64) -> String {
        let pairs = [
            ("q", self.q.clone().unwrap_or_default()),
            ("sector", self.sector.clone().unwrap_or_default()),
            ("office", self.office.clone().unwrap_or_default()),
            ("party", self.party.clone().unwrap_or_default()),
            ("status", self.status.clone().unwrap_or_default()),
            ("page", page.to_string()),
        ];
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "org/members.html")]
struct MembersTemplate {
    page: Page,
    rows: Vec<MemberRow>,
    total: i64,
    current: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    q: ListQuery,
    sectors: Vec<Sector>,
    offices: Vec<Office>,
    parties: &'static [&'static str],
    statuses: &'static [MemberStatus],
    can_edit: bool,
}

async fn list(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let filter = q.filter();
    let can_edit = model::can_manage_roster(&me);
    let ((rows, total), sectors, offices) = st
        .db
        .read(move |c| Ok((members::search(c, &me, &filter)?, sectors::list(c, &me)?, offices::list_offices(c, &me)?)))
        .await?;
    let pages = ((total + members::PAGE_SIZE - 1) / members::PAGE_SIZE).max(1);
    let current = paging::page(q.page.as_deref()).min(pages.max(1));
    let tpl = MembersTemplate {
        prev: (current > 1).then(|| q.at_page(current - 1)),
        next: (current < pages).then(|| q.at_page(current + 1)),
        rows,
        total,
        current,
        pages,
        q,
        sectors,
        offices,
        parties: &PARTIES,
        statuses: MemberStatus::ALL,
        can_edit,
        page,
    };
    render(&tpl)
}

#[derive(Template)]
#[template(path = "org/member.html")]
struct MemberTemplate {
    page: Page,
    member: Member,
    sector: Option<String>,
    office: Option<(OfficeId, String)>,
    links: Vec<MemberLink>,
    login: Option<String>,
    can_edit: bool,
    /// The member's own record: they choose whether their name is public.
    own: bool,
    today: String,
    /// This year's duty record in numbers.
    duty: DutyCounts,
}

fn show(c: &mut DbConn, me: &Actor, id: i64, page: Page, count_duty: CountDuty) -> AppResult<MemberTemplate> {
    let p = members::profile(c, me, MemberId(id))?;
    let today = crate::kernel::time::today();
    let duty = count_duty(c, me, p.member.id, chrono::Datelike::year(&today))?;
    Ok(MemberTemplate {
        page,
        member: p.member,
        sector: p.sector,
        office: p.office,
        links: p.links,
        login: p.login,
        can_edit: model::can_manage_roster(me),
        own: p.own,
        today: today.to_string(),
        duty,
    })
}

/// The member form's fields as typed, so a refused form comes back filled in.
#[derive(Deserialize, Default, Clone)]
struct MemberForm {
    name: String,
    gender: String,
    ethnicity: String,
    birth_date: Option<String>,
    party: String,
    sector_id: Option<String>,
    employer: String,
    post: String,
    phone: String,
    term: String,
    office_id: Option<String>,
}

impl MemberForm {
    fn of(m: &Member) -> MemberForm {
        MemberForm {
            name: m.name.clone(),
            gender: m.gender.as_str().to_string(),
            ethnicity: m.ethnicity.clone(),
            birth_date: m.birth_date.map(BirthDate::label),
            party: m.party.clone(),
            sector_id: m.sector_id.map(|s| s.to_string()),
            employer: m.employer.clone(),
            post: m.post.clone(),
            phone: m.phone.clone(),
            term: m.term.clone(),
            office_id: m.office_id.map(|o| o.to_string()),
        }
    }

    fn data(&self) -> Result<MemberData, AppError> {
        Ok(MemberData {
            name: self.name.trim().to_string(),
            gender: Gender::parse(&self.gender).ok_or(AppError::BadRequest("member.bad_gender"))?,
            ethnicity: crate::org::roster::normalize::ethnicity(&self.ethnicity),
            birth_date: match self.birth_date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(s) => Some(BirthDate::parse(s).ok_or(AppError::BadRequest("member.bad_birth_date"))?),
            },
            party: self.party.trim().to_string(),
            sector_id: form::id(&self.sector_id)?.map(SectorId),
            employer: self.employer.trim().to_string(),
            post: self.post.trim().to_string(),
            phone: Phone::parse(&self.phone).ok_or(AppError::BadRequest("form.bad_phone"))?,
            term: self.term.trim().to_string(),
            office_id: form::id(&self.office_id)?.map(OfficeId),
        })
    }

    fn sector_is(&self, id: &SectorId) -> bool {
        self.sector_id.as_deref() == Some(id.to_string().as_str())
    }

    fn office_is(&self, id: &OfficeId) -> bool {
        self.office_id.as_deref() == Some(id.to_string().as_str())
    }
}

#[derive(Template)]
#[template(path = "org/member_form.html")]
struct MemberFormTemplate {
    page: Page,
    /// `None` for a new member.
    id: Option<MemberId>,
    f: MemberForm,
    error: Option<String>,
    sectors: Vec<Sector>,
    offices: Vec<Office>,
    parties: &'static [&'static str],
    genders: &'static [Gender],
}

impl MemberFormTemplate {
    /// The names the form accepts for 民族, offered as the user types.
    fn ethnic_groups(&self) -> Vec<String> {
        crate::org::roster::normalize::ethnic_group_names()
    }
}

async fn form_page(
    st: &AppState,
    me: Actor,
    page: Page,
    id: Option<MemberId>,
    f: MemberForm,
    error: Option<String>,
) -> AppResult<Response> {
    if !model::can_manage_roster(&me) {
        return Err(AppError::Forbidden);
    }
    let (sectors, offices) = st.db.read(move |c| Ok((sectors::list(c, &me)?, offices::list_offices(c, &me)?))).await?;
    let tpl = MemberFormTemplate { page, id, f, error, sectors, offices, parties: &PARTIES, genders: Gender::ALL };
    Ok(render(&tpl)?.into_response())
}

async fn new_form(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    let f = MemberForm {
        ethnicity: "汉族".into(), term: "第十届".into(), gender: "male".into(), ..Default::default()
    };
    form_page(&st, me, page, None, f, None).await
}

async fn edit_form(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let actor = me.clone();
    let m = st.db.read(move |c| members::get(c, &actor, MemberId(id))).await?.ok_or(AppError::NotFound)?;
    form_page(&st, me, page, Some(m.id), MemberForm::of(&m), None).await
}

/// Saves the form (new or existing member); a refused form comes back filled in.
async fn save(
    st: AppState,
    session: Session,
    me: Actor,
    page: Page,
    id: Option<MemberId>,
    f: MemberForm,
) -> AppResult<Response> {
    let data = f.data();
    let actor = me.clone();
    let result: AppResult<MemberId> = match data {
        Err(e) => Err(e),
        Ok(d) => {
            st.db
                .write(move |c: &mut DbConn| match id {
                    Some(id) => members::update(c, &actor, id, &d).map(|_| id),
                    None => members::create(c, &actor, &d),
                })
                .await
        }
    };
    match result {
        Ok(saved) => {
            crate::kernel::web::page::flash(&session, true, "member.saved").await;
            Ok(Redirect::to(&format!("/members/{saved}")).into_response())
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            let error = Some(page.t(k));
            form_page(&st, me, page, id, f, error).await
        }
        Err(e) => Err(e),
    }
}

async fn create(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Form(f): Form<MemberForm>,
) -> AppResult<Response> {
    save(st, session, me, page, None, f).await
}

async fn update(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> AppResult<Response> {
    save(st, session, me, page, Some(MemberId(id)), f).await
}

#[derive(Deserialize)]
struct LeaveForm {
    left_on: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    username: Option<String>,
}

#[derive(Deserialize)]
struct PublicNameForm {
    public_name: Option<String>,
}
