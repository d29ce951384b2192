//! Proposals' pages: the list (each role's own), the draft form (from a
//! case or a consultation too), one proposal with the forms its reader may
//! use, the units' figures, the session's catalogue, and the public answers.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_sessions::Session;

use super::model::{Action, Kind, SourceKind, Status};
use super::store::moves::{self, Step};
use super::store::proposals::{self as store, Draft, Filter, Row, Shown};
use super::store::sessions::{self, Session as ProposalSession};
use super::store::{public, stats};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{DepartmentId, MemberId, ProposalId, ProposalSessionId, UserId};
use crate::kernel::state::AppState;
use crate::kernel::time::{now, today};
use crate::kernel::web::action::{action, action_form};
use crate::kernel::web::page::{flash, form_done};
use crate::kernel::web::{Page, form, render};
use crate::opinions::stats::{Row as FigureRow, percent};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/proposals", get(list).post(create))
        .route("/proposals/new", get(new_form))
        .route("/proposals/stats", get(figures))
        .route("/proposals/catalogue", get(catalogue))
        .route(
            "/proposals/sessions",
            action_form(
                "proposal.session_added",
                |_| "/proposals".into(),
                |c, me, f: SessionForm| {
                    sessions::add(c, me, f.name.as_deref().unwrap_or_default(), &f.opens_on, &f.closes_on)
                },
            ),
        )
        .route("/proposals/{id}", get(show))
        .route("/proposals/{id}/edit", axum::routing::post(edit))
        .route("/proposals/{id}/step", axum::routing::post(step))
        .route("/proposals/{id}/answer", axum::routing::post(answer))
        .route(
            "/proposals/{id}/cosign",
            action("proposal.cosigned", back, |c, me, id, _: Empty| store::cosign(c, me, ProposalId(id), true)),
        )
        .route(
            "/proposals/{id}/decline-cosign",
            action(
                "proposal.cosign_declined",
                |_| "/proposals".into(),
                |c, me, id, _: Empty| store::cosign(c, me, ProposalId(id), false),
            ),
        )
        .route(
            "/proposals/{id}/co-opinion",
            action("proposal.co_opinion_saved", back, |c, me, id, f: TextForm| {
                moves::co_opinion(c, me, ProposalId(id), f.text.as_deref().unwrap_or_default())
            }),
        )
        .route(
            "/proposals/{id}/key",
            action("proposal.saved", back, |c, me, id, f: KeyForm| {
                let leader = form::id(&f.leader)?.map(UserId);
                moves::set_key(c, me, ProposalId(id), f.key.is_some(), leader)
            }),
        )
        .route(
            "/proposals/{id}/public",
            action("proposal.saved", back, |c, me, id, f: PublicForm| {
                moves::set_public(c, me, ProposalId(id), f.public.is_some())
            }),
        )
        .route("/proposals/{id}/files/{file}", crate::kernel::files::routes::download(store::holds_file))
        .route("/box/{code}/proposals", get(public_list))
        .route("/box/{code}/proposals/{id}", get(public_one))
}

fn back(id: i64) -> String {
    format!("/proposals/{id}")
}

#[derive(Deserialize)]
struct SessionForm {
    name: Option<String>,
    opens_on: Option<String>,
    closes_on: Option<String>,
}

#[derive(Deserialize)]
struct Empty {}

#[derive(Deserialize)]
struct TextForm {
    text: Option<String>,
}

#[derive(Deserialize)]
struct KeyForm {
    key: Option<String>,
    leader: Option<String>,
}

#[derive(Deserialize)]
struct PublicForm {
    public: Option<String>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    session: Option<String>,
    status: Option<String>,
    key: Option<String>,
}

#[derive(Template)]
#[template(path = "proposals/list.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    sessions: Vec<ProposalSession>,
    session: Option<ProposalSessionId>,
    status: Option<Status>,
    key_only: bool,
    statuses: &'static [Status],
    staff: bool,
    /// A member may start a draft.
    drafts: bool,
    all: bool,
}

