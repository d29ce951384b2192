//! The sysadmin's account pages: create accounts (with their office or
//! department), reset passwords, lock and unlock.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use crate::kernel::auth::store::{self as auth_store, NewAccount, UserSummary};
use crate::kernel::auth::{Actor, CurrentUser, Role, password};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{DepartmentId, OfficeId, UserId};
use crate::kernel::state::AppState;
use crate::kernel::web::page::flash;
use crate::kernel::web::{Page, form, render};
use crate::org::store::accounts;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(accounts_page).post(create_account))
        .route("/admin/users/{id}/reset", post(reset_password))
        .route("/admin/users/{id}/lock", post(lock_account))
        .route("/admin/users/{id}/unlock", post(unlock_account))
}

#[derive(Template)]
#[template(path = "org/accounts.html")]
struct AccountsTemplate {
    page: Page,
    users: Vec<UserSummary>,
    offices: Vec<(OfficeId, String)>,
    departments: Vec<(DepartmentId, String)>,
    roles: Vec<Role>,
    error: Option<String>,
    /// A new initial password to hand over once: (username, password).
    issued: Option<(String, String)>,
}

async fn accounts_view(
    st: &AppState,
    me: &Actor,
    page: Page,
    error: Option<String>,
    issued: Option<(String, String)>,
) -> AppResult<Response> {
    let actor = me.clone();
    let p = st.db.read(move |c| accounts::page(c, &actor)).await?;
    let tpl = AccountsTemplate {
        page,
        users: p.users,
        offices: p.offices,
        departments: p.departments,
        roles: Role::ALL.to_vec(),
        error,
        issued,
    };
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

impl NewAccountForm {
    fn account(&self) -> AppResult<(NewAccount, Option<DepartmentId>)> {
        let role = Role::parse(&self.role).ok_or(AppError::BadRequest("account.bad_role"))?;
        let office_id = form::id(&self.office_id).map_err(|_| AppError::BadRequest("account.bad_office"))?;
        let acc = NewAccount {
            username: self.username.trim().to_lowercase(),
            display_name: self.display_name.trim().to_string(),
            role,
            office_id: office_id.map(OfficeId),
        };
        Ok((acc, form::id(&self.department_id)?.map(DepartmentId)))
    }
}

async fn create_account(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Form(f): Form<NewAccountForm>,
) -> AppResult<Response> {
    let (acc, department) = f.account()?;
    let username = acc.username.clone();
    let actor = me.clone();
    let pw = password::generate_initial();
    let hash = password::hash_async(pw.clone()).await?;
    match st.db.write(move |c| accounts::create(c, &actor, &acc, department, &hash)).await {
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
    let username = st.db.write(move |c| auth_store::reset_password(c, &actor, UserId(id), &hash)).await?;
    accounts_view(&st, &me, page, None, Some((username, pw))).await
}

async fn set_disabled(st: AppState, session: Session, me: Actor, id: i64, disabled: bool) -> AppResult<Redirect> {
    st.db.write(move |c| auth_store::set_disabled(c, &me, UserId(id), disabled)).await?;
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
