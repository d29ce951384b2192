//! The text that goes with a published notice to its member recipients who
//! have a phone on the roster, when the issuer asked for one (each member's
//! text is an outbox row made once: a retry sends only what is left), and
//! the daily reminder to the units that have not replied by the day before
//! a notice's reply date.

use std::sync::Arc;

use diesel::prelude::*;

use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, members, notice_recipients, notices};
use crate::kernel::docx::chinese_date;
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, MemberId, NoticeId};
use crate::kernel::jobs::{Every, JobCtx, Registry};
use crate::kernel::notify::inapp::note_once;
use crate::kernel::notify::outbox::{self, NewMessage};
use crate::kernel::notify::{Failure, Sms, Unit};
use crate::kernel::personal::{Vault, mask_phone};
use crate::kernel::web::i18n::Lang;
use crate::notices::model::NoticeStatus;

pub const TEXT: &str = "notices.text";
pub const REMINDERS: &str = "notices.reminders";

pub fn register(registry: &mut Registry, vault: Vault, channel: Arc<Sms>) {
    registry.register(TEXT, move |ctx: JobCtx, payload| {
        let (vault, channel) = (vault.clone(), channel.clone());
        async move { text(ctx, payload, vault, channel).await }
    });
    registry.register(REMINDERS, |ctx: JobCtx, _| async move {
        let n = ctx.db.write(|c| remind(c, crate::kernel::time::now())).await?;
        tracing::info!(reminded = n, "notice reply reminders");
        Ok(())
    });
    registry.periodic(REMINDERS, Every::Day { hour: 9 });
}

/// Reminds every recipient unit that has not replied to a published notice
/// whose reply date is tomorrow or today (Beijing dates), once per notice;
/// returns how many were reminded.
pub fn remind(conn: &mut DbConn, at: chrono::NaiveDateTime) -> AppResult<usize> {
    let today = shanghai_date(at);
    let due: Vec<(NoticeId, CommitteeId, String, chrono::NaiveDate)> = notices::table
        .filter(notices::status.eq(NoticeStatus::Published))
        .filter(notices::reply_by.ge(today).and(notices::reply_by.le(today + chrono::Duration::days(1))))
        .select((notices::id, notices::committee_id, notices::title, notices::reply_by.assume_not_null()))
        .load(conn)?;
    let mut n = 0;
    for (id, committee, title, by) in due {
        let waiting: Vec<String> = notice_recipients::table
            .filter(notice_recipients::notice_id.eq(id).and(notice_recipients::replied_at.is_null()))
            .select(notice_recipients::unit)
            .load(conn)?;
        for unit in waiting.iter().filter_map(|u| u.parse::<Unit>().ok()) {
            let subject = format!("notice-reply-due:{id}");
            let body =
                Lang::Zh.t("notice.reply_due_body").replace("%{date}", &chinese_date(by)).replace("%{title}", &title);
            if note_once(conn, committee, unit, &subject, &body, &format!("{subject}:{unit}"))? {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// What a member reads on their phone: who sends it, the title, the date a
/// reply is due, and where to read it.
pub fn message(committee: &str, title: &str, reply_by: Option<chrono::NaiveDate>) -> String {
    let text = match reply_by {
        Some(d) => Lang::Zh.t("notice.text_reply").replace("%{date}", &chinese_date(d)),
        None => Lang::Zh.t("notice.text"),
    };
    text.replace("%{committee}", committee).replace("%{title}", title)
}

async fn text(ctx: JobCtx, payload: serde_json::Value, vault: Vault, channel: Arc<Sms>) -> anyhow::Result<()> {
    let id = NoticeId(payload["notice_id"].as_i64().unwrap_or_default());
    let found = ctx
        .db
        .read(move |c| {
            // A notice withdrawn before (or between tries of) this job texts nobody.
            let n: Option<(CommitteeId, String, Option<chrono::NaiveDate>)> = notices::table
                .find(id)
                .filter(notices::status.eq(NoticeStatus::Published))
                .select((notices::committee_id, notices::title, notices::reply_by))
                .first(c)
                .optional()?;
            let Some((committee, title, reply_by)) = n else { return Ok(None) };
            let name: String = committees::table.find(committee).select(committees::name).first(c)?;
            let units: Vec<String> = notice_recipients::table
                .filter(notice_recipients::notice_id.eq(id))
                .select(notice_recipients::unit)
                .load(c)?;
            let ids: Vec<MemberId> = units
                .iter()
                .filter_map(|u| match u.parse::<Unit>() {
                    Ok(Unit::Member(m)) => Some(m),
                    _ => None,
                })
                .collect();
            let mut phones: Vec<(MemberId, String)> = vec![];
            for chunk in ids.chunks(500) {
                phones.extend(
                    members::table
                        .filter(members::id.eq_any(chunk).and(members::phone.ne("")))
                        .select((members::id, members::phone))
                        .load::<(MemberId, String)>(c)?,
                );
            }
            Ok(Some((committee, message(&name, &title, reply_by), phones)))
        })
        .await?;
    let Some((committee, body, phones)) = found else { return Ok(()) };
    let mut transient = None;
    for (member, phone) in phones {
        let key = format!("notice-text:{}:{member}", id.0);
        let (enc, masked, subject, text) =
            (vault.encrypt(&phone), mask_phone(&phone), format!("notice:{}", id.0), body.clone());
        let channel_name = channel.channel();
        let job = ctx.job_id;
        let (msg_id, done) = ctx
            .db
            .write(move |c| {
                outbox::queue_once_by_job(
                    c,
                    &NewMessage {
                        committee_id: committee,
                        channel: channel_name,
                        recipient: &enc,
                        recipient_masked: &masked,
                        subject: &subject,
                        body: &text,
                    },
                    &key,
                    job,
                )
            })
            .await?;
        if done {
            continue;
        }
        let sent = channel.send(&format!("xs-{msg_id}"), &phone, &body).await;
        let err = sent.as_ref().err().map(|e| e.to_string());
        ctx.db.write(move |c| outbox::mark(c, msg_id, err.as_deref())).await?;
        match sent {
            Ok(()) => {}
            Err(Failure::Permanent(why)) => tracing::warn!(message = msg_id, %why, "sms refused by the gateway"),
            // The others are still tried; the job is retried for what is left.
            Err(Failure::Transient(why)) => transient = Some(why),
        }
    }
    match transient {
        Some(why) => Err(anyhow::anyhow!(why)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_the_sender_the_title_and_the_date() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 10);
        assert_eq!(
            message("三门峡市湖滨区政协", "关于报送年度履职总结的通知", d),
            "【三门峡市湖滨区政协】通知：关于报送年度履职总结的通知。请登录履职平台查看，回执截止日期为2026年12月10日。"
        );
        assert!(!message("湖滨区政协", "通知", None).contains("回执"));
    }
}
