//! Office staff and the district: the list, planning, one activity with its
//! record, attendance, photos and the opinions heard there.

use askama::Template;

use crate::funds::model::ExpenseFor;
use crate::funds::store::expenses::{self, Costs};
use crate::funds::store::letters::{self, Letters};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::activities::model::{Kind, Quarter, Status};
use crate::activities::store::Activities;
use crate::activities::store::activities::{self as store, Activity, Filter, Plan, Record, Row};
use crate::activities::store::heard::{self, Heard};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, CategoryId, LocalityId, MemberId, OfficeId, OpinionId};
use crate::kernel::state::AppState;
use crate::kernel::web::action::{Button, action};
use crate::kernel::web::page::{Flash, form_done};
use crate::kernel::web::{Page, form, paging, render};
use crate::meetings::model::{Pick, PickGroup};
use crate::meetings::routes::{self as meetings, Block, Held, planned_at};
use crate::meetings::store::attendees;
use crate::opinions::store::catalog::{self, Category};
use crate::org::model::Phone;
use crate::org::store::{self as org, Office, liaisons, localities::Locality};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list).post(create))
        .route("/activities/new", get(new_form))
        .route("/activities/{id}", meetings::page::<Activities, _>(detail))
        .route(
            "/activities/{id}/record",
            action("activity.recorded", back, |c, me, id, f: RecordForm| {
                store::record(c, me, ActivityId(id), &f.record()?)
            }),
        )
        .route(
            "/activities/{id}/cancel",
            action("activity.cancelled_done", back, |c, me, id, _: Button| store::cancel(c, me, ActivityId(id))),
        )
        .route("/activities/{id}/opinions", post(add_opinion))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    office: Option<String>,
    quarter: Option<String>,
    year: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "activities/list.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    offices: Vec<Office>,
    kinds: &'static [Kind],
    statuses: &'static [Status],
    office: Option<OfficeId>,
    quarter: String,
    year: String,
    kind: String,
    status: String,
    from: String,
    to: String,
    can_plan: bool,
}

async fn list(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let office = form::id(&q.office)?.map(OfficeId);
    let quarter = form::text(&q.quarter);
    let filter = Filter {
        office,
        quarter: match &quarter {
            Some(s) => Some(Quarter::parse(s).ok_or(AppError::BadRequest("activity.bad_quarter"))?),
            None => None,
        },
        year: paging::year(q.year.as_deref()),
        kind: q.kind.as_deref().and_then(Kind::parse),
        status: q.status.as_deref().and_then(Status::parse),
        from: form::date(&q.from)?,
        to: form::date(&q.to)?,
    };
    let can_plan = matches!(me.role, crate::kernel::auth::Role::DistrictAdmin | crate::kernel::auth::Role::OfficeStaff);
    let (rows, offices) = st.db.read(move |c| Ok((store::list(c, &me, &filter)?, org::list_offices(c, &me)?))).await?;
    render(&ListTemplate {
        page,
        rows,
        offices,
        kinds: Kind::ALL,
        statuses: Status::ALL,
        office,
        quarter: quarter.unwrap_or_default(),
        year: q.year.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        can_plan,
    })
    .map(IntoResponse::into_response)
}

#[derive(Deserialize, Default)]
struct NewQuery {
    office: Option<String>,
    locality: Option<String>,
    kind: Option<String>,
}

#[derive(Template)]
#[template(path = "activities/new.html")]
struct NewTemplate {
    page: Page,
    offices: Vec<Office>,
    office: Option<OfficeId>,
    localities: Vec<Locality>,
    locality: Option<LocalityId>,
    /// Whom to invite: the point's members first, ticked.
    picker: Vec<PickGroup>,
    kinds: &'static [Kind],
    kind: Kind,
    typed: Typed,
}

/// What the planner typed, shown again when a plan is refused.
struct Typed {
    /// None: the kind's default title.
    title: Option<String>,
    venue: String,
    date: String,
    time: String,
    topic: String,
}

impl Default for Typed {
    fn default() -> Self {
        Typed { title: None, venue: String::new(), date: String::new(), time: "09:00".into(), topic: String::new() }
    }
}

impl NewTemplate {
    fn point_name(&self) -> Option<&str> {
        self.localities.iter().find(|l| Some(l.id) == self.locality).map(|l| l.name.as_str())
    }
}

