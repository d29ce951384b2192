//! The online consultation for those signed in: the list, one consultation's
//! online page (staff open it, moderate and summarise; invited members
//! comment and reply), and their forms.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDateTime, NaiveTime};
use serde::Deserialize;
use tower_sessions::Session;

use crate::consultations::model::Status;
use crate::consultations::online::model::{self, CommentStatus, Group, Moderation, SectorCount};
use crate::consultations::online::store::comments::{self, Shown, View};
use crate::consultations::online::store::phase::{self, Online, Row, Settings};
use crate::consultations::store::Consultations;
use crate::consultations::store::consultations::{self as cstore, Consultation};
use crate::consultations::store::items::{self, Owner};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ConsultationId, MemberId, OnlineCommentId};
use crate::kernel::personal::Vault;
use crate::kernel::state::AppState;
use crate::kernel::time::{from_local, local, now};
use crate::kernel::web::action::{Button, action, action_back};
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, form, render};
use crate::meetings::model::{Pick, PickGroup};
use crate::meetings::store::attendees;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consultations/online", get(list))
        .route("/consultations/{id}/online", get(show).post(open))
        .route(
            "/consultations/{id}/online/end",
            action("online.ended", back, |c, me, id, _: Button| phase::end(c, me, ConsultationId(id))),
        )
        .route(
            "/consultations/{id}/online/comments",
            action(
                "online.commented",
                |id| format!("/consultations/{id}/online#comments"),
                |c, me, id, f: CommentForm| {
                    let parent = form::id(&f.parent)?.map(OnlineCommentId);
                    comments::comment(c, me, ConsultationId(id), parent, &f.body.unwrap_or_default()).map(|_| ())
                },
            ),
        )
        .route(
            "/consultations/{id}/online/summary",
            action("online.summarised", back, |c, me, id, f: SummaryForm| {
                phase::summarise(c, me, ConsultationId(id), &f.summary.unwrap_or_default())
            }),
        )
        .route(
            "/consultations/{id}/online/items",
            action("consultation.item_added", back, |c, me, id, f: ItemForm| f.add(c, me, ConsultationId(id))),
        )
        .route(
            "/consultations/online/comments/{id}/moderate",
            action_back(
                "online.moderated",
                |_, f: &ModerateForm| f.back.clone().unwrap_or_default(),
                |c, me, id, f: ModerateForm| {
                    let m = f.action.as_deref().and_then(Moderation::parse);
                    let m = m.ok_or(AppError::BadRequest("form.bad_choice"))?;
                    comments::moderate(c, me, OnlineCommentId(id), m, &f.reason.unwrap_or_default()).map(|_| ())
                },
            ),
        )
        .route("/consultations/online/comments/{id}/personal", post(personal))
}

fn back(id: i64) -> String {
    format!("/consultations/{id}/online")
}

#[derive(Deserialize)]
struct CommentForm {
    parent: Option<String>,
    body: Option<String>,
}

#[derive(Deserialize)]
struct SummaryForm {
    summary: Option<String>,
}

#[derive(Deserialize)]
struct ModerateForm {
    action: Option<String>,
    reason: Option<String>,
    /// The page the form was on.
    back: Option<String>,
}

#[derive(Deserialize)]
struct ItemForm {
    line: Option<String>,
    owner: Option<String>,
    deadline: Option<String>,
}

impl ItemForm {
    fn add(self, c: &mut DbConn, me: &Actor, id: ConsultationId) -> AppResult<()> {
        let line = form::id(&self.line)?.and_then(|l| usize::try_from(l).ok());
        let line = line.ok_or(AppError::BadRequest("online.bad_line"))?;
        let owner =
            self.owner.as_deref().and_then(Owner::parse).ok_or(AppError::BadRequest("consultation.bad_owner"))?;
        let deadline = form::date(&self.deadline)?.ok_or(AppError::BadRequest("consultation.bad_deadline"))?;
        phase::item_from_summary(c, me, id, line, owner, deadline).map(|_| ())
    }
}

/// The settings form: the period's Beijing dates and times, residents, and
/// the members ticked (`member`, repeated).
fn settings(p: &[(String, String)]) -> AppResult<Settings> {
    let get = |k: &str| form::first(p, k);
    // Midnight when no time is given.
    let at = |date: &str, time: &str| -> AppResult<NaiveDateTime> {
        let day = form::date(&get(date))?.ok_or(AppError::BadRequest("online.date_required"))?;
        Ok(from_local(day, form::time(&get(time))?.unwrap_or(NaiveTime::MIN)))
    };
    Ok(Settings {
        opens_at: at("opens_date", "opens_time")?,
        closes_at: at("closes_date", "closes_time")?,
        residents_open: get("residents").is_some(),
        members: form::ids(p, "member")?.into_iter().map(MemberId).collect(),
    })
}

async fn open(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    RawForm(raw): RawForm,
) -> AppResult<Redirect> {
    let result = async {
        let s = settings(&form::pairs(&raw)?)?;
        st.db.write(move |c| phase::open(c, &me, ConsultationId(id), &s).map(|_| ())).await
    }
    .await;
    form_done(&session, result, "online.opened", &back(id)).await
}

#[derive(Template)]
#[template(path = "consultations/online_list.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
}

async fn list(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let rows = st.db.read(move |c| phase::list(c, &me)).await?;
    render(&ListTemplate { page, rows })
}

/// The settings form's values: as set, or a week from now for a new one.
struct Dates {
    opens_date: String,
    opens_time: String,
    closes_date: String,
    closes_time: String,
    residents: bool,
}

