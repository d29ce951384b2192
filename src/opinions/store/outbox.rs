//! The outbox: every message to a resident or a handler is a row, sent by a
//! channel driver from the job queue and visible to staff.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::outbox;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::CommitteeId;
use crate::kernel::time::now;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = outbox)]
pub struct Message {
    pub id: i64,
    pub committee_id: CommitteeId,
    pub channel: String,
    #[serde(skip)]
    pub recipient: String,
    pub recipient_masked: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub struct NewMessage<'a> {
    pub committee_id: CommitteeId,
    pub channel: &'a str,
    /// Encrypted (personal data).
    pub recipient: &'a str,
    pub recipient_masked: &'a str,
    /// What it is about, e.g. `opinion:42`.
    pub subject: &'a str,
    pub body: &'a str,
}

/// The row for one delivery, created on the first attempt and found again on
/// each retry: (its id, already sent?). A retried job thus never sends twice
/// what the channel accepted, and the outbox shows one row with its attempts.
pub fn queue_once(conn: &mut DbConn, m: &NewMessage<'_>, key: &str) -> AppResult<(i64, bool)> {
    let found: Option<(i64, String)> =
        outbox::table.filter(outbox::dedupe_key.eq(key)).select((outbox::id, outbox::status)).first(conn).optional()?;
    if let Some((id, status)) = found {
        return Ok((id, status == "sent"));
    }
    let id = queue(conn, m)?;
    diesel::update(outbox::table.find(id)).set(outbox::dedupe_key.eq(Some(key))).execute(conn)?;
    Ok((id, false))
}

/// An in-app message to a unit or a member (`office:3`, `member:7`,
/// `district`), written once per `key` however often a job runs; returns
/// whether it is new. In-app messages are delivered by being there.
pub fn note_once(
    conn: &mut DbConn,
    committee: CommitteeId,
    to: &str,
    subject: &str,
    body: &str,
    key: &str,
) -> AppResult<bool> {
    // A unit or a member's id, never a phone: nothing here is personal data.
    let msg =
        NewMessage { committee_id: committee, channel: "inapp", recipient: to, recipient_masked: to, subject, body };
    let (id, done) = queue_once(conn, &msg, key)?;
    if !done {
        mark(conn, id, None)?;
    }
    Ok(!done)
}

pub fn queue(conn: &mut DbConn, m: &NewMessage<'_>) -> AppResult<i64> {
    Ok(diesel::insert_into(outbox::table)
        .values((
            outbox::committee_id.eq(m.committee_id),
            outbox::channel.eq(m.channel),
            outbox::recipient.eq(m.recipient),
            outbox::recipient_masked.eq(m.recipient_masked),
            outbox::subject.eq(m.subject),
            outbox::body.eq(m.body),
            outbox::status.eq("queued"),
            outbox::attempts.eq(0),
            outbox::created_at.eq(now()),
        ))
        .returning(outbox::id)
        .get_result(conn)?)
}

pub fn mark(conn: &mut DbConn, id: i64, error: Option<&str>) -> AppResult<()> {
    let (status, sent) = match error {
        None => ("sent", Some(now())),
        Some(_) => ("failed", None),
    };
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(status),
            outbox::sent_at.eq(sent),
            outbox::last_error.eq(error),
            outbox::attempts.eq(outbox::attempts + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Messages about one subject (a case's pushes), newest first.
pub fn about(conn: &mut DbConn, committee_id: CommitteeId, subject: &str) -> AppResult<Vec<Message>> {
    Ok(outbox::table
        .filter(outbox::committee_id.eq(committee_id).and(outbox::subject.eq(subject)))
        .order(outbox::id.desc())
        .select(Message::as_select())
        .load(conn)?)
}

/// The district's view of recent messages (failed ones to chase).
pub fn recent(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Message>> {
    if actor.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    Ok(outbox::table
        .filter(outbox::committee_id.eq(actor.committee_id))
        .order(outbox::id.desc())
        .limit(100)
        .select(Message::as_select())
        .load(conn)?)
}