impl ListTemplate {
    fn picked_session(&self, id: &ProposalSessionId) -> bool {
        self.session == Some(*id)
    }
    fn picked_status(&self, s: &Status) -> bool {
        self.status == Some(*s)
    }
}

async fn list(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let session = form::id(&q.session)?.map(ProposalSessionId);
    let status = form::text(&q.status).and_then(|s| Status::parse(&s));
    let key_only = q.key.is_some();
    let staff = super::model::is_staff(&me);
    let drafts = me.role == crate::kernel::auth::Role::Member;
    let all = super::model::sight(&me) == super::model::Sight::All;
    let f = Filter { session, status, key_only };
    let (rows, sessions) = st.db.read(move |c| Ok((store::list(c, &me, &f)?, sessions::list(c, &me)?))).await?;
    render(&ListTemplate { page, rows, sessions, session, status, key_only, statuses: Status::ALL, staff, drafts, all })
}

/// The draft form's values: blank, from a source, as saved, or as sent and refused.
#[derive(Debug, Clone, Default)]
struct DraftForm {
    kind: String,
    title: String,
    grounds: String,
    suggestions: String,
    signers: Vec<i64>,
    source_kind: String,
    source_ref: String,
}

impl DraftForm {
    fn sent(raw: &[u8]) -> AppResult<DraftForm> {
        let pairs = form::pairs(raw)?;
        let text = |k: &str| form::first(&pairs, k).unwrap_or_default();
        Ok(DraftForm {
            kind: text("kind"),
            title: text("title"),
            grounds: text("grounds"),
            suggestions: text("suggestions"),
            signers: form::ids(&pairs, "signers")?,
            source_kind: text("source_kind"),
            source_ref: text("source_ref"),
        })
    }

    fn draft(&self) -> Draft {
        Draft {
            kind: Kind::parse(self.kind.trim()),
            title: self.title.clone(),
            grounds: self.grounds.clone(),
            suggestions: self.suggestions.clone(),
            signers: self.signers.iter().map(|i| MemberId(*i)).collect(),
            source_kind: SourceKind::parse(self.source_kind.trim()),
            source_ref: self.source_ref.clone(),
        }
    }

    fn chosen(&self, id: &MemberId) -> bool {
        self.signers.contains(&id.0)
    }
}

#[derive(Template)]
#[template(path = "proposals/form.html")]
struct FormTemplate {
    page: Page,
    /// The draft being edited; `None` for a new one.
    id: Option<ProposalId>,
    f: DraftForm,
    members: Vec<(MemberId, String)>,
    kinds: &'static [Kind],
    sources: &'static [SourceKind],
}

#[derive(Deserialize, Default)]
struct NewQuery {
    case: Option<String>,
    consultation: Option<String>,
}

/// A new draft; `?case=CODE` or `?consultation=ID` starts it from that
/// record (the case's words as the grounds, the topic as the matter).
async fn new_form(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    if me.role != crate::kernel::auth::Role::Member {
        return Err(AppError::NotFound);
    }
    let (members, f) = st
        .db
        .read(move |c| {
            let mut f = DraftForm { kind: Kind::Member.as_str().into(), ..DraftForm::default() };
            if let Some(code) = form::text(&q.case) {
                if let Some(o) = crate::opinions::store::cases::get_by_code(c, &me, code.trim())? {
                    f.source_kind = SourceKind::Case.as_str().into();
                    f.source_ref = o.code.clone();
                    f.grounds = o.body.clone();
                }
            } else if let Some(id) = form::id(&q.consultation)? {
                let id = crate::kernel::ids::ConsultationId(id);
                if let Some(t) = crate::consultations::store::consultations::get(c, &me, id)? {
                    f.source_kind = SourceKind::Consultation.as_str().into();
                    f.source_ref = t.title.clone();
                    f.title = t.title;
                    f.grounds = t.background;
                }
            }
            Ok((store::signer_choices(c, &me)?, f))
        })
        .await?;
    form_page(page, None, f, members, axum::http::StatusCode::OK)
}

