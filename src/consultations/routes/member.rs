//! Members: replying to an invitation, and signing in by the consultation's QR
//! code on their phone (logged in as themselves).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::app::AppState;
use crate::consultations::model::Reply;
use crate::consultations::store::consultations::{self as store, Consultation};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::ConsultationId;
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consultations/{id}/reply", post(reply))
        .route("/consultations/{id}/department-reply", post(department_reply))
        .route("/consultations/{id}/signin", get(signin_page).post(sign_in))
}

#[derive(Deserialize)]
struct ReplyForm {
    reply: String,
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
        st.db.write(move |c| store::reply(c, &me, ConsultationId(id), r)).await
    }
    .await;
    form_done(&session, result, "activity.replied", &format!("/consultations/{id}")).await
}

/// A department's reply, from its list of agreed items and invitations.
async fn department_reply(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ReplyForm>,
) -> AppResult<Redirect> {
    let result = async {
        let r =
            Reply::parse(&f.reply).filter(|r| *r != Reply::Pending).ok_or(AppError::BadRequest("form.bad_choice"))?;
        st.db.write(move |c| store::department_reply(c, &me, ConsultationId(id), r)).await
    }
    .await;
    form_done(&session, result, "activity.replied", "/consultations/items").await
}

#[derive(Deserialize)]
struct Token {
    t: Option<String>,
}

#[derive(Template)]
#[template(path = "consultations/signin.html")]
struct SignInTemplate {
    page: Page,
    c: Consultation,
    token: String,
    open: bool,
    done: bool,
}

async fn signin_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<Token>,
) -> AppResult<Response> {
    let token = q.t.unwrap_or_default();
    let t2 = token.clone();
    let (c, done) = st
        .db
        .read(move |conn| {
            let c = store::for_sign_in(conn, &me, ConsultationId(id), &t2)?;
            let own = crate::org::store::members::own_record(conn, &me)?.map(|m| m.id);
            let done = store::attendees(conn, c.id)?.iter().any(|x| Some(x.member_id) == own && x.attended);
            Ok((c, done))
        })
        .await?;
    let open = store::may_sign_in(&c, crate::kernel::time::now());
    render(&SignInTemplate { page, c, token, open, done }).map(IntoResponse::into_response)
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
    let result = st.db.write(move |c| store::sign_in(c, &me, ConsultationId(id), &token)).await;
    let back = format!(
        "/consultations/{id}/signin?{}",
        serde_urlencoded::to_string([("t", f.t.as_str())]).unwrap_or_default()
    );
    form_done(&session, result, "activity.signed_in", &back).await
}
