//! Accounts as the sysadmin makes them: the kernel's account store plus what
//! the organisation adds — the office a user works in, and the department a
//! department account answers for.

use crate::kernel::audit::store::Who;
use crate::kernel::auth::store::{self as accounts, NewAccount, UserSummary};
use crate::kernel::auth::{Actor, Role, password::Hashed};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{DepartmentId, OfficeId, UserId};

/// What the account page lists and offers: the accounts, the offices and the
/// active departments to choose from.
pub struct AccountsPage {
    pub users: Vec<UserSummary>,
    pub offices: Vec<(OfficeId, String)>,
    pub departments: Vec<(DepartmentId, String)>,
}

#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn page(conn: &mut DbConn, actor: &Actor) -> AppResult<AccountsPage> {
    Ok(AccountsPage {
        users: accounts::list(conn, actor)?,
        offices: super::names_for_accounts(conn, actor)?,
        departments: super::departments::choices(conn, actor)?,
    })
}

/// A new account; a department account needs one of the committee's
/// departments (it sees the cases assigned to that unit).
#[tracing::instrument(level = "debug", skip(conn, actor, acc, hash), fields(username = %acc.username))]
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    acc: &NewAccount,
    department: Option<DepartmentId>,
    hash: &Hashed,
) -> AppResult<UserId> {
    let dept = match (acc.role, department) {
        (Role::Department, None) => return Err(AppError::BadRequest("account.department_required")),
        (Role::Department, Some(d)) => {
            if !super::departments::is_ours(conn, actor, d)? {
                return Err(AppError::BadRequest("account.bad_department"));
            }
            Some(d)
        }
        _ => None,
    };
    let id = accounts::create(conn, actor, acc, hash)?;
    if let Some(d) = dept {
        super::departments::set_user_department_unscoped(conn, Who::User(actor), id, d)?;
    }
    Ok(id)
}
