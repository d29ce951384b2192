//! Localities (村/社区) under an office. The writes that take `Who` instead of
//! an actor serve the roster import (which checks its permission first) and
//! the loaders.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope};
use crate::kernel::db::schema::localities;
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, LocalityId, OfficeId};
use crate::kernel::time::now;
use crate::org::model::{self, LocalityKind};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = localities)]
pub struct Locality {
    pub id: LocalityId,
    pub committee_id: CommitteeId,
    pub office_id: OfficeId,
    pub name: String,
    pub kind: LocalityKind,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Locality {
    /// Whether writing `d` would change nothing (the roster import's preview
    /// counts these, and `write_unscoped` skips them).
    pub fn unchanged_by(&self, d: &LocalityData) -> bool {
        self.name == d.name.trim()
            && self.kind == d.kind
            && self.address == d.address
            && self.latitude == d.latitude
            && self.longitude == d.longitude
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LocalityData {
    pub name: String,
    pub kind: LocalityKind,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl LocalityData {
    pub fn check(&self) -> Result<(), &'static str> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > 50 {
            return Err("locality.bad_name");
        }
        if self.address.as_ref().is_some_and(|a| a.chars().count() > 200) {
            return Err("locality.bad_address");
        }
        match (self.latitude, self.longitude) {
            (None, None) => Ok(()),
            (Some(lat), Some(lng)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) => Ok(()),
            _ => Err("locality.bad_coordinates"),
        }
    }
}

/// The localities the actor may see, optionally of one office.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn list(conn: &mut DbConn, actor: &Actor, office: Option<OfficeId>) -> AppResult<Vec<Locality>> {
    let mut q = localities::table.filter(localities::committee_id.eq(actor.committee_id)).into_boxed();
    match actor.office_scope() {
        OfficeScope::All => {}
        OfficeScope::One(o) => q = q.filter(localities::office_id.eq(o)),
        OfficeScope::None => return Ok(vec![]),
    }
    if let Some(o) = office {
        q = q.filter(localities::office_id.eq(o));
    }
    Ok(q.order((localities::office_id.asc(), localities::id.asc())).select(Locality::as_select()).load(conn)?)
}

/// One locality, if the actor may see its office.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn get(conn: &mut DbConn, actor: &Actor, id: LocalityId) -> AppResult<Option<Locality>> {
    let l: Option<Locality> = localities::table
        .find(id)
        .filter(localities::committee_id.eq(actor.committee_id))
        .select(Locality::as_select())
        .first(conn)
        .optional()?;
    Ok(l.filter(|l| actor.sees_office(l.office_id)))
}

fn name_conflict(e: diesel::result::Error) -> AppError {
    if is_unique_violation(&e) { AppError::Conflict("locality.name_taken") } else { e.into() }
}

/// Inserts a locality. Unscoped, permission is the caller's: `create`, the
/// roster import (the district's, checked before it plans), the loaders.
#[tracing::instrument(level = "debug", skip(conn, who, d))]
pub fn insert_unscoped(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    office: OfficeId,
    d: &LocalityData,
) -> AppResult<LocalityId> {
    d.check().map_err(AppError::BadRequest)?;
    let now = now();
    let id: LocalityId = diesel::insert_into(localities::table)
        .values((
            localities::committee_id.eq(committee_id),
            localities::office_id.eq(office),
            localities::name.eq(d.name.trim()),
            localities::kind.eq(d.kind),
            localities::address.eq(&d.address),
            localities::latitude.eq(d.latitude),
            localities::longitude.eq(d.longitude),
            localities::created_at.eq(now),
            localities::updated_at.eq(now),
        ))
        .returning(localities::id)
        .get_result(conn)
        .map_err(name_conflict)?;
    audit::record(conn, who, Change::new("locality.create", "locality", id).after(d))?;
    Ok(id)
}

/// Office staff add localities to their own office; the district to any.
#[tracing::instrument(level = "debug", skip(conn, actor, d))]
pub fn create(conn: &mut DbConn, actor: &Actor, office: OfficeId, d: &LocalityData) -> AppResult<LocalityId> {
    if !model::can_manage_office(actor, office) {
        return Err(AppError::Forbidden);
    }
    super::offices::get_office(conn, actor, office)?.ok_or(AppError::NotFound)?;
    insert_unscoped(conn, Who::User(actor), actor.committee_id, office, d)
}

/// Writes a locality's fields; returns whether anything changed. Unscoped,
/// permission is the caller's: `update`, and the roster import.
#[tracing::instrument(level = "debug", skip(conn, who, existing, d), fields(id = %existing.id))]
pub fn write_unscoped(conn: &mut DbConn, who: Who<'_>, existing: &Locality, d: &LocalityData) -> AppResult<bool> {
    d.check().map_err(AppError::BadRequest)?;
    if existing.unchanged_by(d) {
        return Ok(false);
    }
    diesel::update(localities::table.find(existing.id))
        .set((
            localities::name.eq(d.name.trim()),
            localities::kind.eq(d.kind),
            localities::address.eq(&d.address),
            localities::latitude.eq(d.latitude),
            localities::longitude.eq(d.longitude),
            localities::updated_at.eq(now()),
        ))
        .execute(conn)
        .map_err(name_conflict)?;
    audit::record(conn, who, Change::new("locality.update", "locality", existing.id).before(existing).after(d))?;
    Ok(true)
}

#[tracing::instrument(level = "debug", skip(conn, actor, d))]
pub fn update(conn: &mut DbConn, actor: &Actor, id: LocalityId, d: &LocalityData) -> AppResult<()> {
    let existing = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !model::can_manage_office(actor, existing.office_id) {
        return Err(AppError::Forbidden);
    }
    write_unscoped(conn, Who::User(actor), &existing, d)?;
    Ok(())
}
