//! Committees and offices in the database, always filtered by the actor's scope.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::model::OfficeKind;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, OfficeId};
use crate::kernel::time::now;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = committees)]
pub struct Committee {
    pub id: CommitteeId,
    pub code: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = offices)]
pub struct Office {
    pub id: OfficeId,
    pub committee_id: CommitteeId,
    pub name: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
}

impl Office {
    pub fn kind_label_key(&self) -> String {
        OfficeKind::parse(&self.kind).map(|k| k.label_key()).unwrap_or_default()
    }
}

pub fn committee(conn: &mut DbConn, id: CommitteeId) -> AppResult<Committee> {
    Ok(committees::table.find(id).select(Committee::as_select()).first(conn)?)
}

pub fn committee_by_code(conn: &mut DbConn, code: &str) -> AppResult<Option<Committee>> {
    Ok(committees::table.filter(committees::code.eq(code)).select(Committee::as_select()).first(conn).optional()?)
}

pub fn create_committee(conn: &mut DbConn, who: Who<'_>, code: &str, name: &str) -> AppResult<CommitteeId> {
    let id: CommitteeId = diesel::insert_into(committees::table)
        .values((committees::code.eq(code), committees::name.eq(name), committees::created_at.eq(now())))
        .returning(committees::id)
        .get_result(conn)?;
    audit::record(
        conn,
        who,
        Change::new("committee.create", "committee", id).after(serde_json::json!({ "code": code, "name": name })),
    )?;
    Ok(id)
}

pub fn create_office(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    name: &str,
    kind: OfficeKind,
) -> AppResult<OfficeId> {
    let id: OfficeId = diesel::insert_into(offices::table)
        .values((
            offices::committee_id.eq(committee_id),
            offices::name.eq(name),
            offices::kind.eq(kind.as_str()),
            offices::created_at.eq(now()),
        ))
        .returning(offices::id)
        .get_result(conn)?;
    audit::record(
        conn,
        who,
        Change::new("office.create", "office", id).after(serde_json::json!({ "name": name, "kind": kind.as_str() })),
    )?;
    Ok(id)
}

/// The offices the actor may see: all of the committee's, their own, or none.
pub fn list_offices(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Office>> {
    let q = offices::table
        .filter(offices::committee_id.eq(actor.committee_id))
        .order(offices::id.asc())
        .select(Office::as_select());
    Ok(match actor.office_scope() {
        OfficeScope::All => q.load(conn)?,
        OfficeScope::One(o) => q.filter(offices::id.eq(o)).load(conn)?,
        OfficeScope::None => vec![],
    })
}

/// One office, if the actor may see it; another committee's or office's is
/// "not found", exactly like one that does not exist.
pub fn get_office(conn: &mut DbConn, actor: &Actor, id: OfficeId) -> AppResult<Option<Office>> {
    let visible = match actor.office_scope() {
        OfficeScope::All => true,
        OfficeScope::One(o) => o == id,
        OfficeScope::None => false,
    };
    if !visible {
        return Ok(None);
    }
    Ok(offices::table
        .find(id)
        .filter(offices::committee_id.eq(actor.committee_id))
        .select(Office::as_select())
        .first(conn)
        .optional()?)
}

/// Office names for the account form: account managers assign users to offices
/// without reading the offices' records.
pub fn names_for_accounts(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(OfficeId, String)>> {
    if !actor.can_manage_accounts() {
        return Err(AppError::Forbidden);
    }
    Ok(offices::table
        .filter(offices::committee_id.eq(actor.committee_id))
        .order(offices::id.asc())
        .select((offices::id, offices::name))
        .load(conn)?)
}

pub fn office_by_name(conn: &mut DbConn, committee_id: CommitteeId, name: &str) -> AppResult<Option<Office>> {
    Ok(offices::table
        .filter(offices::committee_id.eq(committee_id).and(offices::name.eq(name)))
        .select(Office::as_select())
        .first(conn)
        .optional()?)
}
