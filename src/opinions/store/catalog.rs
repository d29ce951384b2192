//! The category code list and the routing table (category × office → default
//! handler).

use diesel::prelude::*;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::schema::{departments, members, offices, opinion_categories, opinion_routes};
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CategoryId, CommitteeId, OfficeId};
use crate::opinions::model::{Assignee, AssigneeKind, DEFAULT_ANSWER_DAYS, STANDARD_CATEGORIES};

#[derive(Debug, Clone, Queryable, Selectable)]
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

/// The actor's committee's categories, major classes first, each followed by
/// its subclasses.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn categories(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Category>> {
    of_committee(conn, actor.committee_id)
}

/// The same for the public box, which has no user (`public::box_form`).
pub(super) fn of_committee(conn: &mut DbConn, committee_id: CommitteeId) -> AppResult<Vec<Category>> {
    Ok(opinion_categories::table
        .filter(opinion_categories::committee_id.eq(committee_id))
        .order((opinion_categories::code.asc(), opinion_categories::sort_order.asc()))
        .select(Category::as_select())
        .load(conn)?)
}

/// A new committee starts with the standard classification. Unscoped: `setup`
/// runs it while making the committee, before it has any user.
#[tracing::instrument(level = "debug", skip_all, fields(committee = %committee_id))]
pub fn seed_categories_unscoped(conn: &mut DbConn, committee_id: CommitteeId) -> AppResult<()> {
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

/// A category by its code, for `routes_unscoped`.
fn category_by_code(conn: &mut DbConn, committee_id: CommitteeId, code: &str) -> AppResult<Option<Category>> {
    Ok(opinion_categories::table
        .filter(opinion_categories::committee_id.eq(committee_id).and(opinion_categories::code.eq(code)))
        .select(Category::as_select())
        .first(conn)
        .optional()?)
}

/// A default handler for a category, for one office or committee-wide.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = opinion_routes)]
pub struct Route {
    pub id: i64,
    pub committee_id: CommitteeId,
    pub category_id: CategoryId,
    pub office_id: Option<OfficeId>,
    pub assignee_kind: AssigneeKind,
    pub assignee_id: i64,
    pub answer_days: i32,
}

impl Route {
    pub fn assignee(&self) -> Assignee {
        Assignee::from_parts(self.assignee_kind, self.assignee_id)
    }
}

/// The default handler for a case: the office's own route for the category,
/// else the committee-wide one, else the major class's. `None`: staff choose.
/// For a case the caller has checked.
pub(super) fn route_for(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    category: Option<CategoryId>,
    office: Option<OfficeId>,
) -> AppResult<Option<Route>> {
    let Some(cat) = category else { return Ok(None) };
    let parent: Option<CategoryId> = opinion_categories::table
        .find(cat)
        .select(opinion_categories::parent_id)
        .get_result(conn)
        .optional()?
        .flatten();
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

/// Sets the handler of a category, for one office or committee-wide.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, category = %category, assignee = %assignee.key()))]
pub fn set_route(
    conn: &mut DbConn,
    actor: &Actor,
    category: CategoryId,
    office: Option<OfficeId>,
    assignee: Assignee,
    days: u32,
) -> AppResult<()> {
    if actor.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    // Ids come from a form: each must be this committee's, and the days in range
    // (the unchecked writer would quietly put the default in their place).
    category_in(conn, actor.committee_id, category)?;
    if let Some(o) = office {
        let n: i64 = offices::table
            .filter(offices::id.eq(o).and(offices::committee_id.eq(actor.committee_id)))
            .count()
            .get_result(conn)?;
        if n == 0 {
            return Err(AppError::BadRequest("opinion.bad_place"));
        }
    }
    check_route_assignee(conn, actor.committee_id, assignee)?;
    if !(1..=60).contains(&days) {
        return Err(AppError::BadRequest("opinion.bad_days"));
    }
    write_route(conn, Who::User(actor), actor.committee_id, category, office, assignee, days)
}

/// Routes major classes, by code, committee-wide to their units with the
/// default days. Unscoped: the demo and the generator set up a committee's
/// routing table with no user, from ids they made themselves.
#[tracing::instrument(level = "debug", skip_all, fields(committee = %committee_id))]
pub fn class_routes_unscoped(
    conn: &mut DbConn,
    who: impl Fn() -> Who<'static>,
    committee_id: CommitteeId,
    routes: impl IntoIterator<Item = (&'static str, Assignee)>,
) -> AppResult<()> {
    for (code, assignee) in routes {
        if let Some(cat) = category_by_code(conn, committee_id, code)? {
            write_route(conn, who(), committee_id, cat.id, None, assignee, DEFAULT_ANSWER_DAYS)?;
        }
    }
    Ok(())
}

fn write_route(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    category: CategoryId,
    office: Option<OfficeId>,
    assignee: Assignee,
    days: u32,
) -> AppResult<()> {
    let (kind, assignee) = assignee.parts();
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
            opinion_routes::assignee_kind.eq(kind),
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

// The district's settings page: the code list, the handling departments and the
// routing table. Every change is the district admin's and audited.

fn require_district(actor: &Actor) -> AppResult<()> {
    if actor.role == Role::DistrictAdmin { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Longest name of a category (the hotline list's longest is 9 characters).
const MAX_CATEGORY_NAME: usize = 30;

fn category_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_CATEGORY_NAME {
        return Err(AppError::BadRequest("settings.bad_category_name"));
    }
    Ok(name.to_string())
}

/// The code of a new category: the one typed, or the next free one. A major
/// class has two digits, a subclass its class's code and two more, as in the
/// hotline classification the list starts from. `99` (其他) stays last, so a
/// generated major code is the next after the highest below it.
fn category_code(typed: Option<&str>, parent: Option<&str>, taken: &[String]) -> Result<String, &'static str> {
    let prefix = parent.unwrap_or("");
    let shaped = |c: &str| {
        c.len() == prefix.len() + 2
            && c.starts_with(prefix)
            && c.bytes().all(|b| b.is_ascii_digit())
            && !c.ends_with("00")
    };
    if let Some(c) = typed.map(str::trim).filter(|c| !c.is_empty()) {
        if !shaped(c) {
            return Err("settings.bad_code");
        }
        if taken.iter().any(|t| t == c) {
            return Err("settings.code_taken");
        }
        return Ok(c.to_string());
    }
    let used: Vec<u32> =
        taken.iter().filter(|t| shaped(t)).filter_map(|t| t[prefix.len()..].parse().ok()).filter(|n| *n < 99).collect();
    let after = used.iter().max().copied().unwrap_or(0);
    (after + 1..99)
        .chain(1..after)
        .find(|n| !used.contains(n))
        .map(|n| format!("{prefix}{n:02}"))
        .ok_or("settings.codes_full")
}

/// One of the committee's categories, else not found.
fn category_in(conn: &mut DbConn, committee_id: CommitteeId, id: CategoryId) -> AppResult<Category> {
    opinion_categories::table
        .find(id)
        .filter(opinion_categories::committee_id.eq(committee_id))
        .select(Category::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Two classes, or two subclasses of one class, with one name would be one
/// choice twice in the box and two lines in the figures.
fn name_taken(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    parent: Option<CategoryId>,
    name: &str,
    except: Option<CategoryId>,
) -> AppResult<bool> {
    let mut q = opinion_categories::table
        .filter(opinion_categories::committee_id.eq(committee_id))
        .filter(opinion_categories::name.eq(name))
        .into_boxed();
    q = match parent {
        Some(p) => q.filter(opinion_categories::parent_id.eq(p)),
        None => q.filter(opinion_categories::parent_id.is_null()),
    };
    if let Some(id) = except {
        q = q.filter(opinion_categories::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

/// A new major class (`parent` none) or subclass; `code` blank for the next free one.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn add_category(
    conn: &mut DbConn,
    actor: &Actor,
    parent: Option<CategoryId>,
    code: Option<&str>,
    name: &str,
) -> AppResult<CategoryId> {
    require_district(actor)?;
    let name = category_name(name)?;
    let parent = match parent {
        Some(p) => {
            let p = category_in(conn, actor.committee_id, p)?;
            // Two levels, as the classification has: a subclass has no subclasses.
            if p.parent_id.is_some() {
                return Err(AppError::BadRequest("settings.bad_parent"));
            }
            Some(p)
        }
        None => None,
    };
    if name_taken(conn, actor.committee_id, parent.as_ref().map(|p| p.id), &name, None)? {
        return Err(AppError::Conflict("settings.name_taken"));
    }
    let taken: Vec<String> = opinion_categories::table
        .filter(opinion_categories::committee_id.eq(actor.committee_id))
        .select(opinion_categories::code)
        .load(conn)?;
    let code = category_code(code, parent.as_ref().map(|p| p.code.as_str()), &taken).map_err(AppError::BadRequest)?;
    let siblings: i64 = match &parent {
        Some(p) => opinion_categories::table.filter(opinion_categories::parent_id.eq(p.id)).count().get_result(conn)?,
        None => opinion_categories::table
            .filter(opinion_categories::committee_id.eq(actor.committee_id))
            .filter(opinion_categories::parent_id.is_null())
            .count()
            .get_result(conn)?,
    };
    let id: CategoryId = diesel::insert_into(opinion_categories::table)
        .values((
            opinion_categories::committee_id.eq(actor.committee_id),
            opinion_categories::parent_id.eq(parent.as_ref().map(|p| p.id)),
            opinion_categories::code.eq(&code),
            opinion_categories::name.eq(&name),
            opinion_categories::sort_order.eq(siblings as i32),
            opinion_categories::active.eq(true),
        ))
        .returning(opinion_categories::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { AppError::Conflict("settings.code_taken") } else { e.into() })?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("opinion_category.create", "opinion_category", id)
            .after(serde_json::json!({ "code": code, "name": name, "parent_id": parent.as_ref().map(|p| p.id) })),
    )?;
    Ok(id)
}

/// A new name; the code stays, so figures by code run on across the rename.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, category = %id))]
pub fn rename_category(conn: &mut DbConn, actor: &Actor, id: CategoryId, name: &str) -> AppResult<()> {
    require_district(actor)?;
    let name = category_name(name)?;
    let before = category_in(conn, actor.committee_id, id)?;
    if before.name == name {
        return Ok(());
    }
    if name_taken(conn, actor.committee_id, before.parent_id, &name, Some(id))? {
        return Err(AppError::Conflict("settings.name_taken"));
    }
    diesel::update(opinion_categories::table.find(id)).set(opinion_categories::name.eq(&name)).execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("opinion_category.rename", "opinion_category", id)
            .before(serde_json::json!({ "name": before.name }))
            .after(serde_json::json!({ "name": name })),
    )?;
    Ok(())
}

/// Deactivating hides a category from the box (cases keep it); a major class
/// takes its subclasses with it. A subclass comes back only under an active class.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, category = %id, active))]
pub fn set_category_active(conn: &mut DbConn, actor: &Actor, id: CategoryId, active: bool) -> AppResult<()> {
    require_district(actor)?;
    let c = category_in(conn, actor.committee_id, id)?;
    if active
        && let Some(p) = c.parent_id
        && !category_in(conn, actor.committee_id, p)?.active
    {
        return Err(AppError::Conflict("settings.parent_inactive"));
    }
    let changed = if active {
        // Reactivating a class brings back only the class: its subclasses
        // may have been switched off one by one for a reason.
        diesel::update(opinion_categories::table.find(id)).set(opinion_categories::active.eq(true)).execute(conn)?
    } else {
        let family = opinion_categories::table
            .filter(opinion_categories::committee_id.eq(actor.committee_id))
            .filter(opinion_categories::id.eq(id).or(opinion_categories::parent_id.eq(id)));
        diesel::update(family).set(opinion_categories::active.eq(false)).execute(conn)?
    };
    audit::record(
        conn,
        Who::User(actor),
        Change::new("opinion_category.active", "opinion_category", id)
            .before(serde_json::json!({ "active": c.active }))
            .after(serde_json::json!({ "active": active, "rows": changed })),
    )?;
    Ok(())
}

fn check_route_assignee(conn: &mut DbConn, committee_id: CommitteeId, assignee: Assignee) -> AppResult<()> {
    let (kind, id) = assignee.parts();
    let n: i64 = match kind {
        AssigneeKind::Department => departments::table
            .filter(departments::id.eq(id).and(departments::committee_id.eq(committee_id)))
            .filter(departments::active.eq(true))
            .count()
            .get_result(conn)?,
        AssigneeKind::Office => offices::table
            .filter(offices::id.eq(id).and(offices::committee_id.eq(committee_id)))
            .count()
            .get_result(conn)?,
        AssigneeKind::Member => members::table
            .filter(members::id.eq(id).and(members::committee_id.eq(committee_id)))
            .filter(members::status.eq("active"))
            .count()
            .get_result(conn)?,
    };
    if n == 0 { Err(AppError::BadRequest("opinion.bad_assignee")) } else { Ok(()) }
}

/// The routing table, for the district's settings page.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn routes(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Route>> {
    require_district(actor)?;
    Ok(opinion_routes::table
        .filter(opinion_routes::committee_id.eq(actor.committee_id))
        .order(opinion_routes::id.asc())
        .select(Route::as_select())
        .load(conn)?)
}

/// A route removed: the category then falls back to the committee-wide row or
/// its major class's (see `route_for`).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, route = id))]
pub fn remove_route(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<()> {
    require_district(actor)?;
    let r: Route = opinion_routes::table
        .find(id)
        .filter(opinion_routes::committee_id.eq(actor.committee_id))
        .select(Route::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    diesel::delete(opinion_routes::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("opinion.route_remove", "opinion_category", r.category_id).before(serde_json::json!({
            "office_id": r.office_id, "kind": r.assignee_kind.as_str(), "assignee_id": r.assignee_id, "days": r.answer_days
        })),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::category_code;

    fn taken(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn codes_follow_the_classification() {
        let t = taken(&["01", "0101", "0102", "02", "99", "9901"]);
        assert_eq!(category_code(None, None, &t), Ok("03".into()), "99 stays last");
        assert_eq!(category_code(None, Some("01"), &t), Ok("0103".into()));
        assert_eq!(category_code(None, Some("02"), &t), Ok("0201".into()));
        assert_eq!(category_code(Some(" 10 "), None, &t), Ok("10".into()));
        assert_eq!(category_code(Some("0110"), Some("01"), &t), Ok("0110".into()));
        assert_eq!(category_code(Some("01"), None, &t), Err("settings.code_taken"));
        assert_eq!(category_code(Some("0210"), Some("01"), &t), Err("settings.bad_code"), "not under its class");
        assert_eq!(category_code(Some("1"), None, &t), Err("settings.bad_code"));
        assert_eq!(category_code(Some("0A"), None, &t), Err("settings.bad_code"));
        assert_eq!(category_code(Some("00"), None, &t), Err("settings.bad_code"));
        assert_eq!(category_code(Some(""), None, &[]), Ok("01".into()), "blank is generated");
    }

    #[test]
    fn generated_codes_fill_gaps_when_the_top_is_used() {
        let mut all: Vec<String> = (1..=98).map(|n| format!("{n:02}")).collect();
        all.retain(|c| c != "40");
        assert_eq!(category_code(None, None, &all), Ok("40".into()));
        all.push("40".into());
        assert_eq!(category_code(None, None, &all), Err("settings.codes_full"));
    }
}
