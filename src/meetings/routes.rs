//! The pages and forms every meeting has, mounted by each host area under
//! `/{AREA}/{id}/…`: the member's reply, the phone's sign-in page and its
//! button, staff's attendance list and speakers, and the record's files.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::HeaderMap;
use axum::response::{Html, Redirect};
use axum::routing::{MethodRouter, get, post};
use chrono::{NaiveDateTime, NaiveTime};
use serde::Deserialize;
use tower_sessions::Session;

use super::model::{Pick, PickGroup, Reply};
use super::store::{self, Host, attendees, files, speakers};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::Stored;
use crate::kernel::files::routes::{Attach, download, upload};
use crate::kernel::ids::{FileId, MemberId};
use crate::kernel::state::AppState;
use crate::kernel::time::from_local;
use crate::kernel::web::action::action;
use crate::kernel::web::links::{base_url, qr_inline};
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, form, render};

/// At most this many files in one upload.
pub const MAX_UPLOAD: usize = 12;

/// The meeting routes of host `H`, to merge into its area's router.
pub fn router<H: Host>() -> axum::Router<AppState> {
    let area = H::AREA;
    axum::Router::new()
        .route(&format!("/{area}/{{id}}/reply"), action("activity.replied", back::<H>, reply::<H>))
        .route(&format!("/{area}/{{id}}/signin"), get(signin_page::<H>).post(sign_in::<H>))
        .route(&format!("/{area}/{{id}}/attendance"), post(attendance::<H>))
        .route(
            &format!("/{area}/{{id}}/speakers"),
            action("consultation.speaker_added", speakers_back::<H>, speaker::<H>),
        )
        .route(&format!("/{area}/{{id}}/photos"), upload_route::<H>("files", attach_record::<H>))
        .route(&format!("/{area}/{{id}}/files/{{file}}"), download(files::holds::<H>))
}

/// An upload form's `POST` that attaches with `attach`, then back to the
/// page's `#anchor`.
pub fn upload_route<H: Host>(anchor: &'static str, attach: Attach) -> MethodRouter<AppState> {
    upload(MAX_UPLOAD, attach, move |id| format!("/{}/{id}#{anchor}", H::AREA))
}

/// A photo or document of the session's record.
fn attach_record<H: Host>(c: &mut DbConn, me: &Actor, id: i64, file: FileId, s: &Stored) -> AppResult<()> {
    let f = store::seen::<H>(c, me, id)?;
    f.require_session()?;
    files::attach::<H>(c, me, id, file, files::role_of(s))
}

/// What a meeting's page shows of its meeting side, gathered for the actor.
pub struct Block {
    pub attendees: Vec<attendees::Attendee>,
    /// The viewer's own line, when they are a listed member.
    pub mine: Option<attendees::Attendee>,
    pub speakers: Vec<speakers::Speaker>,
    pub files: Vec<files::Attachment>,
    /// The sign-in QR code (inline SVG) and its link, for staff to show
    /// while the session is open.
    pub qr: Option<(String, String)>,
    pub replies: [Reply; 2],
    /// Whom staff may tick present: the list first, then the office's
    /// members, then the district's others (empty unless they may).
    pub picker: Vec<PickGroup>,
}

impl Block {
    /// `base`: the site's public address (`kernel::web::links::base_url`).
    pub fn gather<H: Host>(c: &mut DbConn, me: &Actor, id: i64, base: &str) -> AppResult<Block> {
        let f = store::seen::<H>(c, me, id)?;
        let attendees = attendees::list::<H>(c, me, id)?;
        let qr = if f.manage && f.session_open {
            let url = format!("{base}/{}/{id}/signin?t={}", H::AREA, f.signin_token);
            Some((qr_inline(&url)?, url))
        } else {
            None
        };
        let picker = if f.manage && f.session_open {
            let listed: Vec<MemberId> = attendees.iter().map(|x| x.member_id).collect();
            let present: Vec<MemberId> = attendees.iter().filter(|x| x.attended).map(|x| x.member_id).collect();
            let pick = Pick { office: Some(f.office_id), first: &listed, first_key: "picker.listed", ticked: &present };
            attendees::candidates(c, me, pick)?
        } else {
            vec![]
        };
        Ok(Block {
            picker,
            mine: attendees::mine(c, me, &attendees)?,
            speakers: speakers::list::<H>(c, me, id)?,
            files: files::list::<H>(c, me, id)?,
            attendees,
            qr,
            replies: Reply::CHOICES,
        })
    }

