//! Office staff and the district: topics, approval, planning with the
//! suggested invitees, the session (attendance, speakers, record, photos), the
//! agreed items, closing, and the district's overview.

use askama::Template;
use axum::extract::{Path, Query, RawForm, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::{ids, pairs};
use crate::activities::meeting;
use crate::consultations::model::{self, Format, Status, Tally};
use crate::consultations::store::consultations::{self as store, Attendee, Consultation, Plan, Record, Row, Topic};
use crate::consultations::store::items::{self, ItemRow, OverviewRow, Owner};
use crate::kernel::auth::{Actor, CurrentUser, Role};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::Stored;
use crate::kernel::files::attachments::{self, Attachment};
use crate::kernel::files::routes::{download, upload};
use crate::kernel::ids::{ConsultationId, DepartmentId, FileId, LocalityId, MemberId, OfficeId, OpinionId, SectorId};
use crate::kernel::state::AppState;
use crate::kernel::web::links::base_url;
use crate::kernel::web::page::{Flash, flash, form_done};
use crate::kernel::web::{Page, form, render};
use crate::org::store::{self as org, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consultations", get(list).post(propose))
        .route("/consultations/overview", get(overview))
        .route("/consultations/{id}", get(detail))
        .route("/consultations/{id}/decide", post(decide))
        .route("/consultations/{id}/plan", get(plan_form).post(plan))
        .route("/consultations/{id}/attendance", post(attendance))
        .route("/consultations/{id}/speakers", post(speaker))
        .route("/consultations/{id}/record", post(record))
        .route(
            "/consultations/{id}/photos",
            upload(model::MAX_PHOTOS, attach_file, |id| format!("/consultations/{id}#files")),
        )
        .route(
            "/consultations/{id}/materials",
            upload(model::MAX_PHOTOS, attach_material, |id| format!("/consultations/{id}#materials")),
        )
        .route("/consultations/{id}/files/{file}", download(holds_file))
        .route("/consultations/{id}/items", post(add_item))
        .route("/consultations/{id}/close", post(close))
        .route("/consultations/{id}/report.docx", get(report_docx))
}

/// A photo or document of the session's record.
fn attach_file(c: &mut DbConn, me: &Actor, id: i64, file: FileId, s: &Stored) -> AppResult<()> {
    store::attach(c, me, ConsultationId(id), file, attachments::role_of(s))
}

/// Materials sent to the invitees before the session (documents or pictures).
fn attach_material(c: &mut DbConn, me: &Actor, id: i64, file: FileId, _: &Stored) -> AppResult<()> {
    store::attach(c, me, ConsultationId(id), file, "material")
}

/// A file of a consultation the actor may see.
fn holds_file(c: &mut DbConn, me: &Actor, id: i64, file: FileId) -> AppResult<bool> {
    let owner = attachments::Owner::Consultation(ConsultationId(id));
    Ok(store::get(c, me, ConsultationId(id))?.is_some() && attachments::holds(c, owner, file)?)
}

#[derive(Deserialize, Default)]
struct ListQuery {
    status: Option<String>,
}

#[derive(Template)]
#[template(path = "consultations/list.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    offices: Vec<Office>,
    statuses: &'static [Status],
    status: String,
    can_propose: bool,
    district: bool,
}

