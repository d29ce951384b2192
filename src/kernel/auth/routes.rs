//! Login, logout and the password change. (The sysadmin's account pages are
//! the organisation's: `org::routes::accounts`.)

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::CurrentUser;
use super::password;
use super::sign_in::{self, Attempt, LoginOutcome};
use super::store::{self, ChangePasswordError};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::guard::{self, Challenge};
use crate::kernel::state::AppState;
use crate::kernel::web::page::flash;
use crate::kernel::web::{Page, render, safe_next};

pub const PASSWORD_PATH: &str = "/account/password";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route(PASSWORD_PATH, get(password_page).post(change_password))
        .merge(super::forgot::router())
        .merge(super::unlock::router())
        .merge(super::two_factor_routes::router())
        .merge(super::security_routes::router())
}

#[derive(Template)]
#[template(path = "kernel/login.html")]
struct LoginTemplate {
    page: Page,
    next: String,
    username: String,
    error: Option<String>,
    /// The question to answer with the password (`throttle::CHALLENGE_AFTER`).
    challenge: Option<Challenge>,
    /// Locked: offer the owner's way out by a texted code.
    unlock: bool,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(page: Page, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if page.user.is_some() {
        return Ok(Redirect::to(safe_next(q.next.as_deref())).into_response());
    }
    let next = safe_next(q.next.as_deref()).to_string();
    let tpl = LoginTemplate { page, next, username: String::new(), error: None, challenge: None, unlock: false };
    Ok(render(&tpl)?.into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
    challenge_token: Option<String>,
    challenge_answer: Option<String>,
}

async fn login(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    session: Session,
    page: Page,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let username = f.username.trim().to_lowercase();
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
    let secret = st.personal.derive("guard.challenge");
    let t = crate::kernel::time::now();
    let answer = match (&f.challenge_token, &f.challenge_answer) {
        (Some(token), Some(a)) => Some(guard::check_challenge(&secret, token, a, t)),
        _ => None,
    };
    let attempt = Attempt { login: &username, password: &f.password, ip: &ip, answer };
    let outcome = sign_in::login(&st.db, attempt).await?;
    let unlock = outcome == LoginOutcome::Locked && st.config.sms_reset_enabled();
    let (error, challenge, status) = match outcome {
        LoginOutcome::Ok(uid) => {
            // Password aging, then the session or the second factor's page.
            return super::two_factor_routes::after_password(&st, &session, uid, safe_next(f.next.as_deref())).await;
        }
        LoginOutcome::WrongCredentials { challenge } => (page.t("login.wrong"), challenge, StatusCode::OK),
        LoginOutcome::ChallengeNeeded { wrong_answer } => {
            let key = if wrong_answer { "login.challenge_wrong" } else { "login.challenge" };
            (page.t(key), true, StatusCode::OK)
        }
        LoginOutcome::Throttled { minutes } => {
            let text = page.t("login.throttled").replace("%{minutes}", &minutes.to_string());
            (text, false, StatusCode::TOO_MANY_REQUESTS)
        }
        LoginOutcome::Locked => (page.t("login.locked"), false, StatusCode::OK),
        LoginOutcome::Disabled => (page.t("login.disabled"), false, StatusCode::OK),
    };
    let challenge = challenge.then(|| guard::new_challenge(&secret, t));
    let next = safe_next(f.next.as_deref()).to_string();
    let tpl = LoginTemplate { page, next, username, error: Some(error), challenge, unlock };
    Ok((status, render(&tpl)?).into_response())
}

async fn logout(session: Session) -> AppResult<Redirect> {
    session.flush().await.map_err(|e| AppError::Internal(e.into()))?;
    Ok(Redirect::to("/login"))
}

#[derive(Template)]
#[template(path = "kernel/password.html")]
struct PasswordTemplate {
    page: Page,
    forced: bool,
    error: Option<String>,
}

async fn password_page(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    let forced = st.db.read(move |c| store::own_account(c, &me)).await?.must_change_password;
    Ok(render(&PasswordTemplate { page, forced, error: None })?.into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let problem = if f.new != f.confirm {
        Some("password.mismatch")
    } else {
        let actor = me.clone();
        let user = st.db.read(move |c| store::own_account(c, &actor)).await?;
        let changed = match store::check_password_change(&user, &f.current, &f.new).await {
            Ok(()) => {
                let new_hash = password::hash_async(f.new).await?;
                let actor = me.clone();
                let current = session.id().map(|id| id.to_string()).unwrap_or_default();
                st.db
                    .write(move |c| store::set_own_password(c, &actor, &current, &user.password_hash, &new_hash))
                    .await?
            }
            Err(e) => Err(e),
        };
        match changed {
            Ok(()) => None,
            Err(ChangePasswordError::WrongCurrent) => Some("password.wrong_current"),
            Err(ChangePasswordError::SameAsOld) => Some("password.same_as_old"),
            Err(ChangePasswordError::Policy(p)) => Some(p.message_key()),
        }
    };
    match problem {
        None => {
            flash(&session, true, "password.changed").await;
            Ok(Redirect::to("/").into_response())
        }
        Some(key) => {
            let forced = st.db.read(move |c| store::own_account(c, &me)).await?.must_change_password;
            let error = Some(page.t(key));
            Ok(render(&PasswordTemplate { page, forced, error })?.into_response())
        }
    }
}