impl Dates {
    fn of(o: Option<&Online>) -> Dates {
        let t = now();
        let (opens, closes, residents) =
            o.map_or((t, t + Duration::days(7), false), |o| (o.opens_at, o.closes_at, o.residents_open));
        let split = |t: NaiveDateTime| {
            let s = local(&t);
            (s.get(..10).unwrap_or_default().to_string(), s.get(11..16).unwrap_or_default().to_string())
        };
        let ((opens_date, opens_time), (closes_date, closes_time)) = (split(opens), split(closes));
        Dates { opens_date, opens_time, closes_date, closes_time, residents }
    }
}

#[derive(Template)]
#[template(path = "consultations/online.html")]
struct ShowTemplate {
    page: Page,
    c: Consultation,
    office: String,
    online: Option<Online>,
    manage: bool,
    /// The actor may comment now (invited, the period open).
    may_comment: bool,
    comments: Vec<Shown>,
    figures: Vec<SectorCount>,
    total: (usize, usize, usize),
    invitees: Vec<(MemberId, String, Option<String>)>,
    picker: Vec<PickGroup>,
    dates: Dates,
    /// The comment the form replies to (`?reply=`), one of those shown.
    reply_to: Option<Shown>,
    owners: Vec<(String, String)>,
    /// The committee's code, for the public page's address.
    code: String,
    /// The actor sees the consultation's own page (a link back to it).
    sees: bool,
    /// The agreed items' texts: summary lines already added are marked.
    added: Vec<String>,
}

impl ShowTemplate {
    fn lines(&self) -> Vec<String> {
        self.online.as_ref().map(Online::summary_lines).unwrap_or_default()
    }
    /// The consultation takes an online phase at this stage (`phase::open`).
    fn may_open(&self) -> bool {
        self.manage && matches!(self.c.status, Status::Approved | Status::Planned | Status::Held)
    }
    /// Lines of the summary become agreed items of a held consultation.
    fn items_open(&self) -> bool {
        self.manage && self.c.status == Status::Held
    }
    /// The line is an agreed item already (`phase::item_from_summary`).
    fn is_added(&self, line: &str) -> bool {
        self.added.iter().any(|a| a == line)
    }
    /// Staff write the summary once the period has ended, while the
    /// consultation takes an online phase (`phase::summarise`).
    fn may_summarise(&self) -> bool {
        self.may_open() && self.ended()
    }
    fn ended(&self) -> bool {
        self.online.as_ref().is_some_and(|o| o.phase() == model::Phase::Ended)
    }
}

#[derive(Deserialize)]
struct ShowQuery {
    reply: Option<String>,
}

async fn show(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Html<String>> {
    let reply = form::id(&q.reply).ok().flatten().map(OnlineCommentId);
    let vault = st.personal.clone();
    let tpl = st.db.read(move |c| build(c, &me, page, ConsultationId(id), reply, &vault)).await?;
    render(&tpl)
}

/// The page with one resident's name and phone in full: written to the
/// audit log first (`comments::personal_data`), refused for those who do not
/// moderate the comment.
async fn personal(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(comment): Path<i64>,
) -> AppResult<Html<String>> {
    let comment = OnlineCommentId(comment);
    let actor = me.clone();
    let (id, name, phone) = st.db.write(move |c| comments::personal_data(c, &actor, comment)).await?;
    let vault = st.personal.clone();
    let mut tpl = st.db.read(move |c| build(c, &me, page, id, None, &vault)).await?;
    if let Some(x) = comments::find_mut(&mut tpl.comments, comment) {
        x.reveal(&st.personal, name, phone)?;
    }
    render(&tpl)
}

fn build(
    conn: &mut DbConn,
    me: &Actor,
    page: Page,
    id: ConsultationId,
    reply: Option<OnlineCommentId>,
    vault: &Vault,
) -> AppResult<ShowTemplate> {
    let s = phase::seen(conn, me, id)?;
    let view = if s.manage { View::Staff } else { View::Member(s.me) };
    let (comments, figures, invitees) = match &s.online {
        Some(o) => (comments::thread(conn, o, view, vault)?, phase::figures(conn, o)?, phase::invitees(conn, o)?),
        None => (vec![], vec![], vec![]),
    };
    let may_comment = s.invited.is_some() && s.online.as_ref().is_some_and(Online::is_open);
    let picker = if s.manage {
        // The consultation's invitees first, ticked for a new online phase.
        let listed: Vec<MemberId> = attendees::list::<Consultations>(conn, me, id.0)?
            .into_iter()
            .filter(|a| a.invited)
            .map(|a| a.member_id)
            .collect();
        let ticked: Vec<MemberId> =
            if s.online.is_some() { invitees.iter().map(|(m, _, _)| *m).collect() } else { listed.clone() };
        let pick = Pick { office: Some(s.c.office_id), first: &listed, first_key: "picker.listed", ticked: &ticked };
        attendees::candidates(conn, me, pick)?
    } else {
        vec![]
    };
    let reply_to = reply.and_then(|r| comments.iter().find(|x| x.id == r && x.status == CommentStatus::Published));
    let added = if s.manage && s.online.is_some() { phase::added(conn, id)? } else { vec![] };
    Ok(ShowTemplate {
        sees: s.sees,
        added,
        office: cstore::office_name(conn, &s.c)?,
        owners: if s.manage { items::owner_choices(conn, me)? } else { vec![] },
        code: crate::org::store::committee(conn, me)?.code,
        total: model::total(&figures),
        dates: Dates::of(s.online.as_ref()),
        reply_to: reply_to.cloned(),
        page,
        c: s.c,
        online: s.online,
        manage: s.manage,
        may_comment,
        comments,
        figures,
        invitees,
        picker,
    })
}
