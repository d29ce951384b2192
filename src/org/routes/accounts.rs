//! The sysadmin's account pages: create accounts (with their office or
//! department), link each to its member, department or office, set its staff
//! phone, lock and unlock. (Password resets and roles are the security
//! admin's: `kernel::auth::security_routes`.)

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use crate::kernel::auth::store::{self as auth_store, NewAccount};
use crate::kernel::auth::{Actor, CurrentUser, Role, password};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{DepartmentId, OfficeId, UserId};
use crate::kernel::state::AppState;
use crate::kernel::web::page::flash;
use crate::kernel::web::{Page, form, render};
use crate::org::model::Phone;
use crate::org::store::accounts::{self, AccountRow, AccountView, LinkChoice};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(accounts_page).post(create_account))
        .route("/admin/users/{id}", get(account_page))
        .route("/admin/users/{id}/link", post(set_link))
        .route("/admin/users/{id}/phone", post(set_phone))
        .route("/admin/users/{id}/lock", post(lock_account))
        .route("/admin/users/{id}/unlock", post(unlock_account))
}

#[derive(Template)]
#[template(path = "org/accounts.html")]
struct AccountsTemplate {
    page: Page,
    users: Vec<AccountRow>,
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
        // Administrators' roles are the security admin's to grant (三员分立).
        roles: Role::ALL.iter().copied().filter(|r| !r.is_administrator()).collect(),
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

#[derive(Template)]
#[template(path = "org/account.html")]
struct AccountTemplate {
    page: Page,
    view: AccountView,
    /// The staff phone, masked, and whether it is verified.
    phone: Option<(String, bool)>,
    /// Texted codes are on, so a verified phone can reset a password.
    sms: bool,
    error: Option<String>,
}

async fn account_view(st: &AppState, me: &Actor, page: Page, id: UserId, error: Option<String>) -> AppResult<Response> {
    let (actor, vault) = (me.clone(), st.personal.clone());
    let (view, phone) = st
        .db
        .read(move |c| Ok((accounts::account(c, &actor, id)?, auth_store::phone_of(c, &actor, &vault, id)?)))
        .await?;
    let sms = st.config.sms_reset_enabled();
    Ok(render(&AccountTemplate { page, view, phone, sms, error })?.into_response())
}

async fn account_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    account_view(&st, &me, page, UserId(id), None).await
}

/// After a change on one account's page: back to it with a message, or the
/// page again with the user's mistake.
async fn account_done(
    st: AppState,
    session: Session,
    me: Actor,
    page: Page,
    id: UserId,
    done: AppResult<()>,
    ok_key: &str,
) -> AppResult<Response> {
    match done {
        Ok(()) => {
            flash(&session, true, ok_key).await;
            Ok(Redirect::to(&format!("/admin/users/{}", id.0)).into_response())
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            let error = Some(page.t(k));
            account_view(&st, &me, page, id, error).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    member: String,
    office_id: Option<String>,
    department_id: Option<String>,
}

async fn set_link(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> AppResult<Response> {
    let choice = LinkChoice {
        member: f.member,
        office: form::id(&f.office_id).map_err(|_| AppError::BadRequest("account.bad_office"))?.map(OfficeId),
        department: form::id(&f.department_id)
            .map_err(|_| AppError::BadRequest("account.bad_department"))?
            .map(DepartmentId),
    };
    let (actor, id) = (me.clone(), UserId(id));
    let done = st.db.write(move |c| accounts::set_link(c, &actor, id, &choice)).await;
    account_done(st, session, me, page, id, done, "account.link_saved").await
}

#[derive(Deserialize)]
struct PhoneForm {
    #[serde(default)]
    phone: String,
    verified: Option<String>,
}

async fn set_phone(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Form(f): Form<PhoneForm>,
) -> AppResult<Response> {
    let id = UserId(id);
    let phone = match f.phone.trim() {
        "" => None,
        p => match Phone::parse(p) {
            Some(p) => Some(p),
            None => {
                let error = Some(page.t("account.bad_phone"));
                return account_view(&st, &me, page, id, error).await;
            }
        },
    };
    let (actor, vault, verified) = (me.clone(), st.personal.clone(), f.verified.is_some());
    let done = st
        .db
        .write(move |c| auth_store::set_phone(c, &actor, &vault, id, phone.as_ref().map(Phone::as_str), verified))
        .await;
    account_done(st, session, me, page, id, done, "account.phone_saved").await
}