async fn new_form(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let office = me.office_id.or(form::id(&q.office)?.map(OfficeId));
    if office.is_some_and(|o| !store::can_manage(&me, o)) || !crate::opinions::model::is_dispatcher(&me) {
        return Err(AppError::Forbidden);
    }
    let locality = form::id(&q.locality)?.map(LocalityId);
    let kind = q.kind.as_deref().and_then(Kind::parse).unwrap_or(Kind::Liaison);
    let tpl = plan_page(&st, me, page, office, locality, kind, Typed::default(), None).await?;
    render(&tpl).map(IntoResponse::into_response)
}

/// The plan form; `ticked` None ticks the members linked to the point.
#[allow(clippy::too_many_arguments)]
async fn plan_page(
    st: &AppState,
    me: Actor,
    page: Page,
    office: Option<OfficeId>,
    locality: Option<LocalityId>,
    kind: Kind,
    typed: Typed,
    ticked: Option<Vec<MemberId>>,
) -> AppResult<NewTemplate> {
    st.db
        .read(move |c| {
            let offices = org::list_offices(c, &me)?;
            let localities = match office {
                Some(o) => org::localities::list(c, &me, Some(o))?,
                None => vec![],
            };
            // A point from the address that is not the office's is not chosen
            // (the page would show none and send it anyway).
            let locality = locality.filter(|l| localities.iter().any(|x| x.id == *l));
            let linked: Vec<MemberId> = match locality {
                Some(l) => liaisons::points(c, &me, office)?
                    .into_iter()
                    .filter(|p| p.locality.id == l)
                    .flat_map(|p| p.members.into_iter().map(|m| m.member_id))
                    .collect(),
                None => vec![],
            };
            let ticked = ticked.unwrap_or_else(|| linked.clone());
            let pick = Pick { office, first: &linked, first_key: "picker.point", ticked: &ticked };
            let picker = attendees::candidates(c, &me, pick)?;
            Ok(NewTemplate { page, offices, office, localities, locality, picker, kinds: Kind::ALL, kind, typed })
        })
        .await
}

/// The plan form as sent; `member` repeats, so it is read from the raw pairs.
fn plan_from(pairs: &[(String, String)], me: &Actor) -> AppResult<Plan> {
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    let office = me
        .office_id
        .filter(|_| me.role == crate::kernel::auth::Role::OfficeStaff)
        .or(form::id(&get("office"))?.map(OfficeId))
        .ok_or(AppError::BadRequest("activity.bad_office"))?;
    let planned_at = planned_at(&get("date"), &get("time"))?;
    let members = pairs
        .iter()
        .filter(|(k, _)| k == "member")
        .map(|(_, v)| v.parse().map(MemberId).map_err(|_| AppError::BadRequest("activity.bad_member")))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Plan {
        office_id: office,
        kind: get("kind").as_deref().and_then(Kind::parse).ok_or(AppError::BadRequest("form.bad_choice"))?,
        title: get("title").unwrap_or_default(),
        locality_id: form::id(&get("locality"))?.map(LocalityId),
        venue: get("venue").unwrap_or_default(),
        planned_at,
        topic: get("topic").unwrap_or_default(),
        members,
    })
}

