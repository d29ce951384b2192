//! Members: replying to an invitation, and signing in by the activity's QR code
//! on their phone (logged in as themselves, so nobody signs in for another).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::activities::model::{self, Reply};
use crate::activities::store::activities::Activity;
use crate::activities::store::attendance;
use crate::app::AppState;
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::ActivityId;
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities/{id}/reply", post(reply))
        .route("/activities/{id}/signin", get(signin_page).post(sign_in))
}

#[derive(Deserialize)]
struct ReplyForm {
    reply: String,
    note: Option<String>,
}

async fn reply(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ReplyForm>,
) -> AppResult<Redirect> {
    let result = async {
        let r =
            Reply::parse(&f.reply).filter(|r| *r != Reply::Pending).ok_or(AppError::BadRequest("form.bad_choice"))?;
        let note = f.note.unwrap_or_default();
        st.db.write(move |c| attendance::reply(c, &me, ActivityId(id), r, &note)).await
    }
    .await;
    form_done(&session, result, "activity.replied", &format!("/activities/{id}")).await
}

#[derive(Deserialize)]
struct Token {
    t: Option<String>,
}

#[derive(Template)]
#[template(path = "activities/signin.html")]
struct SignInTemplate {
    page: Page,
    a: Activity,
    place: String,
    token: String,
    open: bool,
    done: bool,
}

/// What the phone shows after scanning: the activity and one big button.
async fn signin_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<Token>,
) -> AppResult<Response> {
    let token = q.t.unwrap_or_default();
    let t2 = token.clone();
    let found = st
        .db
        .read(move |c| {
            let a = attendance::for_sign_in(c, &me, ActivityId(id), &t2)?;
            let (office, locality, _) = crate::activities::store::activities::place_names(c, &a)?;
            let own = crate::org::store::members::own_record(c, &me)?.map(|m| m.id);
            let done = attendance::list(c, a.id)?.iter().any(|x| Some(x.member_id) == own && x.attended);
            Ok((a, locality.unwrap_or(office), done))
        })
        .await;
    let (a, place, done) = match found {
        Ok(x) => x,
        // A code of another activity, or mistyped: a clear page, not an error screen.
        Err(AppError::BadRequest(k)) => return Err(AppError::BadRequest(k)),
        Err(e) => return Err(e),
    };
    let open = model::may_sign_in(a.planned_at, a.held_at, crate::kernel::time::now());
    render(&SignInTemplate { page, a, place, token, open, done }).map(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct SignInForm {
    t: String,
}

async fn sign_in(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<SignInForm>,
) -> AppResult<Redirect> {
    let token = f.t.clone();
    let result = st.db.write(move |c| attendance::sign_in(c, &me, ActivityId(id), &token).map(|_| ())).await;
    let back =
        format!("/activities/{id}/signin?{}", serde_urlencoded::to_string([("t", f.t.as_str())]).unwrap_or_default());
    form_done(&session, result, "activity.signed_in", &back).await
}
