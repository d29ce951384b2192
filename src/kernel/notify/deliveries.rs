//! What went out beyond the app (texts, group robots) and how it fared: the
//! district's deliveries page, and sending a failed message again.

use diesel::prelude::*;

use super::outbox::{Channel, Delivery, Message};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{jobs, outbox};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::jobs::model::JobStatus;
use crate::kernel::time::now;

/// The channels that leave the app (in-app messages are delivered by being there).
pub const OUTSIDE: [Channel; 5] =
    [Channel::SmsLog, Channel::SmsHttp, Channel::Wecom, Channel::Dingtalk, Channel::Hotline];

/// Only the district sees and resends deliveries: they hold every office's.
fn allowed(actor: &Actor) -> AppResult<()> {
    if actor.role == Role::DistrictAdmin { Ok(()) } else { Err(AppError::Forbidden) }
}

/// A delivery with its job's state.
pub struct Row {
    pub message: Message,
    /// Dead: the queue gave up after its tries.
    pub job_status: Option<JobStatus>,
}

impl Row {
    /// The queue gave up on it after its tries.
    pub fn given_up(&self) -> bool {
        self.job_status == Some(JobStatus::Dead)
    }

    /// Failed for good: refused, or given up after the tries. Such a row may be sent again.
    pub fn can_resend(&self) -> bool {
        self.message.status == Delivery::Failed
            && self.job_status != Some(JobStatus::Queued)
            && self.job_status != Some(JobStatus::Running)
            && self.message.job_id.is_some()
    }
}

/// The newest 200 deliveries, or only the failed ones.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, failed_only))]
pub fn list(conn: &mut DbConn, actor: &Actor, failed_only: bool) -> AppResult<Vec<Row>> {
    allowed(actor)?;
    let mut q = outbox::table
        .filter(outbox::committee_id.eq(actor.committee_id))
        .filter(outbox::channel.eq_any(OUTSIDE))
        .into_boxed();
    if failed_only {
        q = q.filter(outbox::status.eq(Delivery::Failed));
    }
    let messages: Vec<Message> = q.order(outbox::id.desc()).limit(200).select(Message::as_select()).load(conn)?;
    let job_ids: Vec<i64> = messages.iter().filter_map(|m| m.job_id).collect();
    let states: Vec<(i64, JobStatus)> =
        jobs::table.filter(jobs::id.eq_any(&job_ids)).select((jobs::id, jobs::status)).load(conn)?;
    Ok(messages
        .into_iter()
        .map(|m| Row {
            job_status: m.job_id.and_then(|j| states.iter().find(|(id, _)| *id == j).map(|(_, s)| *s)),
            message: m,
        })
        .collect())
}

/// Sends a failed message again: its job is queued afresh with all its
/// tries; the message shows as queued until the job has run.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, message = id))]
pub fn resend(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<()> {
    allowed(actor)?;
    let rows = list_one(conn, actor, id)?;
    let row = rows.ok_or(AppError::NotFound)?;
    if !row.can_resend() {
        return Err(AppError::Conflict("delivery.not_failed"));
    }
    let job = row.message.job_id.ok_or(AppError::Conflict("delivery.not_failed"))?;
    let requeued = diesel::update(jobs::table.find(job).filter(jobs::status.ne(JobStatus::Running)))
        .set((
            jobs::status.eq(JobStatus::Queued),
            jobs::attempts.eq(0),
            jobs::run_at.eq(now()),
            jobs::finished_at.eq(None::<chrono::NaiveDateTime>),
            jobs::locked_by.eq(None::<String>),
        ))
        .execute(conn)?;
    // Its job is gone (purged) or was claimed meanwhile: nothing to resend.
    if requeued != 1 {
        return Err(AppError::Conflict("delivery.not_failed"));
    }
    diesel::update(outbox::table.find(id)).set(outbox::status.eq(Delivery::Queued)).execute(conn)?;
    audit::record(conn, Who::User(actor), Change::new("delivery.resend", "outbox", id))
}

fn list_one(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Option<Row>> {
    let m: Option<Message> = outbox::table
        .filter(outbox::id.eq(id).and(outbox::committee_id.eq(actor.committee_id)))
        .filter(outbox::channel.eq_any(OUTSIDE))
        .select(Message::as_select())
        .get_result(conn)
        .optional()?;
    let Some(m) = m else { return Ok(None) };
    let job_status = match m.job_id {
        Some(j) => jobs::table.find(j).select(jobs::status).get_result(conn).optional()?,
        None => None,
    };
    Ok(Some(Row { message: m, job_status }))
}
