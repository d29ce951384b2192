//! 会议届次: the sessions proposals are numbered in (第N号 per session).
//! The district keeps the list; a submission files under the session whose
//! days hold it, else the latest of its year (`model::session_for`).

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::proposal_sessions as ps;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, ProposalSessionId};
use crate::kernel::time::now;
use crate::kernel::web::form;
use crate::proposals::model;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = ps)]
pub struct Session {
    pub id: ProposalSessionId,
    pub name: String,
    pub year: i32,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

/// The committee's sessions, the latest first. Everyone of the committee may
/// read the names (they head lists and the catalogue).
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Session>> {
    Ok(ps::table
        .filter(ps::committee_id.eq(actor.committee_id))
        .order((ps::opens_on.desc(), ps::id.desc()))
        .select(Session::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: ProposalSessionId) -> AppResult<Session> {
    ps::table
        .find(id)
        .filter(ps::committee_id.eq(actor.committee_id))
        .select(Session::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The session a proposal made on `on` files under, if any.
pub fn for_date(conn: &mut DbConn, committee: CommitteeId, on: NaiveDate) -> AppResult<Option<ProposalSessionId>> {
    let all: Vec<(ProposalSessionId, i32, NaiveDate, NaiveDate)> = ps::table
        .filter(ps::committee_id.eq(committee))
        .select((ps::id, ps::year, ps::opens_on, ps::closes_on))
        .load(conn)?;
    let plain: Vec<_> = all.iter().map(|s| (s.0.0, s.1, s.2, s.3)).collect();
    Ok(model::session_for(&plain, on).map(ProposalSessionId))
}

/// The committee's latest session, if any.
pub fn latest(conn: &mut DbConn, committee: CommitteeId) -> AppResult<Option<ProposalSessionId>> {
    Ok(ps::table
        .filter(ps::committee_id.eq(committee))
        .order((ps::opens_on.desc(), ps::id.desc()))
        .select(ps::id)
        .first(conn)
        .optional()?)
}

/// Whether `on` falls within the session's days (a 大会提案).
pub fn holds(conn: &mut DbConn, id: ProposalSessionId, on: NaiveDate) -> AppResult<bool> {
    let (opens, closes): (NaiveDate, NaiveDate) =
        ps::table.find(id).select((ps::opens_on, ps::closes_on)).first(conn)?;
    Ok(model::in_session(opens, closes, on))
}

/// The district adds a session: its name (十届五次会议) and its days.
pub fn add(
    conn: &mut DbConn,
    actor: &Actor,
    name: &str,
    opens_on: &Option<String>,
    closes_on: &Option<String>,
) -> AppResult<()> {
    if !model::is_staff(actor) {
        return Err(AppError::Forbidden);
    }
    let days = |d: &Option<String>| form::date(d)?.ok_or(AppError::BadRequest("proposal.bad_session_days"));
    let (opens_on, closes_on) = (days(opens_on)?, days(closes_on)?);
    let name = form::bounded(name, 40, "proposal.session_name_too_long")?;
    if name.is_empty() {
        return Err(AppError::BadRequest("proposal.session_name_required"));
    }
    if closes_on < opens_on || (closes_on - opens_on).num_days() > 30 {
        return Err(AppError::BadRequest("proposal.bad_session_days"));
    }
    let id: ProposalSessionId = diesel::insert_into(ps::table)
        .values((
            ps::committee_id.eq(actor.committee_id),
            ps::name.eq(&name),
            ps::year.eq(opens_on.year()),
            ps::opens_on.eq(opens_on),
            ps::closes_on.eq(closes_on),
            ps::created_at.eq(now()),
        ))
        .returning(ps::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("proposal.session_add", "proposal_session", id)
            .after(serde_json::json!({ "name": name, "opens_on": opens_on, "closes_on": closes_on })),
    )
}

/// A session for a new committee or the demo, by the caller's authority.
pub fn add_unscoped(
    conn: &mut DbConn,
    committee: CommitteeId,
    name: &str,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
) -> AppResult<ProposalSessionId> {
    Ok(diesel::insert_into(ps::table)
        .values((
            ps::committee_id.eq(committee),
            ps::name.eq(name),
            ps::year.eq(opens_on.year()),
            ps::opens_on.eq(opens_on),
            ps::closes_on.eq(closes_on),
            ps::created_at.eq(now()),
        ))
        .returning(ps::id)
        .get_result(conn)?)
}