fn form_page(
    page: Page,
    id: Option<ProposalId>,
    f: DraftForm,
    members: Vec<(MemberId, String)>,
    status: axum::http::StatusCode,
) -> AppResult<Response> {
    let tpl = FormTemplate { page, id, f, members, kinds: Kind::ALL, sources: SourceKind::ALL };
    Ok((status, render(&tpl)?).into_response())
}

/// A refused draft comes back as it was typed, with the reason.
async fn refused(
    st: &AppState,
    me: Actor,
    mut page: Page,
    id: Option<ProposalId>,
    f: DraftForm,
    key: &str,
) -> AppResult<Response> {
    page.flash = Some(crate::kernel::web::page::Flash { ok: false, key: key.to_string() });
    let members = st.db.read(move |c| store::signer_choices(c, &me)).await?;
    form_page(page, id, f, members, axum::http::StatusCode::BAD_REQUEST)
}

async fn create(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    RawForm(raw): RawForm,
) -> AppResult<Response> {
    let f = DraftForm::sent(&raw)?;
    let d = f.draft();
    let who = me.clone();
    match st.db.write(move |c| store::create(c, &who, &d)).await {
        Ok(id) => {
            flash(&session, true, "proposal.draft_saved").await;
            Ok(Redirect::to(&back(id.0)).into_response())
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => refused(&st, me, page, None, f, k).await,
        Err(e) => Err(e),
    }
}

async fn edit(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    RawForm(raw): RawForm,
) -> AppResult<Response> {
    let f = DraftForm::sent(&raw)?;
    let d = f.draft();
    let who = me.clone();
    let pid = ProposalId(id);
    match st.db.write(move |c| store::update(c, &who, pid, &d)).await {
        Ok(()) => {
            flash(&session, true, "proposal.draft_saved").await;
            Ok(Redirect::to(&back(id)).into_response())
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => refused(&st, me, page, Some(pid), f, k).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "proposals/show.html")]
struct ShowTemplate {
    page: Page,
    s: Shown,
    f: DraftForm,
    members: Vec<(MemberId, String)>,
    kinds: &'static [Kind],
    sources: &'static [SourceKind],
    ratings: &'static [crate::opinions::model::Rating],
    default_deadline: chrono::NaiveDate,
}

impl ShowTemplate {
    fn is(&self, p: super::model::Party) -> bool {
        self.s.party == Some(p)
    }
    fn status(&self, s: &str) -> bool {
        self.s.p.status.as_str() == s
    }
    fn may_return(&self) -> bool {
        !self.s.p.returned && self.s.p.status.deadline_runs()
    }
    fn is_leader(&self, id: &UserId) -> bool {
        self.s.p.key_leader_id == Some(*id)
    }
}

async fn show(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let (s, members) = st
        .db
        .read(move |c| {
            let s = store::shown(c, &me, ProposalId(id))?;
            let members = if s.party == Some(super::model::Party::Proposer) && s.p.status.editable() {
                store::signer_choices(c, &me)?
            } else {
                vec![]
            };
            Ok((s, members))
        })
        .await?;
    let p = &s.p;
    let f = DraftForm {
        kind: p.kind.as_str().into(),
        title: p.title.clone(),
        grounds: p.grounds.clone(),
        suggestions: p.suggestions.clone(),
        signers: s.proposers.iter().skip(1).map(|m| m.0.0).collect(),
        source_kind: p.source_kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        source_ref: p.source_ref.clone().unwrap_or_default(),
    };
    render(&ShowTemplate {
        page,
        s,
        f,
        members,
        kinds: Kind::ALL,
        sources: SourceKind::ALL,
        ratings: crate::opinions::model::Rating::GIVEN,
        default_deadline: today() + chrono::Duration::days(super::model::DEFAULT_DAYS),
    })
}

/// A step by its code, from the buttons and forms of the proposal's page.
async fn step(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    RawForm(raw): RawForm,
) -> AppResult<Redirect> {
    let mut returned = false;
    let result = async {
        // Not the actor's to see: "not found", whatever the form says.
        let who = me.clone();
        st.db.read(move |c| store::get(c, &who, ProposalId(id)).map(|_| ())).await?;
        let pairs = form::pairs(&raw)?;
        let s = step_of(&pairs)?;
        returned = s.action == Action::Return;
        st.db.write(move |c| moves::act(c, &me, ProposalId(id), &s).map(|_| ())).await
    }
    .await;
    // A returned proposal is no longer the unit's to see: back to its list.
    match (returned, &result) {
        (true, Ok(())) => form_done(&session, result, "proposal.returned_ok", "/proposals").await,
        _ => form_done(&session, result, "proposal.saved", &back(id)).await,
    }
}

fn step_of(pairs: &[(String, String)]) -> AppResult<Step> {
    let text = |k: &str| form::first(pairs, k).unwrap_or_default();
    let action = match text("action").as_str() {
        "submit" => Action::Submit,
        "withdraw" => Action::Withdraw,
        "accept" => Action::Accept,
        "decline" => Action::Decline,
        "to_opinion" => Action::ToOpinion,
        "merge" => Action::MergeInto,
        "assign" => Action::Assign,
        "sign" => Action::Sign,
        "return" => Action::Return,
        "rate" => Action::Rate(moves::given_rating(&text("rating"))?),
        "close" => Action::Close,
        _ => return Err(AppError::BadRequest("form.bad_choice")),
    };
    let merge_number = match form::text(&Some(text("merge_number"))) {
        None => None,
        Some(n) => Some(
            form::halfwidth(n.trim().trim_start_matches('第').trim_end_matches('号'))
                .parse::<i32>()
                .map_err(|_| AppError::BadRequest("proposal.merge_not_found"))?,
        ),
    };
    Ok(Step {
        action,
        note: text("note"),
        merge_number,
        lead: form::id(&Some(text("lead")))?.map(DepartmentId),
        co_units: form::ids(pairs, "co_units")?.into_iter().map(DepartmentId).collect(),
        deadline: form::date(&Some(text("deadline")))?,
    })
}

/// The lead unit's answer: its text and the answer letter (答复函), stored
/// only once the proposal is known to be the unit's to answer now.
async fn answer(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> AppResult<Redirect> {
    let pid = ProposalId(id);
    let result = async {
        let who = me.clone();
        st.db.read(move |c| moves::may_answer(c, &who, pid)).await?;
        let (fields, stored) = st
            .files
            .read_and_store(mp, super::model::MAX_ANSWER_FILES, crate::kernel::files::Accept::ImagesAndDocuments)
            .await?;
        let text = fields.get("answer").cloned().unwrap_or_default();
        st.db
            .write(move |c| {
                let mut ids = vec![];
                for s in &stored {
                    ids.push(crate::kernel::files::insert_row(c, &me, s)?);
                }
                moves::answer(c, &me, pid, &text, &ids)
            })
            .await
    }
    .await;
    form_done(&session, result, "proposal.answered", &back(id)).await
}

#[derive(Template)]
#[template(path = "proposals/stats.html")]
struct FiguresTemplate {
    page: Page,
    rows: Vec<FigureRow>,
    sessions: Vec<ProposalSession>,
    session: Option<ProposalSession>,
}

impl FiguresTemplate {
    fn pct(&self, r: Option<f64>) -> String {
        percent(r)
    }
}

#[derive(Deserialize, Default)]
struct SessionQuery {
    session: Option<String>,
}

/// The session asked for, else the latest.
fn session_of(
    c: &mut DbConn,
    me: &Actor,
    q: &SessionQuery,
) -> AppResult<(Vec<ProposalSession>, Option<ProposalSession>)> {
    let all = sessions::list(c, me)?;
    let chosen = match form::id(&q.session)? {
        Some(id) => Some(sessions::get(c, me, ProposalSessionId(id))?),
        None => all.first().cloned(),
    };
    Ok((all, chosen))
}

async fn figures(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<SessionQuery>,
) -> AppResult<Html<String>> {
    let (rows, sessions, session) = st
        .db
        .read(move |c| {
            if super::model::sight(&me) != super::model::Sight::All {
                return Err(AppError::NotFound);
            }
            let (all, chosen) = session_of(c, &me, &q)?;
            let rows = match &chosen {
                Some(s) => stats::units(c, &me, s.id)?,
                None => vec![],
            };
            Ok((rows, all, chosen))
        })
        .await?;
    render(&FiguresTemplate { page, rows, sessions, session })
}

/// The session's catalogue as a Word file.
async fn catalogue(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(q): Query<SessionQuery>,
) -> AppResult<Response> {
    let (committee, session, rows) = st
        .db
        .read(move |c| {
            let (_, chosen) = session_of(c, &me, &q)?;
            let s = chosen.ok_or(AppError::NotFound)?;
            let rows = stats::catalogue(c, &me, s.id)?;
            Ok((crate::org::store::committee(c, &me)?.name, s.name, rows))
        })
        .await?;
    let title = format!("{committee}{session}提案目录");
    let bytes = tokio::task::spawn_blocking(move || super::catalogue::docx(&committee, &session, rows, today(), now()))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the catalogue failed: {e}")))??;
    Ok(crate::kernel::files::attachment(
        bytes,
        crate::kernel::files::Kind::Docx,
        &crate::kernel::docx::file_name("", &title),
    ))
}

#[derive(Template)]
#[template(path = "proposals/public_list.html")]
struct PublicListTemplate {
    page: Page,
    committee: String,
    code: String,
    rows: Vec<public::Published>,
}

async fn public_list(State(st): State<AppState>, page: Page, Path(code): Path<String>) -> AppResult<Html<String>> {
    let c2 = code.clone();
    let (committee, rows) = st
        .db
        .read(move |c| {
            let committee = crate::org::store::committee_by_code_unscoped(c, &c2)?.ok_or(AppError::NotFound)?;
            Ok((committee.name, public::list(c, committee.id)?))
        })
        .await?;
    render(&PublicListTemplate { page, committee, code, rows })
}

#[derive(Template)]
#[template(path = "proposals/public.html")]
struct PublicTemplate {
    page: Page,
    committee: String,
    code: String,
    r: public::Published,
}

async fn public_one(
    State(st): State<AppState>,
    page: Page,
    Path((code, id)): Path<(String, i64)>,
) -> AppResult<Html<String>> {
    let c2 = code.clone();
    let (committee, r) = st
        .db
        .read(move |c| {
            let committee = crate::org::store::committee_by_code_unscoped(c, &c2)?.ok_or(AppError::NotFound)?;
            let r = public::one(c, committee.id, ProposalId(id))?.ok_or(AppError::NotFound)?;
            Ok((committee.name, r))
        })
        .await?;
    render(&PublicTemplate { page, committee, code, r })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_form_reads_its_fields() {
        let pairs =
            form::pairs("action=assign&lead=3&co_units=4&co_units=5&deadline=2027-03-01".as_bytes()).expect("pairs");
        let s = step_of(&pairs).expect("a step");
        assert_eq!(s.action, Action::Assign);
        assert_eq!(s.lead, Some(DepartmentId(3)));
        assert_eq!(s.co_units, vec![DepartmentId(4), DepartmentId(5)]);
        let merge =
            form::pairs("action=merge&merge_number=%E7%AC%AC%EF%BC%91%EF%BC%92%E5%8F%B7".as_bytes()).expect("pairs");
        assert_eq!(step_of(&merge).expect("a merge").merge_number, Some(12), "第１２号 in full-width digits");
        let rate = form::pairs("action=rate&rating=unrated".as_bytes()).expect("pairs");
        assert!(matches!(step_of(&rate), Err(AppError::BadRequest("proposal.choose_rating"))));
        let bad = form::pairs("action=fly".as_bytes()).expect("pairs");
        assert!(matches!(step_of(&bad), Err(AppError::BadRequest("form.bad_choice"))));
    }
}
