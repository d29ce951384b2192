//! Notices for the signed-in: the list of those received and issued, the
//! form, one notice with its attachments, and for its issuer who has read
//! and replied; for a recipient, the reply (回执). Opening a notice is its
//! read receipt.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_sessions::Session;

use super::form::draft;
use crate::kernel::auth::{Actor, CurrentUser, Role};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::FileRow;
use crate::kernel::files::routes::{download, upload};
use crate::kernel::ids::{NoticeId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::action::action;
use crate::kernel::web::page::{Flash, form_done};
use crate::kernel::web::{Page, render};
use crate::meetings::model::{Pick, PickGroup};
use crate::meetings::store::attendees;
use crate::notices::model::{self, Audience, MAX_FILES, NoticeStatus, Receipt};
use crate::notices::store::files;
use crate::notices::store::notices::{self, Draft, Notice, Shown};
use crate::notices::store::recipients::{self, Recipient, Tally};
use crate::org::store::sectors::{self, Sector};
use crate::org::store::{self as org, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notices", get(list).post(create))
        .route("/notices/new", get(new_form))
        .route("/notices/{id}", get(show).post(update))
        .route("/notices/{id}/edit", get(edit_form))
        .route("/notices/{id}/files", upload(MAX_FILES, files::attach, |id| format!("/notices/{id}#files")))
        .route("/notices/{id}/files/{file}", download(files::holds))
        .route(
            "/notices/{id}/publish",
            action("notice.published", back, |c, me, id, _: Empty| {
                notices::publish(c, me, NoticeId(id), today()).map(|_| ())
            }),
        )
        .route(
            "/notices/{id}/withdraw",
            action("notice.withdrawn", back, |c, me, id, _: Empty| notices::withdraw(c, me, NoticeId(id))),
        )
        .route(
            "/notices/{id}/reply",
            action("notice.reply_sent", back, |c, me, id, f: ReplyForm| {
                recipients::reply(c, me, NoticeId(id), f.reply.as_deref().unwrap_or_default())
            }),
        )
}

fn back(id: i64) -> String {
    format!("/notices/{id}")
}

#[derive(Deserialize)]
struct Empty {}

#[derive(Deserialize)]
struct ReplyForm {
    reply: Option<String>,
}

#[derive(Template)]
#[template(path = "notices/list.html")]
struct ListTemplate {
    page: Page,
    received: Vec<(Notice, Recipient)>,
    issued: Vec<(Notice, Tally)>,
    may_issue: bool,
    today: chrono::NaiveDate,
}

impl ListTemplate {
    fn receipt(&self, n: &Notice, r: &Recipient) -> Receipt {
        Receipt::of(r.read_at.is_some(), r.replied_at.is_some(), n.reply_by, self.today)
    }
}

async fn list(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let may_issue = model::may_issue(&me);
    let (received, issued) = st.db.read(move |c| Ok((notices::received(c, &me)?, notices::issued(c, &me)?))).await?;
    render(&ListTemplate { page, received, issued, may_issue, today: today() })
}

#[derive(Template)]
#[template(path = "notices/form.html")]
struct FormTemplate {
    page: Page,
    /// The draft being edited; `None`: a new notice.
    id: Option<NoticeId>,
    d: Draft,
    /// Offices and departments are the district's to address.
    district: bool,
    offices: Vec<Office>,
    sectors: Vec<Sector>,
    picker: Vec<PickGroup>,
}

impl FormTemplate {
    fn action(&self) -> String {
        self.id.map_or_else(|| "/notices".to_string(), |id| format!("/notices/{id}"))
    }
    fn office_on(&self, id: &OfficeId) -> bool {
        self.d.audience.offices.contains(id)
    }
    fn sector_on(&self, s: &Sector) -> bool {
        self.d.audience.sectors.contains(&s.id)
    }
    fn reply_by(&self) -> String {
        self.d.reply_by.map(|d| d.to_string()).unwrap_or_default()
    }
}

/// The form, filled with `d`: the offices, sectors and members the issuer
/// may address (`district`: the notice is the district's, not an office's).
async fn form_page(
    st: &AppState,
    me: Actor,
    page: Page,
    id: Option<NoticeId>,
    d: Draft,
    district: bool,
) -> AppResult<FormTemplate> {
    if !model::may_issue(&me) {
        return Err(AppError::NotFound);
    }
    let ticked = d.audience.members.clone();
    let (offices, sectors, picker) = st
        .db
        .read(move |c| {
            let offices = if district { org::list_offices(c, &me)? } else { vec![] };
            let sectors = sectors::list(c, &me)?.into_iter().filter(|s| s.active).collect();
            let pick = Pick { office: me.office_id, first: &[], first_key: "picker.listed", ticked: &ticked };
            let own = me.office_id;
            let mut picker = attendees::candidates(c, &me, pick)?;
            if !district {
                // An office writes to its own members only.
                for g in &mut picker {
                    g.members.retain(|m| m.office_id == own);
                }
                picker.retain(|g| !g.members.is_empty());
            }
            Ok((offices, sectors, picker))
        })
        .await?;
    Ok(FormTemplate { page, id, d, district, offices, sectors, picker })
}

async fn new_form(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let district = me.role == Role::DistrictAdmin;
    render(&form_page(&st, me, page, None, Draft::default(), district).await?)
}

async fn edit_form(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let actor = me.clone();
    let s = st.db.read(move |c| notices::get(c, &actor, NoticeId(id))).await?;
    if !s.manage || !model::allowed(s.notice.status, model::NoticeAction::Edit) {
        return Err(AppError::NotFound);
    }
    let n = s.notice;
    let district = n.office_id.is_none();
    let d = Draft {
        public: n.public,
        audience: Audience::from_json(&n.audience),
        title: n.title,
        body: n.body,
        reply_by: n.reply_by,
        texted: n.texted,
    };
    render(&form_page(&st, me, page, Some(NoticeId(id)), d, district).await?)
}

/// A form as sent: which draft (none: a new one), what it said, and whether
/// the notice is the district's.
struct Sent {
    id: Option<NoticeId>,
    d: Draft,
    district: bool,
}

/// After the form: to the notice, or the form again as sent with the reason.
async fn saved(
    st: &AppState,
    session: &Session,
    me: Actor,
    mut page: Page,
    sent: Sent,
    result: AppResult<NoticeId>,
) -> AppResult<Response> {
    match result {
        Ok(id) => Ok(form_done(session, Ok(()), "notice.saved", &format!("/notices/{id}")).await?.into_response()),
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            page.flash = Some(Flash { ok: false, key: k.to_string() });
            let tpl = form_page(st, me, page, sent.id, sent.d, sent.district).await?;
            Ok((StatusCode::BAD_REQUEST, render(&tpl)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn create(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    RawForm(raw): RawForm,
) -> AppResult<Response> {
    let d = draft(&raw)?;
    let (actor, sent, district) = (me.clone(), d.clone(), me.role == Role::DistrictAdmin);
    let result = st.db.write(move |c| notices::create(c, &actor, d, today())).await;
    saved(&st, &session, me, page, Sent { id: None, d: sent, district }, result).await
}

async fn update(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    RawForm(raw): RawForm,
) -> AppResult<Response> {
    let d = draft(&raw)?;
    let (actor, sent, id) = (me.clone(), d.clone(), NoticeId(id));
    let reader = me.clone();
    let district = st.db.read(move |c| Ok(notices::get(c, &reader, id)?.notice.office_id.is_none())).await?;
    let result = st.db.write(move |c| notices::update(c, &actor, id, d, today()).map(|_| id)).await;
    saved(&st, &session, me, page, Sent { id: Some(id), d: sent, district }, result).await
}

#[derive(Template)]
#[template(path = "notices/show.html")]
struct ShowTemplate {
    page: Page,
    s: Shown,
    attached: Vec<FileRow>,
    /// Every recipient's receipt, for the notice's managers.
    receipts: Vec<Recipient>,
    tally: Tally,
    today: chrono::NaiveDate,
}

impl ShowTemplate {
    fn receipt(&self, r: &Recipient) -> Receipt {
        Receipt::of(r.read_at.is_some(), r.replied_at.is_some(), self.s.notice.reply_by, self.today)
    }
    fn is(&self, status: &str) -> bool {
        self.s.notice.status.as_str() == status
    }
}

async fn show(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let id = NoticeId(id);
    let reader = me.clone();
    let (mut s, attached, receipts) = st
        .db
        .read(move |c| {
            let s = notices::get(c, &me, id)?;
            let attached = files::list(c, &s.notice)?;
            let receipts = if s.manage { recipients::list(c, &me, &s.notice)? } else { vec![] };
            Ok((s, attached, receipts))
        })
        .await?;
    // A write only the first time the unit opens a notice that is out.
    if s.mine.as_ref().is_some_and(|m| m.read_at.is_none()) && s.notice.status == NoticeStatus::Published {
        let shown = s.clone();
        let at = st.db.write(move |c| recipients::mark_read(c, &reader, &shown)).await?;
        if let Some(mine) = s.mine.as_mut() {
            mine.read_at = at;
        }
    }
    let tally = Tally::of(&receipts);
    render(&ShowTemplate { page, s, attached, receipts, tally, today: today() }).map(IntoResponse::into_response)
}
