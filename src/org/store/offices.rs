//! Committees and offices in the database, always filtered by the actor's
//! scope. The writes that take `Who` instead of an actor are for `setup`, the
//! demo and `gen`, which load data before anyone can log in.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, office_staffers, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, MemberId, OfficeId, UserId};
use crate::kernel::time::now;
use crate::org::model::{self, Employment, OfficeKind, Phone};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = committees)]
pub struct Committee {
    pub id: CommitteeId,
    pub code: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    /// The number residents may call about their cases (a lost tracking code).
    pub public_phone: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = offices)]
pub struct Office {
    pub id: OfficeId,
    pub committee_id: CommitteeId,
    pub name: String,
    pub kind: OfficeKind,
    pub created_at: NaiveDateTime,
    pub address: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub convener_id: Option<MemberId>,
    pub convener_post: Option<String>,
}

/// The actor's own committee (its name and code head pages and posters).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn committee(conn: &mut DbConn, actor: &Actor) -> AppResult<Committee> {
    Ok(committees::table.find(actor.committee_id).select(Committee::as_select()).first(conn)?)
}

/// A committee by the code in a public address. Unscoped: residents on the
/// public pages have no account; the CLI and the loaders have none either.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn committee_by_code_unscoped(conn: &mut DbConn, code: &str) -> AppResult<Option<Committee>> {
    Ok(committees::table.filter(committees::code.eq(code)).select(Committee::as_select()).first(conn).optional()?)
}

/// Every committee of the deployment, by name: the public front page lists
/// them. Unscoped: its visitors have no account.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn committees_unscoped(conn: &mut DbConn) -> AppResult<Vec<Committee>> {
    Ok(committees::table
        .order((committees::name.asc(), committees::id.asc()))
        .select(Committee::as_select())
        .load(conn)?)
}

/// The district sets the number residents may call about their cases; empty
/// clears it.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn set_public_phone(conn: &mut DbConn, actor: &Actor, phone: &str) -> AppResult<()> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    write_public_phone(conn, Who::User(actor), actor.committee_id, phone)
}

/// Writes a committee's public phone; permission is the caller's:
/// `set_public_phone`, and the demo, which has no acting user.
#[tracing::instrument(level = "debug", skip(conn, who))]
pub fn write_public_phone(conn: &mut DbConn, who: Who<'_>, id: CommitteeId, phone: &str) -> AppResult<()> {
    let phone = match phone.trim() {
        "" => None,
        p => Some(model::public_phone(p).ok_or(AppError::BadRequest("committee.bad_public_phone"))?),
    };
    let before: Option<String> = committees::table.find(id).select(committees::public_phone).first(conn)?;
    diesel::update(committees::table.find(id)).set(committees::public_phone.eq(&phone)).execute(conn)?;
    audit::record(
        conn,
        who,
        Change::new("committee.public_phone", "committee", id)
            .before(serde_json::json!({ "public_phone": before }))
            .after(serde_json::json!({ "public_phone": phone })),
    )?;
    Ok(())
}

/// A new committee; `setup::new_committee` only (and tests that make one).
#[tracing::instrument(level = "debug", skip(conn, who))]
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

/// A new office; the demo and `gen` only (a committee's offices are fixed).
#[tracing::instrument(level = "debug", skip(conn, who))]
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
            offices::kind.eq(kind),
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
#[tracing::instrument(level = "debug", skip(conn, actor))]
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
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn get_office(conn: &mut DbConn, actor: &Actor, id: OfficeId) -> AppResult<Option<Office>> {
    if !actor.sees_office(id) {
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
#[tracing::instrument(level = "debug", skip(conn, actor))]
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

/// An office by name; the CLI (`user add --office`) and the demo only, which
/// have no acting user.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn office_by_name(conn: &mut DbConn, committee_id: CommitteeId, name: &str) -> AppResult<Option<Office>> {
    Ok(offices::table
        .filter(offices::committee_id.eq(committee_id).and(offices::name.eq(name)))
        .select(Office::as_select())
        .first(conn)
        .optional()?)
}

/// What the district edits about an office.
#[derive(Debug, Clone, Serialize)]
pub struct OfficeUpdate {
    pub address: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub convener_id: Option<MemberId>,
    pub convener_post: Option<String>,
}

/// The district sets an office's address, founding date and convener (召集人,
/// a member of the committee, with their party post).
#[tracing::instrument(level = "debug", skip(conn, actor, upd))]
pub fn update_office(conn: &mut DbConn, actor: &Actor, id: OfficeId, upd: &OfficeUpdate) -> AppResult<()> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    get_office(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if let Some(m) = upd.convener_id
        && super::members::names(conn, actor, &[m])?.is_empty()
    {
        return Err(AppError::BadRequest("office.bad_convener"));
    }
    set_office_details(conn, Who::User(actor), id, upd)
}

/// Writes an office's details; permission is the caller's: `update_office`,
/// and the demo, which has no acting user.
#[tracing::instrument(level = "debug", skip(conn, who, upd))]
pub fn set_office_details(conn: &mut DbConn, who: Who<'_>, id: OfficeId, upd: &OfficeUpdate) -> AppResult<()> {
    if upd.address.as_ref().is_some_and(|a| a.chars().count() > 200)
        || upd.convener_post.as_ref().is_some_and(|p| p.chars().count() > 50)
    {
        return Err(AppError::BadRequest("office.too_long"));
    }
    let before: Office = offices::table.find(id).select(Office::as_select()).first(conn)?;
    diesel::update(offices::table.find(id))
        .set((
            offices::address.eq(&upd.address),
            offices::established_on.eq(upd.established_on),
            offices::convener_id.eq(upd.convener_id),
            offices::convener_post.eq(&upd.convener_post),
        ))
        .execute(conn)?;
    audit::record(conn, who, Change::new("office.update", "office", id).before(&before).after(upd))?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = office_staffers)]
