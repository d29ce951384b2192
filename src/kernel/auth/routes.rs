//! Login, logout and the password change. (The sysadmin's account pages are
//! the organisation's: `org::routes::accounts`.)

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::CurrentUser;
use super::password;
use super::store::{self, ChangePasswordError, LoginOutcome};
use crate::kernel::error::{AppError, AppResult};
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
    Ok(render(&LoginTemplate { page, next, username: String::new(), error: None })?.into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(st): State<AppState>,
    session: Session,
    page: Page,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let username = f.username.trim().to_lowercase();
    let (u, p) = (username.clone(), f.password);
    let outcome = store::login(&st.db, &u, &p).await?;
    let error_key = match outcome {
        LoginOutcome::Ok(uid) => {
            // Password aging, then the session or the second factor's page.
            return super::two_factor_routes::after_password(&st, &session, uid, safe_next(f.next.as_deref())).await;
        }
        LoginOutcome::WrongCredentials => "login.wrong",
        LoginOutcome::Locked => "login.locked",
        LoginOutcome::Disabled => "login.disabled",
    };
    let error = Some(page.t(error_key));
    let next = safe_next(f.next.as_deref()).to_string();
    Ok(render(&LoginTemplate { page, next, username, error })?.into_response())
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
                st.db.write(move |c| store::set_own_password(c, &actor, &user.password_hash, &new_hash)).await?
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
