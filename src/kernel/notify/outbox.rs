//! The outbox: every message to a resident or a handler is a row, sent by a
//! channel driver from the job queue and visible to staff.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::code_enum;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::outbox;
use crate::kernel::error::AppResult;
use crate::kernel::ids::CommitteeId;
use crate::kernel::time::now;

code_enum!(
    /// How a message travels: in-app (delivered by being in the outbox) or a
    /// text through the configured SMS driver.
    Channel, "channel" {
        InApp = "inapp",
        SmsLog = "sms-log",
        SmsHttp = "sms-http",
        /// A WeCom group robot (`robots`).
        Wecom = "wecom",
        /// A DingTalk group robot.
        Dingtalk = "dingtalk",
        /// The 12345 hotline's exchange (`crate::api::hotline`).
        Hotline = "hotline",
    }
);

code_enum!(
    /// Where a message is on its way.
    Delivery, "delivery" {
        Queued = "queued",
        Sent = "sent",
        /// The last attempt failed; a transient failure is retried by its job.
        Failed = "failed",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = outbox)]
pub struct Message {
    pub id: i64,
    pub committee_id: CommitteeId,
    pub channel: Channel,
    #[serde(skip)]
    pub recipient: String,
    pub recipient_masked: String,
    pub subject: String,
    pub body: String,
    pub status: Delivery,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// The job that delivers it, when a job does (`set_job`).
    pub job_id: Option<i64>,
}

pub struct NewMessage<'a> {
    pub committee_id: CommitteeId,
    pub channel: Channel,
    /// Encrypted where it is personal data (a phone); a unit's address in-app.
    pub recipient: &'a str,
    pub recipient_masked: &'a str,
    /// What it is about, e.g. `opinion:42`.
    pub subject: &'a str,
    pub body: &'a str,
}

/// The row for one delivery, created on the first attempt and found again on
/// each retry: (its id, already sent?). A retried job thus never sends twice
/// what the channel accepted, and the outbox shows one row with its attempts.
#[tracing::instrument(level = "debug", skip(conn, m), fields(channel = %m.channel, subject = m.subject))]
pub fn queue_once(conn: &mut DbConn, m: &NewMessage<'_>, key: &str) -> AppResult<(i64, bool)> {
    let found: Option<(i64, Delivery)> =
        outbox::table.filter(outbox::dedupe_key.eq(key)).select((outbox::id, outbox::status)).first(conn).optional()?;
    if let Some((id, status)) = found {
        return Ok((id, status == Delivery::Sent));
    }
    let id = queue(conn, m)?;
    diesel::update(outbox::table.find(id)).set(outbox::dedupe_key.eq(Some(key))).execute(conn)?;
    Ok((id, false))
}

/// `queue_once` for a message that job `job` delivers: the row remembers
/// the job, so the deliveries page can queue it again after a failure.
pub fn queue_once_by_job(
    conn: &mut DbConn,
    m: &NewMessage<'_>,
    key: &str,
    job: crate::kernel::ids::JobId,
) -> AppResult<(i64, bool)> {
    let (id, done) = queue_once(conn, m, key)?;
    set_job(conn, id, job)?;
    Ok((id, done))
}

/// A new message, queued for its channel.
#[tracing::instrument(level = "debug", skip(conn, m), fields(channel = %m.channel, subject = m.subject))]
pub fn queue(conn: &mut DbConn, m: &NewMessage<'_>) -> AppResult<i64> {
    Ok(diesel::insert_into(outbox::table)
        .values((
            outbox::committee_id.eq(m.committee_id),
            outbox::channel.eq(m.channel),
            outbox::recipient.eq(m.recipient),
            outbox::recipient_masked.eq(m.recipient_masked),
            outbox::subject.eq(m.subject),
            outbox::body.eq(m.body),
            outbox::status.eq(Delivery::Queued),
            outbox::attempts.eq(0),
            outbox::created_at.eq(now()),
        ))
        .returning(outbox::id)
        .get_result(conn)?)
}

/// Records an attempt: sent, or failed with `error`.
#[tracing::instrument(level = "debug", skip(conn, error), fields(failed = error.is_some()))]
pub fn mark(conn: &mut DbConn, id: i64, error: Option<&str>) -> AppResult<()> {
    let (status, sent) = match error {
        None => (Delivery::Sent, Some(now())),
        Some(_) => (Delivery::Failed, None),
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

/// Records which job delivers message `id`, so that the deliveries page can
/// send a failed one again by queueing its job again.
pub fn set_job(conn: &mut DbConn, id: i64, job: crate::kernel::ids::JobId) -> AppResult<()> {
    diesel::update(outbox::table.find(id)).set(outbox::job_id.eq(Some(job.0))).execute(conn)?;
    Ok(())
}
