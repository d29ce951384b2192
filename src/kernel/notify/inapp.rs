//! In-app messages: a row in the outbox addressed to a unit (an office, a
//! department, a member, the district), delivered by being there. Units read
//! digests and urgent alerts in their inboxes (home pages show current counts
//! instead); reminders and digests are written once per dedupe key however
//! often their job runs.

use std::fmt;
use std::str::FromStr;

use diesel::prelude::*;

use super::outbox::{self, Channel, Message, NewMessage};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::outbox as outbox_t;
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, DepartmentId, MemberId, OfficeId};

/// Who an in-app message is for. Stored in the outbox's `recipient` as
/// `office:3`, `department:5`, `member:7` or `district`: a unit, never a
/// person's contact, so nothing here is personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// The district committee's staff.
    District,
    Office(OfficeId),
    Department(DepartmentId),
    Member(MemberId),
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::District => f.write_str("district"),
            Unit::Office(id) => write!(f, "office:{id}"),
            Unit::Department(id) => write!(f, "department:{id}"),
            Unit::Member(id) => write!(f, "member:{id}"),
        }
    }
}

impl FromStr for Unit {
    type Err = ();

    fn from_str(s: &str) -> Result<Unit, ()> {
        if s == "district" {
            return Ok(Unit::District);
        }
        let (kind, id) = s.split_once(':').ok_or(())?;
        let id: i64 = id.parse().map_err(|_| ())?;
        match kind {
            "office" => Ok(Unit::Office(OfficeId(id))),
            "department" => Ok(Unit::Department(DepartmentId(id))),
            "member" => Ok(Unit::Member(MemberId(id))),
            _ => Err(()),
        }
    }
}

/// Writes a message to `to`, delivered at once; `shown_as` is what staff
/// see as its recipient (the unit's name). Returns the outbox row.
#[tracing::instrument(level = "debug", skip(conn, shown_as, body), fields(to = %to))]
pub fn post(
    conn: &mut DbConn,
    committee: CommitteeId,
    to: Unit,
    shown_as: &str,
    subject: &str,
    body: &str,
) -> AppResult<i64> {
    let address = to.to_string();
    let id = outbox::queue(conn, &message(committee, &address, shown_as, subject, body))?;
    outbox::mark(conn, id, None)?;
    // The unit's group chats get the digest and urgent alerts too.
    if super::robots::model::goes_to_robots(subject) {
        super::robots::store::fan_out(conn, committee, to, subject, body)?;
    }
    Ok(id)
}

/// An in-app message: its address is a unit, never a person's contact.
fn message<'a>(
    committee: CommitteeId,
    address: &'a str,
    shown_as: &'a str,
    subject: &'a str,
    body: &'a str,
) -> NewMessage<'a> {
    NewMessage {
        committee_id: committee,
        channel: Channel::InApp,
        recipient: address,
        recipient_masked: shown_as,
        subject,
        body,
    }
}

/// A message to `to`, written once per `key` however often a job runs;
/// returns whether it is new.
#[tracing::instrument(level = "debug", skip(conn, body), fields(to = %to))]
pub fn note_once(
    conn: &mut DbConn,
    committee: CommitteeId,
    to: Unit,
    subject: &str,
    body: &str,
    key: &str,
) -> AppResult<bool> {
    let address = to.to_string();
    let (id, done) = outbox::queue_once(conn, &message(committee, &address, &address, subject, body), key)?;
    if !done {
        outbox::mark(conn, id, None)?;
    }
    Ok(!done)
}

/// Whether `to` already has a message about `subject`.
#[tracing::instrument(level = "debug", skip(conn), fields(to = %to))]
pub fn has(conn: &mut DbConn, committee: CommitteeId, to: Unit, subject: &str) -> AppResult<bool> {
    let n: i64 = outbox_t::table
        .filter(outbox_t::committee_id.eq(committee))
        .filter(outbox_t::recipient.eq(to.to_string()).and(outbox_t::subject.eq(subject)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The latest `limit` messages to `to` whose subject is `like` (an SQL
/// pattern such as `activity-%`), newest first.
#[tracing::instrument(level = "debug", skip(conn), fields(to = %to))]
pub fn to_unit(conn: &mut DbConn, committee: CommitteeId, to: Unit, like: &str, limit: i64) -> AppResult<Vec<Message>> {
    Ok(outbox_t::table
        .filter(outbox_t::committee_id.eq(committee))
        .filter(outbox_t::channel.eq(Channel::InApp).and(outbox_t::recipient.eq(to.to_string())))
        .filter(outbox_t::subject.like(like))
        .order(outbox_t::id.desc())
        .limit(limit)
        .select(Message::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_back_as_written() {
        for u in
            [Unit::District, Unit::Office(OfficeId(3)), Unit::Department(DepartmentId(5)), Unit::Member(MemberId(7))]
        {
            assert_eq!(u.to_string().parse::<Unit>(), Ok(u));
        }
        assert_eq!(Unit::Office(OfficeId(3)).to_string(), "office:3");
        for bad in ["", "office", "office:x", "unit:3", "district:1"] {
            assert!(bad.parse::<Unit>().is_err(), "{bad}");
        }
    }
}
