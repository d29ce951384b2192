//! Login, logout, password change, and the sysadmin's account pages.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::model::Role;
use super::password;
use super::store::{self, ChangePasswordError, LoginOutcome, NewAccount, UserSummary};
use super::{CurrentUser, USER_KEY};
use crate::app::AppState;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{OfficeId, UserId};
use crate::kernel::web::page::{CSRF_KEY, flash};
use crate::kernel::web::{Page, render, safe_next};
use crate::org;

pub const PASSWORD_PATH: &str = "/account/password";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route(PASSWORD_PATH, get(password_page).post(change_password))
        .route("/admin/users", get(accounts_page).post(create_account))
        .route("/admin/users/{id}/reset", post(reset_password))
        .route("/admin/users/{id}/lock", post(lock_account))
        .route("/admin/users/{id}/unlock", post(unlock_account))
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
            // A fresh session id at login defeats session fixation.
            session.cycle_id().await.map_err(|e| AppError::Internal(e.into()))?;
            session.insert(USER_KEY, uid.0).await.map_err(|e| AppError::Internal(e.into()))?;
            let _ = session.remove::<String>(CSRF_KEY).await;
            return Ok(Redirect::to(safe_next(f.next.as_deref())).into_response());
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
    let uid = me.user_id;
    let forced = st.db.read(move |c| store::find(c, uid)).await?.is_some_and(|u| u.must_change_password);
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
        let uid = me.user_id;
        let user = st.db.read(move |c| store::find(c, uid)).await?.ok_or(AppError::NotFound)?;
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
            let uid = me.user_id;
            let forced = st.db.read(move |c| store::find(c, uid)).await?.is_some_and(|u| u.must_change_password);
            let error = Some(page.t(key));
            Ok(render(&PasswordTemplate { page, forced, error })?.into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "kernel/accounts.html")]
struct AccountsTemplate {
    page: Page,
    users: Vec<UserSummary>,
    offices: Vec<(OfficeId, String)>,
    departments: Vec<(crate::kernel::ids::DepartmentId, String)>,
    roles: Vec<Role>,
    error: Option<String>,
    issued: Option<(String, String)>,
}

async fn accounts_view(
    st: &AppState,
    me: &crate::kernel::auth::Actor,
    page: Page,
    error: Option<String>,
    issued: Option<(String, String)>,
) -> AppResult<Response> {
    let actor = me.clone();
    let (users, offices, departments) = st
        .db
        .read(move |c| {
            let departments = crate::opinions::store::catalog::departments(c, actor.committee_id)?
                .into_iter()
                .filter(|d| d.active)
                .map(|d| (d.id, d.name))
                .collect();
            Ok((store::list(c, &actor)?, org::store::names_for_accounts(c, &actor)?, departments))
        })
        .await?;
    let tpl = AccountsTemplate { page, users, offices, departments, roles: Role::ALL.to_vec(), error, issued };
    Ok(render(&tpl)?.into_response())
}

async fn accounts_page(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    accounts_view(&st, &me, page, None, None).await
}

#[derive(Deserialize)]
struct NewAccountForm {
    username: String,
    display_name: String,
    role: String,
    office_id: Option<String>,
    /// The handling unit (承办单位) of a department account.
    department_id: Option<String>,
}

async fn create_account(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Form(f): Form<NewAccountForm>,
) -> AppResult<Response> {
    let Some(role) = Role::parse(&f.role) else {
        return Err(AppError::BadRequest("account.bad_role"));
    };
    let office_id = match f.office_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(OfficeId(s.parse().map_err(|_| AppError::BadRequest("account.bad_office"))?)),
    };
    let acc = NewAccount {
        username: f.username.trim().to_lowercase(),
        display_name: f.display_name.trim().to_string(),
        role,
        office_id,
    };
    let department = crate::kernel::web::form::id(&f.department_id)?.map(crate::kernel::ids::DepartmentId);
    let username = acc.username.clone();
    let actor = me.clone();
    let pw = password::generate_initial();
    let hash = password::hash_async(pw.clone()).await?;
    let created = st.db.write(move |c| {
        // A department account sees the cases assigned to its unit: it needs one.
        let dept = match (role, department) {
            (Role::Department, None) => return Err(AppError::BadRequest("account.department_required")),
            (Role::Department, Some(d)) => {
                let ours =
                    crate::opinions::store::catalog::departments(c, actor.committee_id)?.iter().any(|x| x.id == d);
                if !ours {
                    return Err(AppError::BadRequest("account.bad_department"));
                }
                Some(d)
            }
            _ => None,
        };
        let id = store::create(c, &actor, &acc, &hash)?;
        if let Some(d) = dept {
            crate::opinions::store::catalog::set_user_department(
                c,
                crate::kernel::audit::store::Who::User(&actor),
                id,
                d,
            )?;
        }
        Ok(id)
    });
    match created.await {
        Ok(_) => accounts_view(&st, &me, page, None, Some((username, pw))).await,
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            let error = Some(page.t(k));
            accounts_view(&st, &me, page, error, None).await
        }
        Err(e) => Err(e),
    }
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
    let username = st
        .db
        .write(move |c| {
            store::reset_password(c, &actor, UserId(id), &hash)?;
            Ok(store::find(c, UserId(id))?.ok_or(AppError::NotFound)?.username)
        })
        .await?;
    accounts_view(&st, &me, page, None, Some((username, pw))).await
}

async fn set_disabled(
    st: AppState,
    session: Session,
    me: crate::kernel::auth::Actor,
    id: i64,
    disabled: bool,
) -> AppResult<Redirect> {
    st.db.write(move |c| store::set_disabled(c, &me, UserId(id), disabled)).await?;
    flash(&session, true, if disabled { "account.locked" } else { "account.unlocked" }).await;
    Ok(Redirect::to("/admin/users"))
}

async fn lock_account(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    set_disabled(st, session, me, id, true).await
}

async fn unlock_account(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    set_disabled(st, session, me, id, false).await
}