pub struct Staffer {
    pub id: i64,
    pub committee_id: CommitteeId,
    pub office_id: OfficeId,
    pub name: String,
    pub phone: String,
    pub employment: Employment,
    pub user_id: Option<UserId>,
    pub created_at: NaiveDateTime,
}

/// An office's staffers; an office the actor may not see is "not found".
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn staffers(conn: &mut DbConn, actor: &Actor, office: OfficeId) -> AppResult<Vec<Staffer>> {
    get_office(conn, actor, office)?.ok_or(AppError::NotFound)?;
    Ok(office_staffers::table
        .filter(office_staffers::office_id.eq(office))
        .order(office_staffers::id.asc())
        .select(Staffer::as_select())
        .load(conn)?)
}

/// Adds a staffer (专职/兼职工作人员) to an office. Permission is the
/// caller's: `add_staffer_checked`, and the demo, which has no acting user.
#[tracing::instrument(level = "debug", skip(conn, who, name, phone))]
pub fn add_staffer(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    office: OfficeId,
    name: &str,
    phone: &Phone,
    employment: Employment,
) -> AppResult<i64> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(AppError::BadRequest("staffer.bad_name"));
    }
    let id: i64 = diesel::insert_into(office_staffers::table)
        .values((
            office_staffers::committee_id.eq(committee_id),
            office_staffers::office_id.eq(office),
            office_staffers::name.eq(name),
            office_staffers::phone.eq(phone.as_str()),
            office_staffers::employment.eq(employment),
            office_staffers::created_at.eq(now()),
        ))
        .returning(office_staffers::id)
        .get_result(conn)?;
    audit::record(
        conn,
        who,
        Change::new("office.staffer_add", "office", office)
            .after(serde_json::json!({ "name": name, "employment": employment.as_str() })),
    )?;
    Ok(id)
}

/// The district adds a staffer to an office.
#[tracing::instrument(level = "debug", skip(conn, actor, name, phone))]
pub fn add_staffer_checked(
    conn: &mut DbConn,
    actor: &Actor,
    office: OfficeId,
    name: &str,
    phone: &Phone,
    employment: Employment,
) -> AppResult<i64> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    get_office(conn, actor, office)?.ok_or(AppError::NotFound)?;
    add_staffer(conn, Who::User(actor), actor.committee_id, office, name, phone, employment)
}

#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn remove_staffer(conn: &mut DbConn, actor: &Actor, office: OfficeId, staffer: i64) -> AppResult<()> {
    if !model::can_manage_roster(actor) {
        return Err(AppError::Forbidden);
    }
    let n = diesel::delete(
        office_staffers::table.filter(
            office_staffers::id
                .eq(staffer)
                .and(office_staffers::office_id.eq(office))
                .and(office_staffers::committee_id.eq(actor.committee_id)),
        ),
    )
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(conn, Who::User(actor), Change::new("office.staffer_remove", "office", office))?;
    Ok(())
}

/// An office's name, for labels: any account of the committee may read the
/// names of its offices (a member's record names their office).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn office_name(conn: &mut DbConn, actor: &Actor, id: OfficeId) -> AppResult<Option<String>> {
    Ok(offices::table
        .find(id)
        .filter(offices::committee_id.eq(actor.committee_id))
        .select(offices::name)
        .first(conn)
        .optional()?)
}
