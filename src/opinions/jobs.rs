//! Background work of the opinion box: one push per public status change to
//! the resident, and the hourly sweep (reminders, escalation 督办, auto-close).

use chrono::Duration;
use diesel::prelude::*;

use super::model::{AUTO_CLOSE_DAYS, Action, Status};
use super::store::cases::{self, Step};
use super::store::outbox::{self, NewMessage};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, opinion_events, opinions};
use crate::kernel::error::AppResult;
use crate::kernel::ids::OpinionId;
use crate::kernel::jobs::{JobCtx, Registry};
use crate::kernel::personal::{Vault, mask_phone};
use crate::kernel::time::now;

pub const NOTIFY_RESIDENT: &str = "opinions.notify";
pub const SWEEP: &str = "opinions.sweep";

/// Delivers a text to a phone. Production plugs an SMS gateway in here; the
/// default driver writes the message to the log (it is in the outbox either way).
pub trait SmsChannel: Send + Sync {
    fn name(&self) -> &'static str;
    fn send(&self, phone: &str, text: &str) -> anyhow::Result<()>;
}

/// Development and demo: the message goes to the log, the number masked.
pub struct LogSms;

impl SmsChannel for LogSms {
    fn name(&self) -> &'static str {
        "sms-log"
    }
    fn send(&self, phone: &str, text: &str) -> anyhow::Result<()> {
        tracing::info!(to = %mask_phone(phone), %text, "sms");
        Ok(())
    }
}

pub fn register(registry: &mut Registry, vault: Vault) {
    let channel: std::sync::Arc<dyn SmsChannel> = std::sync::Arc::new(LogSms);
    registry.register(NOTIFY_RESIDENT, move |ctx: JobCtx, payload| {
        let vault = vault.clone();
        let channel = channel.clone();
        async move { notify(ctx, payload, vault, channel).await }
    });
    registry.register(SWEEP, |ctx: JobCtx, _| async move {
        let n = ctx.db.write(|c| sweep(c, now())).await?;
        tracing::info!(reminded = n.0, escalated = n.1, auto_closed = n.2, "opinion sweep");
        Ok(())
    });
}

/// The text a resident gets for a public event of their case.
fn message(committee: &str, code: &str, kind: &str) -> String {
    let what = match kind {
        "accepted" => "已受理",
        "rejected" => "未予受理，原因可凭查询码查看",
        "assigned" | "reassigned" => "已交有关单位办理",
        "signed" => "承办单位已签收，正在办理",
        "answered" => "已有答复，请凭查询码查看并评价",
        "reopened" => "已重新办理",
        "rated" | "auto_closed" => "已办结，感谢您的参与",
        "merged" => "已与相同问题合并办理",
        _ => "有新进展",
    };
    format!("【{committee}】您反映的问题（查询码 {code}）{what}。")
}

async fn notify(
    ctx: JobCtx,
    payload: serde_json::Value,
    vault: Vault,
    channel: std::sync::Arc<dyn SmsChannel>,
) -> anyhow::Result<()> {
    let id = OpinionId(payload["opinion_id"].as_i64().unwrap_or_default());
    let event_id = payload["event_id"].as_i64().unwrap_or_default();
    let found = ctx
        .db
        .write(move |c| {
            let o: Option<(String, Option<String>, i64)> = opinions::table
                .find(id)
                .select((opinions::code, opinions::submitter_phone, opinions::committee_id))
                .first(c)
                .optional()?;
            let kind: Option<String> =
                opinion_events::table.find(event_id).select(opinion_events::kind).first::<String>(c).optional()?;
            let Some(((code, Some(phone), committee), kind)) = o.zip(kind) else { return Ok(None) };
            let name: String = committees::table.find(committee).select(committees::name).first(c)?;
            Ok(Some((code, phone, committee, kind, name)))
        })
        .await?;
    let Some((code, phone_enc, committee, kind, committee_name)) = found else { return Ok(()) };
    let phone = vault.decrypt(&phone_enc)?;
    let text = message(&committee_name, &code, &kind);
    let masked = mask_phone(&phone);
    let subject = format!("opinion:{}", id.0);
    let (channel_name, body, masked2) = (channel.name(), text.clone(), masked.clone());
    let msg_id = ctx
        .db
        .write(move |c| {
            outbox::queue(
                c,
                &NewMessage {
                    committee_id: crate::kernel::ids::CommitteeId(committee),
                    channel: channel_name,
                    recipient: &phone_enc,
                    recipient_masked: &masked2,
                    subject: &subject,
                    body: &body,
                },
            )
        })
        .await?;
    let sent = channel.send(&phone, &text);
    let err = sent.as_ref().err().map(|e| e.to_string());
    ctx.db.write(move |c| outbox::mark(c, msg_id, err.as_deref())).await?;
    sent
}

