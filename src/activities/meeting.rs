//! What activities and consultations share as meetings: the dates staff type
//! for one, the member's reply to the invitation, and signing in on the day by
//! the meeting's QR code on the member's phone (logged in as themself, so
//! nobody signs in for another). When sign-in is open is `model::may_sign_in`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::{NaiveDateTime, NaiveTime};
use rand::Rng;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::state::AppState;
use crate::kernel::time::from_local;
use crate::kernel::web::links::qr_inline;
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, form, render};

/// When a meeting is planned, from the form's Beijing date (required) and time
/// (09:00 when blank).
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

/// A random token for a meeting's sign-in code: it proves the phone scanned
/// this meeting's own code.
pub fn new_token() -> String {
    let alphabet = crate::opinions::model::CODE_ALPHABET;
    let mut rng = rand::rng();
    (0..16).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

/// Refuses a token other than the meeting's (compared in constant time).
pub fn check_token(expected: &str, given: &str) -> AppResult<()> {
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::BadRequest("activity.bad_code"))
    }
}

/// The sign-in code staff show at the door: (inline SVG, its link) for the
/// meeting `/{area}/{id}`, addressed from `base`.
pub fn qr_code(base: &str, area: &str, id: i64, token: &str) -> AppResult<(String, String)> {
    let url = format!("{base}/{area}/{id}/signin?t={token}");
    Ok((qr_inline(&url)?, url))
}

/// An invitee's reply as the form sends it.
#[derive(Deserialize)]
pub struct ReplyForm {
    pub reply: String,
    /// The reason for an apology, where the meeting asks for one.
    pub note: Option<String>,
}

/// What the phone's sign-in page shows of the meeting.
pub struct Facts {
    pub title: String,
    pub place: String,
    pub planned_at: Option<NaiveDateTime>,
    /// Sign-in is open now.
    pub open: bool,
    /// The member has signed in already.
    pub done: bool,
}

/// A kind of meeting: its area's rules for the member's side.
pub trait Meeting: 'static {
    /// Where the meetings live: `/{AREA}/{id}`.
    const AREA: &'static str;
    /// A reply as the area takes it.
    type Reply: Send + 'static;
    /// Reads a reply from its form; a choice not offered is refused.
    fn parse_reply(f: &ReplyForm) -> AppResult<Self::Reply>;
    /// Writes the actor's reply to their invitation.
    fn reply(conn: &mut DbConn, actor: &Actor, id: i64, reply: Self::Reply) -> AppResult<()>;
    /// The sign-in page's facts once the token is checked (another meeting's
    /// token is "bad code").
    fn facts(conn: &mut DbConn, actor: &Actor, id: i64, token: &str) -> AppResult<Facts>;
    /// Signs the actor in, as themself.
    fn sign_in(conn: &mut DbConn, actor: &Actor, id: i64, token: &str) -> AppResult<()>;
}

/// `POST /{area}/{id}/reply`: the member's reply to their invitation.
pub fn reply_route<M: Meeting>() -> MethodRouter<AppState> {
    post(|st: State<AppState>, session: Session, me: CurrentUser, id: Path<i64>, f: Form<ReplyForm>| async move {
        let result = async {
            let r = M::parse_reply(&f)?;
            st.db.write(move |c| M::reply(c, &me.0, id.0, r)).await
        }
        .await;
        form_done(&session, result, "activity.replied", &format!("/{}/{}", M::AREA, id.0)).await
    })
}

/// `/{area}/{id}/signin`: the page the code opens, and its button, which
/// comes back to the page.
pub fn signin_routes<M: Meeting>() -> MethodRouter<AppState> {
    get(signin_page::<M>).post(
        |st: State<AppState>, session: Session, me: CurrentUser, id: Path<i64>, f: Form<SignInForm>| async move {
            let token = f.t.clone();
            let result = st.db.write(move |c| M::sign_in(c, &me.0, id.0, &token)).await;
            let query = serde_urlencoded::to_string([("t", f.t.as_str())]).unwrap_or_default();
            form_done(&session, result, "activity.signed_in", &format!("/{}/{}/signin?{query}", M::AREA, id.0)).await
        },
    )
}

#[derive(Deserialize)]
struct Token {
    t: Option<String>,
}

#[derive(Template)]
#[template(path = "activities/signin.html")]
struct SignInTemplate {
    page: Page,
    area: &'static str,
    id: i64,
    token: String,
    facts: Facts,
}

/// What the phone shows after scanning: the meeting and one big button.
async fn signin_page<M: Meeting>(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<Token>,
) -> AppResult<Response> {
    let token = q.t.unwrap_or_default();
    let t = token.clone();
    let facts = st.db.read(move |c| M::facts(c, &me, id, &t)).await?;
    render(&SignInTemplate { page, area: M::AREA, id, token, facts }).map(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct SignInForm {
    t: String,
}