async fn list(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let status = q.status.as_deref().and_then(Status::parse);
    let can_propose = matches!(me.role, Role::DistrictAdmin | Role::OfficeStaff | Role::Member);
    let district = me.role == Role::DistrictAdmin;
    let (rows, offices) = st.db.read(move |c| Ok((store::list(c, &me, status)?, org::list_offices(c, &me)?))).await?;
    render(&ListTemplate {
        page,
        rows,
        offices,
        statuses: Status::ALL,
        status: q.status.unwrap_or_default(),
        can_propose,
        district,
    })
    .map(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct ProposeForm {
    office: Option<String>,
    title: Option<String>,
    background: Option<String>,
    codes: Option<String>,
}

async fn propose(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<ProposeForm>,
) -> AppResult<Redirect> {
    let result = async {
        let t = Topic {
            office_id: form::id(&f.office)?.map(OfficeId),
            title: f.title.unwrap_or_default(),
            background: f.background.unwrap_or_default(),
            codes: f.codes.unwrap_or_default(),
        };
        st.db.write(move |c| store::propose(c, &me, &t)).await
    }
    .await;
    match result {
        Ok(id) => {
            flash(&session, true, "consultation.proposed").await;
            Ok(Redirect::to(&format!("/consultations/{id}")))
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            flash(&session, false, k).await;
            Ok(Redirect::to("/consultations"))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "consultations/detail.html")]
struct DetailTemplate {
    page: Page,
    c: Consultation,
    office: String,
    manage: bool,
    /// Items link to their follow-up page for those who may open it.
    item_links: bool,
    sectors: Vec<(SectorId, String)>,
    localities: Vec<(LocalityId, String)>,
    attendees: Vec<Attendee>,
    departments: Vec<(DepartmentId, String, String)>,
    speakers: Vec<(String, String)>,
    files: Vec<Attachment>,
    cases: Vec<(OpinionId, String, String)>,
    items: Vec<ItemRow>,
    tally: Tally,
    owners: Vec<(String, String)>,
    qr: Option<(String, String)>,
    mine: Option<Attendee>,
    choices: Vec<(MemberId, String, Option<String>)>,
    replies: [model::Reply; 2],
    code: String,
}

impl DetailTemplate {
    fn is(&self, s: &str) -> bool {
        self.c.status == s
    }
    fn session_open(&self) -> bool {
        self.is("planned") || self.is("held")
    }
    /// Materials go out between approval and the session.
    fn before_session(&self) -> bool {
        self.is("approved") || self.is("planned")
    }
    fn has_materials(&self) -> bool {
        self.files.iter().any(|(_, role, ..)| role == "material")
    }
    fn is_present(&self, m: &MemberId) -> bool {
        self.attendees.iter().any(|x| x.member_id == *m && x.attended)
    }
    /// The attendance form's members: those on the list.
    fn listed_choices(&self) -> Vec<(MemberId, String)> {
        self.choices
            .iter()
            .filter(|(m, ..)| self.attendees.iter().any(|x| x.member_id == *m))
            .map(|(m, name, _)| (*m, name.clone()))
            .collect()
    }
    fn opinion_status_key(&self, s: &str) -> String {
        crate::opinions::model::Status::parse(s).map(|x| x.label_key()).unwrap_or_default()
    }
    /// The record form's date and time: when it was held, or was planned.
    fn date_value(&self) -> String {
        self.c
            .held_at
            .or(self.c.planned_at)
            .map(|t| crate::kernel::calendar::model::shanghai_date(t).to_string())
            .unwrap_or_default()
    }
    fn time_value(&self) -> String {
        self.c.held_at.or(self.c.planned_at).map(|t| crate::kernel::time::local(&t).split_off(11)).unwrap_or_default()
    }
}

async fn detail(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let base = base_url(st.config.public_base_url.as_deref(), &headers);
    let tpl = st
        .db
        .read(move |conn| {
            let id = ConsultationId(id);
            let c = store::get(conn, &me, id)?.ok_or(AppError::NotFound)?;
            let manage = store::can_manage(&me, c.office_id);
            let attendees = store::attendees(conn, id)?;
            let own = crate::org::store::members::own_record(conn, &me)?.map(|m| m.id);
            let mine = attendees.iter().find(|x| Some(x.member_id) == own).cloned();
            let qr = if manage && matches!(c.status(), Status::Planned | Status::Held) {
                Some(meeting::qr_code(&base, "consultations", id.0, &c.signin_token)?)
            } else {
                None
            };
            let choices = if manage && matches!(c.status(), Status::Planned | Status::Held) {
                store::member_choices(conn, me.committee_id)?
            } else {
                vec![]
            };
            Ok(DetailTemplate {
                office: store::office_name(conn, c.office_id)?,
                sectors: store::sectors_of(conn, id)?,
                localities: store::localities_of(conn, id)?,
                departments: store::invited_departments(conn, id)?,
                speakers: store::speakers(conn, id)?,
                files: attachments::list(conn, attachments::Owner::Consultation(id))?,
                cases: store::cases_of(conn, id)?,
                items: items::of_consultation(conn, id)?,
                tally: items::tallies(conn, &[id])?.get(&id).copied().unwrap_or_default(),
                owners: if manage { items::owner_choices(conn, me.committee_id)? } else { vec![] },
                code: org::committee(conn, &me)?.code,
                item_links: manage || me.role == Role::Leader,
                page,
                manage,
                attendees,
                qr,
                mine,
                choices,
                replies: [model::Reply::Accepted, model::Reply::Declined],
                c,
            })
        })
        .await?;
    render(&tpl).map(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    reason: Option<String>,
}

async fn decide(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> AppResult<Redirect> {
    let approve = f.decision == "approve";
    let reason = f.reason.unwrap_or_default();
    let result = st.db.write(move |c| store::decide(c, &me, ConsultationId(id), approve, &reason)).await;
    form_done(&session, result, "consultation.decided", &format!("/consultations/{id}")).await
}

#[derive(Template)]
#[template(path = "consultations/plan.html")]
struct PlanTemplate {
    page: Page,
    c: Consultation,
    sectors: Vec<crate::org::store::sectors::Sector>,
    localities: Vec<(LocalityId, String, String)>,
    chosen_sectors: Vec<SectorId>,
    chosen_localities: Vec<LocalityId>,
    choices: Vec<(MemberId, String, Option<String>)>,
    suggested: Vec<MemberId>,
    departments: Vec<crate::org::store::departments::Department>,
    chosen_departments: Vec<DepartmentId>,
    formats: &'static [Format],
    /// Beijing date and time of the session: as planned, or as typed.
    date: String,
    time: String,
}

impl PlanTemplate {
    fn sector_on(&self, s: &SectorId) -> bool {
        self.chosen_sectors.contains(s)
    }
    fn locality_on(&self, l: &LocalityId) -> bool {
        self.chosen_localities.contains(l)
    }
    fn suggested_on(&self, m: &MemberId) -> bool {
        self.suggested.contains(m)
    }
    fn department_on(&self, d: &DepartmentId) -> bool {
        self.chosen_departments.contains(d)
    }
}

/// The plan form; `sector` and `locality` (repeated) in the query choose whom
/// to suggest: those members come pre-ticked.
async fn plan_form(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    let p = pairs(q.unwrap_or_default().as_bytes())?;
    let tpl = plan_page(&st, me, page, ConsultationId(id), p, None).await?;
    render(&tpl).map(IntoResponse::into_response)
}

/// The plan form for the sectors and localities chosen in `p`; `typed` (the
/// refused form's fields) fills it in as it was sent.
async fn plan_page(
    st: &AppState,
    me: Actor,
    page: Page,
    id: ConsultationId,
    p: Vec<(String, String)>,
    typed: Option<Vec<(String, String)>>,
) -> AppResult<PlanTemplate> {
    let chosen_sectors: Vec<SectorId> = ids(&p, "sector", "form.bad_choice")?.into_iter().map(SectorId).collect();
    let chosen_localities: Vec<LocalityId> =
        ids(&p, "locality", "form.bad_choice")?.into_iter().map(LocalityId).collect();
    st.db
        .read(move |conn| {
            let mut c = store::get(conn, &me, id)?.ok_or(AppError::NotFound)?;
            if !store::can_manage(&me, c.office_id) {
                return Err(AppError::Forbidden);
            }
            use crate::kernel::db::schema::{localities, offices};
            use diesel::prelude::*;
            let localities: Vec<(LocalityId, String, String)> = localities::table
                .inner_join(offices::table)
                .filter(offices::committee_id.eq(me.committee_id))
                .order((offices::id.asc(), localities::name.asc()))
                .select((localities::id, localities::name, offices::name))
                .load(conn)?;
            let (chosen_sectors, chosen_localities) = if chosen_sectors.is_empty() && chosen_localities.is_empty() {
                (
                    store::sectors_of(conn, c.id)?.into_iter().map(|(i, _)| i).collect(),
                    store::localities_of(conn, c.id)?.into_iter().map(|(i, _)| i).collect(),
                )
            } else {
                (chosen_sectors, chosen_localities)
            };
            let mut date = c.planned_at.map(|t| crate::kernel::calendar::model::shanghai_date(t).to_string());
            let mut time = c.planned_at.map(|t| crate::kernel::time::local(&t).split_off(11));
            let (suggested, chosen_departments) = match typed {
                Some(t) => {
                    let get = |k: &str| t.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
                    c.format = get("format");
                    c.place = get("place");
                    c.host = get("host");
                    c.residents = get("residents");
                    c.materials = get("materials");
                    (date, time) = (Some(get("date")), Some(get("time")));
                    let all = |k: &'static str| -> Vec<i64> {
                        t.iter().filter(|(x, _)| x == k).filter_map(|(_, v)| v.parse().ok()).collect()
                    };
                    (
                        all("member").into_iter().map(MemberId).collect(),
                        all("department").into_iter().map(DepartmentId).collect(),
                    )
                }
                None => (store::suggest(conn, me.committee_id, &chosen_sectors, &chosen_localities)?, vec![]),
            };
            Ok(PlanTemplate {
                sectors: crate::org::store::sectors::list(conn, &me)?.into_iter().filter(|s| s.active).collect(),
                choices: store::member_choices(conn, me.committee_id)?,
                departments: crate::org::store::departments::list(conn, &me)?
                    .into_iter()
                    .filter(|d| d.active)
                    .collect(),
                page,
                c,
                localities,
                chosen_sectors,
                chosen_localities,
                suggested,
                chosen_departments,
                formats: Format::ALL,
                date: date.unwrap_or_default(),
                time: time.unwrap_or_else(|| "09:00".into()),
            })
        })
        .await
}

fn plan_from(p: &[(String, String)]) -> AppResult<Plan> {
    let get = |k: &str| p.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    let planned_at = meeting::planned_at(&get("date"), &get("time"))?;
    Ok(Plan {
        format: get("format").as_deref().and_then(Format::parse).ok_or(AppError::BadRequest("form.bad_choice"))?,
        planned_at,
        place: get("place").unwrap_or_default(),
        host: get("host").unwrap_or_default(),
        sectors: ids(p, "sector", "form.bad_choice")?.into_iter().map(SectorId).collect(),
        localities: ids(p, "locality", "form.bad_choice")?.into_iter().map(LocalityId).collect(),
        members: ids(p, "member", "consultation.bad_member")?.into_iter().map(MemberId).collect(),
        departments: ids(p, "department", "form.bad_choice")?.into_iter().map(DepartmentId).collect(),
        residents: get("residents").unwrap_or_default(),
        materials: get("materials").unwrap_or_default(),
    })
}

async fn plan(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    mut page: Page,
    Path(id): Path<i64>,
    RawForm(raw): RawForm,
) -> AppResult<Response> {
    let sent = pairs(&raw)?;
    let actor = me.clone();
    let result = async {
        let p = plan_from(&sent)?;
        st.db.write(move |c| store::plan(c, &actor, ConsultationId(id), &p)).await
    }
    .await;
    match result {
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            // The form again, as it was sent, with the reason on top.
            page.flash = Some(Flash { ok: false, key: k.to_string() });
            let tpl = plan_page(&st, me, page, ConsultationId(id), sent.clone(), Some(sent)).await?;
            Ok((StatusCode::BAD_REQUEST, render(&tpl)?).into_response())
        }
        other => Ok(form_done(&session, other, "consultation.planned", &format!("/consultations/{id}"))
            .await?
            .into_response()),
    }
}

async fn attendance(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    RawForm(raw): RawForm,
) -> AppResult<Redirect> {
    let result = async {
        let present: Vec<MemberId> =
            ids(&pairs(&raw)?, "present", "consultation.bad_member")?.into_iter().map(MemberId).collect();
        st.db.write(move |c| store::set_present(c, &me, ConsultationId(id), &present)).await
    }
    .await;
    form_done(&session, result, "activity.attendance_saved", &format!("/consultations/{id}#attendance")).await
}

#[derive(Deserialize)]
struct SpeakerForm {
    name: Option<String>,
    points: Option<String>,
}

async fn speaker(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<SpeakerForm>,
) -> AppResult<Redirect> {
    let (name, points) = (f.name.unwrap_or_default(), f.points.unwrap_or_default());
    let result = st.db.write(move |c| store::add_speaker(c, &me, ConsultationId(id), &name, &points)).await;
    form_done(&session, result, "consultation.speaker_added", &format!("/consultations/{id}#speakers")).await
}

#[derive(Deserialize)]
struct RecordForm {
    date: Option<String>,
    time: Option<String>,
    record: Option<String>,
    residents_count: Option<String>,
}

async fn record(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<RecordForm>,
) -> AppResult<Redirect> {
    let result = async {
        let held_at = meeting::held_at(&f.date, &f.time)?;
        let residents_count = form::count(&f.residents_count, "activity.bad_count")?;
        let r = Record { held_at, record: f.record.unwrap_or_default(), residents_count };
        st.db.write(move |c| store::record(c, &me, ConsultationId(id), &r)).await
    }
    .await;
    form_done(&session, result, "consultation.recorded", &format!("/consultations/{id}#record")).await
}

#[derive(Deserialize)]
struct ItemForm {
    body: Option<String>,
    owner: Option<String>,
    deadline: Option<String>,
}

async fn add_item(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ItemForm>,
) -> AppResult<Redirect> {
    let result = async {
        let owner = f.owner.as_deref().and_then(Owner::parse).ok_or(AppError::BadRequest("consultation.bad_owner"))?;
        let deadline = form::date(&f.deadline)?.ok_or(AppError::BadRequest("consultation.bad_deadline"))?;
        let body = f.body.unwrap_or_default();
        st.db.write(move |c| items::add(c, &me, ConsultationId(id), &body, owner, deadline).map(|_| ())).await
    }
    .await;
    form_done(&session, result, "consultation.item_added", &format!("/consultations/{id}#items")).await
}

#[derive(Deserialize)]
struct CloseForm {
    results: Option<String>,
}

async fn close(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> AppResult<Redirect> {
    let results = f.results.unwrap_or_default();
    let result = st.db.write(move |c| store::close(c, &me, ConsultationId(id), &results)).await;
    form_done(&session, result, "consultation.closed_done", &format!("/consultations/{id}")).await
}

#[derive(Template)]
#[template(path = "consultations/overview.html")]
struct OverviewTemplate {
    page: Page,
    rows: Vec<OverviewRow>,
}

async fn overview(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    let rows = st.db.read(move |c| items::overview(c, &me)).await?;
    render(&OverviewTemplate { page, rows }).map(IntoResponse::into_response)
}

async fn report_docx(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let printed = crate::kernel::time::today();
    let report = st.db.read(move |c| crate::consultations::report::gather(c, &me, ConsultationId(id), printed)).await?;
    let name = crate::consultations::report::file_name(&report);
    let bytes = tokio::task::spawn_blocking(move || crate::consultations::report::render(&report))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing a consultation report failed: {e}")))??;
    Ok(crate::kernel::files::attachment(bytes, crate::kernel::files::Kind::Docx, &name))
}