/// The hourly sweep; returns (reminded, escalated, auto-closed).
pub fn sweep(conn: &mut DbConn, at: chrono::NaiveDateTime) -> AppResult<(usize, usize, usize)> {
    let running = [Status::Assigned.as_str(), Status::InProgress.as_str()];
    // Due within a day and not yet reminded for this deadline: one reminder on the case.
    let soon: Vec<(OpinionId, i64, Option<chrono::NaiveDateTime>)> = opinions::table
        .filter(opinions::status.eq_any(running))
        .filter(opinions::due_at.gt(at).and(opinions::due_at.le(at + Duration::hours(24))))
        .select((opinions::id, opinions::committee_id, opinions::assigned_at))
        .load(conn)?;
    let mut reminded = 0;
    for (id, committee, assigned) in soon {
        let already: i64 = opinion_events::table
            .filter(opinion_events::opinion_id.eq(id).and(opinion_events::kind.eq("reminded")))
            .filter(opinion_events::created_at.ge(assigned.unwrap_or_default()))
            .count()
            .get_result(conn)?;
        if already == 0 {
            internal_event(conn, committee, id, "reminded")?;
            reminded += 1;
        }
    }
    // Overdue: escalated (督办) to the district once per deadline.
    let late: Vec<(OpinionId, i64)> = opinions::table
        .filter(opinions::status.eq_any(running))
        .filter(opinions::due_at.lt(at))
        .filter(opinions::escalated_at.is_null())
        .select((opinions::id, opinions::committee_id))
        .load(conn)?;
    for (id, committee) in &late {
        diesel::update(opinions::table.find(*id)).set(opinions::escalated_at.eq(Some(at))).execute(conn)?;
        internal_event(conn, *committee, *id, "escalated")?;
        audit::record(
            conn,
            Who::System { committee_id: Some(crate::kernel::ids::CommitteeId(*committee)), name: "督办" },
            Change::new("opinion.escalated", "opinion", id),
        )?;
    }
    // Answered and not rated in 15 days: closed as 未评价.
    let stale: Vec<OpinionId> = opinions::table
        .filter(opinions::status.eq(Status::Answered.as_str()))
        .filter(opinions::answered_at.lt(at - Duration::days(AUTO_CLOSE_DAYS)))
        .select(opinions::id)
        .load(conn)?;
    for id in &stale {
        cases::act_as_system(conn, *id, &Step::new(Action::AutoClose))?;
    }
    Ok((reminded, late.len(), stale.len()))
}

fn internal_event(conn: &mut DbConn, committee: i64, id: OpinionId, kind: &str) -> AppResult<()> {
    diesel::insert_into(opinion_events::table)
        .values((
            opinion_events::committee_id.eq(committee),
            opinion_events::opinion_id.eq(id),
            opinion_events::kind.eq(kind),
            opinion_events::actor_name.eq("系统"),
            opinion_events::public.eq(false),
            opinion_events::note.eq(""),
            opinion_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
