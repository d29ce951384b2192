//! The text that goes with a published notice to its member recipients who
//! have a phone on the roster, when the issuer asked for one. Each member's
//! text is an outbox row made once (a retry sends only what is left).

use std::sync::Arc;

use diesel::prelude::*;

use crate::kernel::db::schema::{committees, members, notice_recipients, notices};
use crate::kernel::ids::{CommitteeId, MemberId, NoticeId};
use crate::kernel::jobs::{JobCtx, Registry};
use crate::kernel::notify::outbox::{self, NewMessage};
use crate::kernel::notify::{Failure, Sms, Unit};
use crate::kernel::personal::{Vault, mask_phone};

pub const TEXT: &str = "notices.text";

pub fn register(registry: &mut Registry, vault: Vault, channel: Arc<Sms>) {
    registry.register(TEXT, move |ctx: JobCtx, payload| {
        let (vault, channel) = (vault.clone(), channel.clone());
        async move { text(ctx, payload, vault, channel).await }
    });
}

/// What a member reads on their phone: who sends it, the title, the date a
/// reply is due, and where to read it.
pub fn message(committee: &str, title: &str, reply_by: Option<chrono::NaiveDate>) -> String {
    match reply_by {
        Some(d) => format!(
            "【{committee}】通知：{title}。请登录履职平台查看，并于{}前回复。",
            crate::kernel::docx::chinese_date(d)
        ),
        None => format!("【{committee}】通知：{title}。请登录履职平台查看。"),
    }
}

async fn text(ctx: JobCtx, payload: serde_json::Value, vault: Vault, channel: Arc<Sms>) -> anyhow::Result<()> {
    let id = NoticeId(payload["notice_id"].as_i64().unwrap_or_default());
    let found = ctx
        .db
        .read(move |c| {
            let n: Option<(CommitteeId, String, Option<chrono::NaiveDate>)> = notices::table
                .find(id)
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
        let (msg_id, done) = ctx
            .db
            .write(move |c| {
                outbox::queue_once(
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
            "【三门峡市湖滨区政协】通知：关于报送年度履职总结的通知。请登录履职平台查看，并于2026年12月10日前回复。"
        );
        assert!(!message("湖滨区政协", "通知", None).contains("回复"));
    }
}