    /// Anyone marked present yet (the attendance form opens until then).
    pub fn any_present(&self) -> bool {
        self.attendees.iter().any(|x| x.attended)
    }

    pub fn has_files(&self, role: &str) -> bool {
        self.files.iter().any(|(_, r, ..)| r == role)
    }
}

/// `GET /{area}/{id}`: a meeting's page. `build` makes the area's template
/// from the record (the actor's scope is its store's) and the meeting side,
/// gathered first (not found when the actor may not see the meeting).
pub fn page<H, T>(build: fn(&mut DbConn, &Actor, i64, Page, Block) -> AppResult<T>) -> MethodRouter<AppState>
where
    H: Host,
    T: Template + Send + 'static,
{
    get(
        move |State(st): State<AppState>,
              CurrentUser(me): CurrentUser,
              page: Page,
              headers: HeaderMap,
              Path(id): Path<i64>| async move {
            let base = base_url(st.config.public_base_url.as_deref(), &headers);
            let tpl = st
                .db
                .read(move |c| {
                    let m = Block::gather::<H>(c, &me, id, &base)?;
                    build(c, &me, id, page, m)
                })
                .await?;
            render(&tpl)
        },
    )
}

/// When a meeting is planned, from the form's Beijing date (required) and
/// time (09:00 when blank).
pub fn planned_at(date: &Option<String>, time: &Option<String>) -> AppResult<NaiveDateTime> {
    let day = form::date(date)?.ok_or(AppError::BadRequest("activity.date_required"))?;
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
    Ok(from_local(day, form::time(time)?.unwrap_or(nine)))
}

/// When a meeting was held, from the record form's Beijing date and time
/// (midnight when blank); none without a date.
pub fn held_at(date: &Option<String>, time: &Option<String>) -> AppResult<Option<NaiveDateTime>> {
    Ok(match (form::date(date)?, form::time(time)?) {
        (Some(d), t) => Some(from_local(d, t.unwrap_or(NaiveTime::MIN))),
        (None, _) => None,
    })
}

/// What every meeting's record form asks first: when it was held (Beijing
/// date and time) and how many residents came. Flattened into the area's form.
#[derive(Deserialize)]
pub struct Held {
    pub date: Option<String>,
    pub time: Option<String>,
    pub residents_count: Option<String>,
    /// How long it lasted, in hours (1.5): duty time counts it.
    pub hours: Option<String>,
}

impl Held {
    /// (when it was held, residents, minutes it lasted), or the refusal of a
    /// bad date, count or length.
    pub fn read(&self) -> AppResult<(Option<NaiveDateTime>, i32, Option<i32>)> {
        let minutes = match form::number(&self.hours).map_err(|_| AppError::BadRequest("activity.bad_hours"))? {
            None => None,
            Some(h) if h > 0.0 && h * 60.0 <= f64::from(crate::duty::time::MAX_MINUTES) => {
                Some((h * 60.0).round() as i32)
            }
            Some(_) => return Err(AppError::BadRequest("activity.bad_hours")),
        };
        Ok((held_at(&self.date, &self.time)?, form::count(&self.residents_count, "activity.bad_count")?, minutes))
    }
}

/// An invitee's reply as the form sends it.
#[derive(Deserialize)]
pub struct ReplyForm {
    pub reply: String,
    /// The reason for an apology.
    pub note: Option<String>,
}

impl ReplyForm {
    /// Confirmed, or an apology with its reason; a choice not offered is refused.
    pub fn parse(&self) -> AppResult<(Reply, String)> {
        let r = Reply::parse(&self.reply).ok_or(AppError::BadRequest("form.bad_choice"))?;
        super::model::reply(r, self.note.as_deref().unwrap_or(""))
    }
}

fn back<H: Host>(id: i64) -> String {
    format!("/{}/{id}", H::AREA)
}

fn speakers_back<H: Host>(id: i64) -> String {
    format!("/{}/{id}#speakers", H::AREA)
}

