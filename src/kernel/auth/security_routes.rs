//! The security admin's page (/security): locked accounts, administrators
//! without a second factor, and for each account its role, an unlock, a
//! password reset and a second-factor reset.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::security::{self, SecurityRow};
use super::{Actor, CurrentUser, Role, password};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::UserId;
use crate::kernel::state::AppState;
use crate::kernel::web::page::flash;
use crate::kernel::web::{Page, render};

pub const SECURITY_PATH: &str = "/security";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(SECURITY_PATH, get(security_page))
        .route("/security/users/{id}/role", post(grant_role))
        .route("/security/users/{id}/unlock", post(unlock))
        .route("/security/users/{id}/reset-password", post(reset_password))
        .route("/security/users/{id}/reset-two-factor", post(reset_two_factor))
}

#[derive(Template)]
#[template(path = "kernel/security.html")]
struct SecurityTemplate {
    page: Page,
    users: Vec<SecurityRow>,
    roles: Vec<Role>,
    error: Option<String>,
    /// A new initial password to hand over once: (username, password).
    issued: Option<(String, String)>,
}

impl SecurityTemplate {
    fn locked(&self) -> Vec<&SecurityRow> {
        self.users.iter().filter(|u| u.is_locked()).collect()
    }

    fn missing_two_factor(&self) -> Vec<&SecurityRow> {
        self.users.iter().filter(|u| u.missing_two_factor && !u.disabled).collect()
    }
}

async fn view(
    st: &AppState,
    me: &Actor,
    page: Page,
    error: Option<String>,
    issued: Option<(String, String)>,
) -> AppResult<Response> {
    let actor = me.clone();
    let users = st.db.read(move |c| security::overview(c, &actor)).await?;
    let roles = Role::ALL.to_vec();
    Ok(render(&SecurityTemplate { page, users, roles, error, issued })?.into_response())
}

async fn security_page(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    view(&st, &me, page, None, None).await
}

/// After an action: back to the page with `done` flashed, or the page again
/// with the refusal's message.
async fn done(
    st: &AppState,
    session: &Session,
    me: &Actor,
    page: Page,
    result: AppResult<()>,
    done: &str,
) -> AppResult<Response> {
    match result {
        Ok(()) => {
            flash(session, true, done).await;
            Ok(Redirect::to(SECURITY_PATH).into_response())
        }
        Err(AppError::BadRequest(k)) => {
            let error = Some(page.t(k));
            view(st, me, page, error, None).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn grant_role(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> AppResult<Response> {
    let role = Role::parse(&f.role).ok_or(AppError::BadRequest("account.bad_role"))?;
    let actor = me.clone();
    let r = st.db.write(move |c| security::grant_role(c, &actor, UserId(id), role)).await;
    done(&st, &session, &me, page, r, "security.role_granted").await
}

async fn unlock(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let actor = me.clone();
    let r = st.db.write(move |c| security::unlock(c, &actor, UserId(id))).await;
    done(&st, &session, &me, page, r, "security.unlocked").await
}

async fn reset_two_factor(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let actor = me.clone();
    let r = st.db.write(move |c| security::reset_two_factor(c, &actor, UserId(id))).await;
    done(&st, &session, &me, page, r, "security.two_factor_reset").await
}

async fn reset_password(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let actor = me.clone();
    let pw = password::generate_initial();
    let hash = password::hash_async(pw.clone()).await?;
    match st.db.write(move |c| security::reset_password(c, &actor, UserId(id), &hash)).await {
        Ok(username) => view(&st, &me, page, None, Some((username, pw))).await,
        Err(AppError::BadRequest(k)) => {
            let error = Some(page.t(k));
            view(&st, &me, page, error, None).await
        }
        Err(e) => Err(e),
    }
}
