//! Office staff and the district: topics, approval, planning with the
//! suggested invitees, the session (attendance, speakers, record, photos), the
//! agreed items, closing, and the district's overview.

use askama::Template;

use crate::funds::model::ExpenseFor;
use crate::funds::store::expenses::{self, Costs};
use crate::funds::store::letters::{self, Letters};
use axum::extract::{Path, Query, RawForm, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::consultations::model::{Format, Planned, Status, Tally};
use crate::consultations::store::Consultations;
use crate::consultations::store::consultations::{self as store, Consultation, Plan, Record, Row, Topic};
use crate::consultations::store::departments::{self, Invited};
use crate::consultations::store::items::{self, ItemRow, OverviewRow, Owner};
use crate::kernel::auth::{Actor, CurrentUser, Role};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::Stored;
use crate::kernel::ids::{ConsultationId, DepartmentId, FileId, LocalityId, MemberId, OfficeId, OpinionId, SectorId};
use crate::kernel::state::AppState;
use crate::kernel::web::action::action;
use crate::kernel::web::page::{Flash, flash, form_done};
use crate::kernel::web::{Page, form, render};
use crate::meetings::model::{Pick, PickGroup};
use crate::meetings::routes::{self as meetings, Block, Held, planned_at, upload_route};
use crate::meetings::store::attendees;
use crate::org::store::{self as org, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consultations", get(list).post(propose))
        .route("/consultations/overview", get(overview))
        .route("/consultations/{id}", meetings::page::<Consultations, _>(detail))
        .route(
            "/consultations/{id}/decide",
            action("consultation.decided", back, |c, me, id, f: DecideForm| {
                let approve = f.decision == "approve";
                store::decide(c, me, ConsultationId(id), approve, &f.reason.unwrap_or_default())
            }),
        )
        .route("/consultations/{id}/plan", get(plan_form).post(plan))
        .route(
            "/consultations/{id}/record",
            action(
                "consultation.recorded",
                |id| format!("/consultations/{id}#record"),
                |c, me, id, f: RecordForm| store::record(c, me, ConsultationId(id), &f.record()?),
            ),
        )
        .route("/consultations/{id}/materials", upload_route::<Consultations>("materials", attach_material))
        .route(
            "/consultations/{id}/items",
            action(
                "consultation.item_added",
                |id| format!("/consultations/{id}#items"),
                |c, me, id, f: ItemForm| f.add(c, me, ConsultationId(id)),
            ),
        )
        .route(
            "/consultations/{id}/close",
            action("consultation.closed_done", back, |c, me, id, f: CloseForm| {
                store::close(c, me, ConsultationId(id), &f.results.unwrap_or_default())
            }),
        )
        .route("/consultations/{id}/report.docx", get(report_docx))
}

/// Materials sent to the invitees before the session (documents or pictures).
fn attach_material(c: &mut DbConn, me: &Actor, id: i64, file: FileId, _: &Stored) -> AppResult<()> {
    store::attach_material(c, me, ConsultationId(id), file)
}

#[derive(Deserialize, Default)]
struct ListQuery {
    status: Option<String>,
    held_from: Option<String>,
    held_to: Option<String>,
}

#[derive(Template)]
#[template(path = "consultations/list.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    offices: Vec<Office>,
    statuses: &'static [Status],
    status: String,
    held_from: String,
    held_to: String,
    can_propose: bool,
    district: bool,
}

