//! Handling departments (承办单位): the government units that answer opinion
//! cases and own consultations' agreed items; department accounts work for one.
//! `create` serves the loaders (the demo, `gen`), which have no acting user.

use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::schema::{departments, users};
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, DepartmentId, UserId};
use crate::kernel::time::now;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: DepartmentId,
    pub committee_id: CommitteeId,
    pub name: String,
    pub active: bool,
    pub created_at: chrono::NaiveDateTime,
}

/// The actor's committee's departments, active or not, in the order they were
/// made. Any role: every account of the committee sees who handles what.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Department>> {
    Ok(departments::table
        .filter(departments::committee_id.eq(actor.committee_id))
        .order(departments::id.asc())
        .select(Department::as_select())
        .load(conn)?)
}

/// The active ones as (id, name), for the forms that pick a department.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn choices(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(DepartmentId, String)>> {
    Ok(list(conn, actor)?.into_iter().filter(|d| d.active).map(|d| (d.id, d.name)).collect())
}

/// Whether `id` is one of the actor's committee's departments.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn is_ours(conn: &mut DbConn, actor: &Actor, id: DepartmentId) -> AppResult<bool> {
    let n: i64 = departments::table
        .filter(departments::id.eq(id).and(departments::committee_id.eq(actor.committee_id)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A new department. `who` is the district admin (through `add`), or the
/// system setting up a committee (the demo, `gen`).
#[tracing::instrument(level = "debug", skip(conn, who))]
pub fn create(conn: &mut DbConn, who: Who<'_>, committee_id: CommitteeId, name: &str) -> AppResult<DepartmentId> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(AppError::BadRequest("department.bad_name"));
    }
    let id: DepartmentId = diesel::insert_into(departments::table)
        .values((
            departments::committee_id.eq(committee_id),
            departments::name.eq(name),
            departments::active.eq(true),
            departments::created_at.eq(now()),
        ))
        .returning(departments::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { AppError::Conflict("department.name_taken") } else { e.into() })?;
    audit::record(
        conn,
        who,
        Change::new("department.create", "department", id).after(serde_json::json!({ "name": name })),
    )?;
    Ok(id)
}

/// A new department, by the district.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn add(conn: &mut DbConn, actor: &Actor, name: &str) -> AppResult<DepartmentId> {
    require_district(actor)?;
    create(conn, Who::User(actor), actor.committee_id, name)
}

/// A deactivated department can no longer be chosen for new cases; those it
/// holds stay with it until staff reassign them.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn set_active(conn: &mut DbConn, actor: &Actor, id: DepartmentId, active: bool) -> AppResult<()> {
    require_district(actor)?;
    let before: bool = departments::table
        .find(id)
        .filter(departments::committee_id.eq(actor.committee_id))
        .select(departments::active)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    diesel::update(departments::table.find(id)).set(departments::active.eq(active)).execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("department.active", "department", id)
            .before(serde_json::json!({ "active": before }))
            .after(serde_json::json!({ "active": active })),
    )?;
    Ok(())
}

fn require_district(actor: &Actor) -> AppResult<()> {
    if actor.role == Role::DistrictAdmin { Ok(()) } else { Err(AppError::Forbidden) }
}

/// The department a user of role `department` works for.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn department_of(conn: &mut DbConn, actor: &Actor) -> AppResult<Option<DepartmentId>> {
    if actor.role != Role::Department {
        return Ok(None);
    }
    Ok(users::table.find(actor.user_id).select(users::department_id).get_result::<Option<DepartmentId>>(conn)?)
}

/// Links a department account to its department (when the account is made).
/// Unscoped, permission is the caller's: `accounts::create` (the sysadmin),
/// and the loaders.
#[tracing::instrument(level = "debug", skip(conn, who))]
pub fn set_user_department_unscoped(
    conn: &mut DbConn,
    who: Who<'_>,
    user: UserId,
    dept: DepartmentId,
) -> AppResult<()> {
    diesel::update(users::table.find(user)).set(users::department_id.eq(Some(dept))).execute(conn)?;
    audit::record(
        conn,
        who,
        Change::new("user.department", "user", user).after(serde_json::json!({ "department_id": dept })),
    )?;
    Ok(())
}
