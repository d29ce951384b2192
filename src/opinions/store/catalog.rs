//! Handling departments (承办单位), the category code list and the routing
//! table (category × office → default handler).

use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::schema::{departments, opinion_categories, opinion_routes, users};
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CategoryId, CommitteeId, DepartmentId, OfficeId};
use crate::kernel::time::now;
use crate::opinions::model::{AssigneeKind, DEFAULT_ANSWER_DAYS, STANDARD_CATEGORIES};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: DepartmentId,
    pub committee_id: CommitteeId,
    pub name: String,
    pub active: bool,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = opinion_categories)]
pub struct Category {
    pub id: CategoryId,
    pub committee_id: CommitteeId,
    pub parent_id: Option<CategoryId>,
    pub code: String,
    pub name: String,
    pub sort_order: i32,
    pub active: bool,
}

pub fn departments(conn: &mut DbConn, committee_id: CommitteeId) -> AppResult<Vec<Department>> {
    Ok(departments::table
        .filter(departments::committee_id.eq(committee_id))
        .order(departments::id.asc())
        .select(Department::as_select())
        .load(conn)?)
}

pub fn create_department(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    name: &str,
) -> AppResult<DepartmentId> {
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

/// The department a user of role `department` works for.
pub fn department_of(conn: &mut DbConn, actor: &Actor) -> AppResult<Option<DepartmentId>> {
    if actor.role != Role::Department {
        return Ok(None);
    }
    Ok(users::table.find(actor.user_id).select(users::department_id).first::<Option<DepartmentId>>(conn)?)
}

pub fn set_user_department(
    conn: &mut DbConn,
    who: Who<'_>,
    user: crate::kernel::ids::UserId,
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

/// Categories, major classes first, each followed by its subclasses.
pub fn categories(conn: &mut DbConn, committee_id: CommitteeId) -> AppResult<Vec<Category>> {
    Ok(opinion_categories::table
        .filter(opinion_categories::committee_id.eq(committee_id))
        .order((opinion_categories::code.asc(), opinion_categories::sort_order.asc()))
        .select(Category::as_select())
        .load(conn)?)
}

/// A new committee starts with the standard classification.
pub fn seed_categories(conn: &mut DbConn, committee_id: CommitteeId) -> AppResult<()> {
    for (i, (code, name, subs)) in STANDARD_CATEGORIES.iter().enumerate() {
        let parent: CategoryId = diesel::insert_into(opinion_categories::table)
            .values((
                opinion_categories::committee_id.eq(committee_id),
                opinion_categories::code.eq(code),
                opinion_categories::name.eq(name),
                opinion_categories::sort_order.eq(i as i32),
                opinion_categories::active.eq(true),
            ))
            .returning(opinion_categories::id)
            .get_result(conn)?;
        for (j, (code, name)) in subs.iter().enumerate() {
            diesel::insert_into(opinion_categories::table)
                .values((
                    opinion_categories::committee_id.eq(committee_id),
                    opinion_categories::parent_id.eq(Some(parent)),
                    opinion_categories::code.eq(code),
                    opinion_categories::name.eq(name),
                    opinion_categories::sort_order.eq(j as i32),
                    opinion_categories::active.eq(true),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn category_by_code(conn: &mut DbConn, committee_id: CommitteeId, code: &str) -> AppResult<Option<Category>> {
    Ok(opinion_categories::table
        .filter(opinion_categories::committee_id.eq(committee_id).and(opinion_categories::code.eq(code)))
        .select(Category::as_select())
        .first(conn)
        .optional()?)
}

/// A default handler for a category, for one office or committee-wide.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = opinion_routes)]
pub struct Route {
    pub id: i64,
    pub committee_id: CommitteeId,
    pub category_id: CategoryId,
    pub office_id: Option<OfficeId>,
    pub assignee_kind: String,
    pub assignee_id: i64,
    pub answer_days: i32,
}

/// The default handler for a case: the office's own route for the category,
/// else the committee-wide one, else the major class's. `None`: staff choose.
pub fn route_for(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    category: Option<CategoryId>,
    office: Option<OfficeId>,
) -> AppResult<Option<Route>> {
    let Some(cat) = category else { return Ok(None) };
    let parent: Option<CategoryId> =
        opinion_categories::table.find(cat).select(opinion_categories::parent_id).first(conn).optional()?.flatten();
    let candidates: Vec<Route> = opinion_routes::table
        .filter(opinion_routes::committee_id.eq(committee_id))
        .filter(opinion_routes::category_id.eq(cat).or(opinion_routes::category_id.nullable().eq(parent)))
        .select(Route::as_select())
        .load(conn)?;
    let rank = |r: &Route| {
        let own_cat = r.category_id == cat;
        let own_office = r.office_id.is_some() && r.office_id == office;
        match (own_cat, own_office, r.office_id.is_none()) {
            (true, true, _) => 0,
            (true, _, true) => 1,
            (false, true, _) => 2,
            (false, _, true) => 3,
            _ => 9,
        }
    };
    Ok(candidates.into_iter().filter(|r| rank(r) < 9).min_by_key(rank))
}

pub fn set_route(
    conn: &mut DbConn,
    actor: &Actor,
    category: CategoryId,
    office: Option<OfficeId>,
    kind: AssigneeKind,
    assignee: i64,
    days: u32,
) -> AppResult<()> {
    if actor.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    set_route_unchecked(conn, Who::User(actor), actor.committee_id, category, office, kind, assignee, days)
}

#[allow(clippy::too_many_arguments)]
pub fn set_route_unchecked(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    category: CategoryId,
    office: Option<OfficeId>,
    kind: AssigneeKind,
    assignee: i64,
    days: u32,
) -> AppResult<()> {
    let days = if (1..=60).contains(&days) { days } else { DEFAULT_ANSWER_DAYS };
    let mut q = diesel::delete(opinion_routes::table)
        .filter(opinion_routes::committee_id.eq(committee_id).and(opinion_routes::category_id.eq(category)))
        .into_boxed();
    q = match office {
        Some(o) => q.filter(opinion_routes::office_id.eq(o)),
        None => q.filter(opinion_routes::office_id.is_null()),
    };
    q.execute(conn)?;
    diesel::insert_into(opinion_routes::table)
        .values((
            opinion_routes::committee_id.eq(committee_id),
            opinion_routes::category_id.eq(category),
            opinion_routes::office_id.eq(office),
            opinion_routes::assignee_kind.eq(kind.as_str()),
            opinion_routes::assignee_id.eq(assignee),
            opinion_routes::answer_days.eq(days as i32),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        who,
        Change::new("opinion.route", "opinion_category", category).after(
            serde_json::json!({ "office_id": office, "kind": kind.as_str(), "assignee_id": assignee, "days": days }),
        ),
    )?;
    Ok(())
}