async fn list(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = store::Filter {
        status: q.status.as_deref().and_then(Status::parse),
        held_from: form::date(&q.held_from)?,
        held_to: form::date(&q.held_to)?,
    };
    let can_propose = matches!(me.role, Role::DistrictAdmin | Role::OfficeStaff | Role::Member);
    let district = me.role == Role::DistrictAdmin;
    let (rows, offices) = st.db.read(move |c| Ok((store::list(c, &me, &filter)?, org::list_offices(c, &me)?))).await?;
    render(&ListTemplate {
        page,
        rows,
        offices,
        statuses: Status::ALL,
        status: q.status.unwrap_or_default(),
        held_from: q.held_from.unwrap_or_default(),
        held_to: q.held_to.unwrap_or_default(),
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
    /// Invitations, attendance, speakers, files and the sign-in code.
    m: Block,
    departments: Vec<Invited>,
    cases: Vec<(OpinionId, String, crate::opinions::model::Status)>,
    items: Vec<ItemRow>,
    tally: Tally,
    owners: Vec<(String, String)>,
    code: String,
    costs: Costs,
    letters: Letters,
}

impl DetailTemplate {
    fn is(&self, s: Status) -> bool {
        self.c.status == s
    }
    fn session_open(&self) -> bool {
        crate::consultations::model::meeting_stage(self.c.status).1
    }
    /// Materials go out between approval and the session.
    fn before_session(&self) -> bool {
        self.is(Status::Approved) || self.is(Status::Planned)
    }
    /// The record form's date and time: when it was held, or was planned.
    fn record_at(&self) -> Option<chrono::NaiveDateTime> {
        crate::meetings::model::record_prefill(self.c.held_at, self.c.planned_at, crate::kernel::time::now())
    }
    fn date_value(&self) -> String {
        self.record_at().map(|t| crate::kernel::calendar::model::shanghai_date(t).to_string()).unwrap_or_default()
    }
    fn time_value(&self) -> String {
        self.record_at().map(|t| crate::kernel::time::local(&t).split_off(11)).unwrap_or_default()
    }
    fn hours_value(&self) -> String {
        crate::meetings::model::hours_text(self.c.duration_minutes)
    }
}

fn detail(conn: &mut DbConn, me: &Actor, id: i64, page: Page, m: Block) -> AppResult<DetailTemplate> {
    let id = ConsultationId(id);
    let c = store::get(conn, me, id)?.ok_or(AppError::NotFound)?;
    let manage = store::can_manage(me, c.office_id);
    Ok(DetailTemplate {
        office: store::office_name(conn, &c)?,
        sectors: store::sectors_of(conn, &c)?,
        localities: store::localities_of(conn, &c)?,
        departments: departments::invited(conn, me, id)?,
        cases: store::cases_of(conn, &c)?,
        items: items::of_consultation(conn, me, id)?,
        tally: items::tally_of(conn, &c)?,
        owners: if manage { items::owner_choices(conn, me)? } else { vec![] },
        code: org::committee(conn, me)?.code,
        costs: expenses::costs(conn, me, ExpenseFor::Consultation, id.0, c.office_id)?,
        letters: letters::of_meeting::<crate::consultations::store::Consultations>(conn, me, id.0)?,
        item_links: manage || me.role == Role::Leader,
        page,
        manage,
        m,
        c,
    })
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    reason: Option<String>,
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
    /// Whom to invite: those the chosen sectors and localities suggest
    /// first, ticked (or as the refused form had them).
    picker: Vec<PickGroup>,
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
    let p = form::pairs(q.unwrap_or_default().as_bytes())?;
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
    let chosen_sectors: Vec<SectorId> = form::ids(&p, "sector")?.into_iter().map(SectorId).collect();
    let chosen_localities: Vec<LocalityId> = form::ids(&p, "locality")?.into_iter().map(LocalityId).collect();
    st.db
        .read(move |conn| {
            let mut c = store::get(conn, &me, id)?.ok_or(AppError::NotFound)?;
            if !store::can_manage(&me, c.office_id) {
                return Err(AppError::Forbidden);
            }
            let localities = store::locality_choices(conn, &me)?;
            let (chosen_sectors, chosen_localities) = if chosen_sectors.is_empty() && chosen_localities.is_empty() {
                (
                    store::sectors_of(conn, &c)?.into_iter().map(|(i, _)| i).collect(),
                    store::localities_of(conn, &c)?.into_iter().map(|(i, _)| i).collect(),
                )
            } else {
                (chosen_sectors, chosen_localities)
            };
            let mut date = c.planned_at.map(|t| crate::kernel::calendar::model::shanghai_date(t).to_string());
            let mut time = c.planned_at.map(|t| crate::kernel::time::local(&t).split_off(11));
            let suggested = store::suggest(conn, &me, &chosen_sectors, &chosen_localities)?;
            let (ticked, chosen_departments) = match typed {
                Some(t) => {
                    let get = |k: &str| t.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
                    c.format = Planned(Format::parse(&get("format")));
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
                None => (suggested.clone(), vec![]),
            };
            let pick =
                Pick { office: Some(c.office_id), first: &suggested, first_key: "picker.suggested", ticked: &ticked };
            let picker = attendees::candidates(conn, &me, pick)?;
            Ok(PlanTemplate {
                sectors: crate::org::store::sectors::list(conn, &me)?.into_iter().filter(|s| s.active).collect(),
                picker,
                departments: crate::org::store::departments::list(conn, &me)?
                    .into_iter()
                    .filter(|d| d.active)
                    .collect(),
                page,
                c,
                localities,
                chosen_sectors,
                chosen_localities,
                chosen_departments,
                formats: Format::ALL,
                date: date.unwrap_or_default(),
                time: time.unwrap_or_else(|| "09:00".into()),
            })
        })
        .await
}

fn plan_from(p: &[(String, String)]) -> AppResult<Plan> {
    let get = |k: &str| form::first(p, k);
    let planned_at = planned_at(&get("date"), &get("time"))?;
    Ok(Plan {
        format: get("format").as_deref().and_then(Format::parse).ok_or(AppError::BadRequest("form.bad_choice"))?,
        planned_at,
        place: get("place").unwrap_or_default(),
        host: get("host").unwrap_or_default(),
        sectors: form::ids(p, "sector")?.into_iter().map(SectorId).collect(),
        localities: form::ids(p, "locality")?.into_iter().map(LocalityId).collect(),
        members: form::ids(p, "member")?.into_iter().map(MemberId).collect(),
        departments: form::ids(p, "department")?.into_iter().map(DepartmentId).collect(),
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
    let sent = form::pairs(&raw)?;
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

#[derive(Deserialize)]
struct RecordForm {
    #[serde(flatten)]
    held: Held,
    record: Option<String>,
}

impl RecordForm {
    fn record(self) -> AppResult<Record> {
        let (held_at, residents_count, duration_minutes) = self.held.read()?;
        Ok(Record { held_at, residents_count, duration_minutes, record: self.record.unwrap_or_default() })
    }
}

#[derive(Deserialize)]
struct ItemForm {
    body: Option<String>,
    owner: Option<String>,
    deadline: Option<String>,
}

impl ItemForm {
    fn add(self, c: &mut DbConn, me: &Actor, id: ConsultationId) -> AppResult<()> {
        let owner =
            self.owner.as_deref().and_then(Owner::parse).ok_or(AppError::BadRequest("consultation.bad_owner"))?;
        let deadline = form::date(&self.deadline)?.ok_or(AppError::BadRequest("consultation.bad_deadline"))?;
        items::add(c, me, id, &self.body.unwrap_or_default(), owner, deadline).map(|_| ())
    }
}

#[derive(Deserialize)]
struct CloseForm {
    results: Option<String>,
}

fn back(id: i64) -> String {
    format!("/consultations/{id}")
}

#[derive(Template)]
#[template(path = "consultations/overview.html")]
struct OverviewTemplate {
    page: Page,
    rows: Vec<OverviewRow>,
}

async fn overview(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    let today = crate::kernel::time::today();
    let rows = st.db.read(move |c| items::overview(c, &me, today)).await?;
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