/// The member's reply to their invitation.
fn reply<H: Host>(c: &mut DbConn, me: &Actor, id: i64, f: ReplyForm) -> AppResult<()> {
    let (reply, note) = f.parse()?;
    attendees::reply::<H>(c, me, id, reply, &note)
}

#[derive(Deserialize)]
struct Token {
    t: Option<String>,
}

/// What the phone's sign-in page shows.
pub struct SignInFacts {
    pub title: String,
    pub place: String,
    pub planned_at: Option<NaiveDateTime>,
    /// Sign-in is open now.
    pub open: bool,
    /// The member has signed in already.
    pub done: bool,
}

#[derive(Template)]
#[template(path = "meetings/signin.html")]
struct SignInTemplate {
    page: Page,
    area: &'static str,
    id: i64,
    token: String,
    facts: SignInFacts,
}

/// What the phone shows after scanning: the meeting and one big button.
async fn signin_page<H: Host>(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<Token>,
) -> AppResult<Html<String>> {
    let token = q.t.unwrap_or_default();
    let t = token.clone();
    let facts = st
        .db
        .read(move |c| {
            let (f, open, done) = attendees::sign_in_facts::<H>(c, &me, id, &t)?;
            let place = H::place(c, &me, id)?;
            Ok(SignInFacts { title: f.title, place, planned_at: f.planned_at, open, done })
        })
        .await?;
    render(&SignInTemplate { page, area: H::AREA, id, token, facts })
}

#[derive(Deserialize)]
struct SignInForm {
    t: String,
}

/// The sign-in button, which comes back to the page.
async fn sign_in<H: Host>(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<SignInForm>,
) -> AppResult<Redirect> {
    let token = f.t.clone();
    let result = st.db.write(move |c| attendees::sign_in::<H>(c, &me, id, &token).map(|_| ())).await;
    let query = serde_urlencoded::to_string([("t", f.t.as_str())]).unwrap_or_default();
    form_done(&session, result, "activity.signed_in", &format!("/{}/{id}/signin?{query}", H::AREA)).await
}

/// Staff tick who was there (`present`, repeated).
async fn attendance<H: Host>(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    RawForm(raw): RawForm,
) -> AppResult<Redirect> {
    let result = match present_ids(&raw) {
        Ok(present) => st.db.write(move |c| attendees::set_present::<H>(c, &me, id, &present)).await,
        Err(e) => Err(e),
    };
    form_done(&session, result, "activity.attendance_saved", &format!("/{}/{id}#attendance", H::AREA)).await
}

/// The member ids of the attendance form's ticked boxes.
fn present_ids(raw: &[u8]) -> AppResult<Vec<MemberId>> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(raw).map_err(|_| AppError::BadRequest("form.bad_choice"))?;
    pairs
        .iter()
        .filter(|(k, v)| k == "present" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().parse().map(MemberId).map_err(|_| AppError::BadRequest("activity.bad_member")))
        .collect()
}

#[derive(Deserialize)]
struct SpeakerForm {
    name: Option<String>,
    points: Option<String>,
}

fn speaker<H: Host>(c: &mut DbConn, me: &Actor, id: i64, f: SpeakerForm) -> AppResult<()> {
    speakers::add::<H>(c, me, id, &f.name.unwrap_or_default(), &f.points.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attendance_form_reads_its_boxes() {
        assert_eq!(
            present_ids(b"_csrf=x&present=3&present=7&present=3").ok(),
            Some(vec![MemberId(3), MemberId(7), MemberId(3)])
        );
        assert!(present_ids(b"").is_ok_and(|v| v.is_empty()));
        assert!(present_ids(b"present=").is_ok_and(|v| v.is_empty()), "an empty box is no member");
        assert!(matches!(present_ids(b"present=abc"), Err(AppError::BadRequest("activity.bad_member"))));
    }

    #[test]
    fn a_reply_form_is_read_by_the_rules() {
        let f = |reply: &str, note: Option<&str>| ReplyForm { reply: reply.into(), note: note.map(str::to_string) };
        assert_eq!(f("apology", Some("出差")).parse().ok(), Some((Reply::Apology, "出差".into())));
        assert!(f("apology", None).parse().is_err());
        assert!(f("pending", None).parse().is_err());
        assert!(f("maybe", None).parse().is_err());
    }
}
