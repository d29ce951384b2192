//! Sectors (界别): the committee's list, pre-filled with the standard ones.
//! `seed_standard` (setup) and `by_name` (the demo) run before anyone can log in.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::schema::{members, sectors};
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, SectorId};
use crate::kernel::time::now;
use crate::org::model::{self, MemberStatus, STANDARD_SECTORS};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sectors)]
pub struct Sector {
    pub id: SectorId,
    pub committee_id: CommitteeId,
    pub name: String,
    pub sort_order: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

/// Every sector of the actor's committee (anyone in the committee may read it:
/// forms offer them).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Sector>> {
    Ok(sectors::table
        .filter(sectors::committee_id.eq(actor.committee_id))
        .order((sectors::sort_order.asc(), sectors::id.asc()))
        .select(Sector::as_select())
        .load(conn)?)
}

/// With the number of members (in office) in each: the sectors page, for those
/// who read the roster.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn list_with_counts(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(Sector, i64)>> {
    if !model::can_read_roster(actor) {
        return Err(AppError::Forbidden);
    }
    let all = list(conn, actor)?;
    let counts: Vec<(Option<SectorId>, i64)> = members::table
        .filter(members::committee_id.eq(actor.committee_id).and(members::status.eq(MemberStatus::Active)))
        .group_by(members::sector_id)
        .select((members::sector_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(all
        .into_iter()
        .map(|s| {
            let n = counts.iter().find(|(id, _)| *id == Some(s.id)).map(|(_, n)| *n).unwrap_or(0);
            (s, n)
        })
        .collect())
}

fn insert(conn: &mut DbConn, who: Who<'_>, committee_id: CommitteeId, name: &str, order: i32) -> AppResult<SectorId> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(AppError::BadRequest("sector.bad_name"));
    }
    let id: SectorId = diesel::insert_into(sectors::table)
        .values((
            sectors::committee_id.eq(committee_id),
            sectors::name.eq(name),
            sectors::sort_order.eq(order),
            sectors::active.eq(true),
            sectors::created_at.eq(now()),
        ))
        .returning(sectors::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { AppError::Conflict("sector.name_taken") } else { e.into() })?;
    audit::record(conn, who, Change::new("sector.create", "sector", id).after(serde_json::json!({ "name": name })))?;
    Ok(id)
}

/// A new committee starts with the standard CPPCC sectors (`setup` only).
#[tracing::instrument(level = "debug", skip(conn, who))]
pub fn seed_standard(conn: &mut DbConn, who: impl Fn() -> Who<'static>, committee_id: CommitteeId) -> AppResult<()> {
    for (i, name) in STANDARD_SECTORS.iter().enumerate() {
        insert(conn, who(), committee_id, name, (i as i32 + 1) * 10)?;
    }
    Ok(())
}

#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn create(conn: &mut DbConn, actor: &Actor, name: &str) -> AppResult<SectorId> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    let next: Option<i32> = sectors::table
        .filter(sectors::committee_id.eq(actor.committee_id))
        .select(diesel::dsl::max(sectors::sort_order))
        .first(conn)?;
    insert(conn, Who::User(actor), actor.committee_id, name, next.unwrap_or(0) + 10)
}

/// Renames a sector, or retires it from new choices (members keep it).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn update(conn: &mut DbConn, actor: &Actor, id: SectorId, name: &str, active: bool) -> AppResult<()> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(AppError::BadRequest("sector.bad_name"));
    }
    let before: Sector = sectors::table
        .find(id)
        .filter(sectors::committee_id.eq(actor.committee_id))
        .select(Sector::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    diesel::update(sectors::table.find(id))
        .set((sectors::name.eq(name), sectors::active.eq(active)))
        .execute(conn)
        .map_err(|e| if is_unique_violation(&e) { AppError::Conflict("sector.name_taken") } else { e.into() })?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("sector.update", "sector", id)
            .before(&before)
            .after(serde_json::json!({ "name": name, "active": active })),
    )?;
    Ok(())
}

/// A sector by name; the demo only, which has no acting user.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn by_name(conn: &mut DbConn, committee_id: CommitteeId, name: &str) -> AppResult<Option<Sector>> {
    Ok(sectors::table
        .filter(sectors::committee_id.eq(committee_id).and(sectors::name.eq(name.trim())))
        .select(Sector::as_select())
        .first(conn)
        .optional()?)
}