async fn create(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    mut page: Page,
    axum::extract::RawForm(raw): axum::extract::RawForm,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&raw).map_err(|_| AppError::BadRequest("form.bad_choice"))?;
    let actor = me.clone();
    let result = async {
        let plan = plan_from(&pairs, &actor)?;
        st.db.write(move |c| store::plan(c, &actor, &plan)).await
    }
    .await;
    match result {
        Ok(id) => {
            crate::kernel::web::page::flash(&session, true, "activity.planned").await;
            Ok(Redirect::to(&format!("/activities/{id}")).into_response())
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            // The form again, as it was typed, with the reason on top.
            let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
            let office = me.office_id.or(form::id(&Some(get("office"))).ok().flatten().map(OfficeId));
            let locality = form::id(&Some(get("locality"))).ok().flatten().map(LocalityId);
            let kind = Kind::parse(&get("kind")).unwrap_or(Kind::Liaison);
            let ticked = pairs.iter().filter(|(k, _)| k == "member").filter_map(|(_, v)| v.parse().ok()).map(MemberId);
            let typed = Typed {
                title: Some(get("title")),
                venue: get("venue"),
                date: get("date"),
                time: get("time"),
                topic: get("topic"),
            };
            page.flash = Some(Flash { ok: false, key: k.to_string() });
            let tpl = plan_page(&st, me, page, office, locality, kind, typed, Some(ticked.collect())).await?;
            Ok((StatusCode::BAD_REQUEST, render(&tpl)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "activities/detail.html")]
struct DetailTemplate {
    page: Page,
    a: Activity,
    office: String,
    locality: Option<String>,
    home: Option<String>,
    /// Invitations, attendance, speakers, files and the sign-in code.
    m: Block,
    heard: Vec<(OpinionId, String, crate::opinions::model::Status, String)>,
    manage: bool,
    categories: Vec<Category>,
    costs: Costs,
    letters: Letters,
}

impl DetailTemplate {
    fn planned(&self) -> bool {
        self.a.status == Status::Planned
    }
    fn cancelled(&self) -> bool {
        self.a.status == Status::Cancelled
    }
    fn research(&self) -> bool {
        self.a.kind == Kind::Research
    }
    fn record_at(&self) -> Option<chrono::NaiveDateTime> {
        crate::meetings::model::record_prefill(self.a.held_at, Some(self.a.planned_at), crate::kernel::time::now())
    }
    fn date_value(&self) -> String {
        self.record_at().map(|t| crate::kernel::calendar::model::shanghai_date(t).to_string()).unwrap_or_default()
    }
    fn time_value(&self) -> String {
        self.record_at().map(|t| crate::kernel::time::local(&t).split_off(11)).unwrap_or_default()
    }
    fn hours_value(&self) -> String {
        crate::meetings::model::hours_text(self.a.duration_minutes)
    }
}

fn detail(c: &mut DbConn, me: &Actor, id: i64, page: Page, m: Block) -> AppResult<DetailTemplate> {
    let a = store::get(c, me, ActivityId(id))?.ok_or(AppError::NotFound)?;
    let manage = store::can_manage(me, a.office_id);
    let (office, locality, home) = store::place_names(c, &a)?;
    Ok(DetailTemplate {
        heard: heard::list(c, &a)?,
        categories: if manage { catalog::categories(c, me)? } else { vec![] },
        costs: expenses::costs(c, me, ExpenseFor::Activity, a.id.0, a.office_id)?,
        letters: letters::of_meeting::<crate::activities::store::Activities>(c, me, id)?,
        page,
        m,
        office,
        locality,
        home,
        manage,
        a,
    })
}

#[derive(Deserialize)]
struct RecordForm {
    #[serde(flatten)]
    held: Held,
    minutes: Option<String>,
    outcomes: Option<String>,
    topic: Option<String>,
    findings: Option<String>,
    other_participants: Option<String>,
    public: Option<String>,
}

impl RecordForm {
    fn record(self) -> AppResult<Record> {
        let (held_at, residents_count, duration_minutes) = self.held.read()?;
        Ok(Record {
            held_at,
            duration_minutes,
            residents_count,
            minutes: self.minutes.unwrap_or_default(),
            outcomes: self.outcomes.unwrap_or_default(),
            topic: self.topic.unwrap_or_default(),
            findings: self.findings.unwrap_or_default(),
            other_participants: self.other_participants.unwrap_or_default(),
            public: self.public.as_deref() == Some("1"),
        })
    }
}

fn back(id: i64) -> String {
    format!("/activities/{id}")
}

#[derive(Deserialize)]
struct HeardForm {
    heard_by: Option<String>,
    category: Option<String>,
    body: String,
    name: Option<String>,
    phone: Option<String>,
}

async fn add_opinion(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<HeardForm>,
) -> AppResult<Redirect> {
    let vault = st.personal.clone();
    let result = async {
        let heard_by = form::id(&f.heard_by)?.map(MemberId).ok_or(AppError::BadRequest("opinion.heard_by_required"))?;
        let phone = match form::text(&f.phone) {
            None => None,
            Some(p) => Some(Phone::parse(&p).ok_or(AppError::BadRequest("form.bad_phone"))?),
        };
        let h = Heard {
            heard_by,
            category_id: form::id(&f.category)?.map(CategoryId),
            body: f.body.clone(),
            name_enc: form::text(&f.name).map(|n| vault.encrypt(&n)),
            phone_enc: phone.as_ref().map(|p| vault.encrypt(p.as_str())),
            phone_index: phone.as_ref().map(|p| vault.blind_index(p.as_str())),
        };
        st.db.write(move |c| heard::add(c, &me, ActivityId(id), h).map(|_| ())).await
    }
    .await;
    form_done(&session, result, "activity.opinion_added", &format!("/activities/{id}#heard")).await
}
