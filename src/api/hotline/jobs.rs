//! Posting to the hotline from the job queue: a step of one of its work
//! orders, or a case staff forwarded. Each post is an outbox row (channel
//! `hotline`) made on the first try and reused by retries: what the hotline
//! accepted is never posted twice.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::config::Config;
use crate::kernel::db::schema::{offices, opinion_categories, opinion_events, opinions};
use crate::kernel::ids::{CommitteeId, OpinionId};
use crate::kernel::jobs::worker::{JobCtx, Registry};
use crate::kernel::notify::Failure;
use crate::kernel::notify::outbox::{self, Channel, NewMessage};
use crate::kernel::time::now;
use crate::opinions::model::{EventKind, Status};
use crate::opinions::store::links::{self, HOTLINE_FORWARD, HOTLINE_PUSH};

/// Where and how to post; `None` when no hotline is configured.
#[derive(Clone)]
pub struct Hotline {
    client: reqwest::Client,
    url: Option<String>,
    token: Option<String>,
}

impl Hotline {
    pub fn from_config(cfg: &Config) -> Hotline {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(cfg.sms_timeout_secs.max(1)))
            .user_agent(concat!("xieshang/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let url = cfg.hotline_url.clone().filter(|u| !u.trim().is_empty()).map(|u| u.trim_end_matches('/').to_string());
        Hotline { client, url, token: cfg.hotline_token.clone().filter(|t| !t.is_empty()) }
    }

    /// Posts `body` to `{hotline_url}/{path}`: the answer's JSON when taken.
    async fn post(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value, Failure> {
        let Some(base) = &self.url else { return Err(Failure::Permanent("hotline_url is not set".into())) };
        let mut req = self.client.post(format!("{base}/{path}")).json(body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp =
            req.send().await.map_err(|e| Failure::Transient(format!("hotline unreachable: {}", e.without_url())))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp.json().await.unwrap_or_default());
        }
        let text: String = resp.text().await.unwrap_or_default().chars().take(200).collect();
        let why = format!("hotline answered {status}: {text}");
        Err(match status.as_u16() {
            408 | 429 | 500..=599 => Failure::Transient(why),
            _ => Failure::Permanent(why),
        })
    }
}

pub fn register(registry: &mut Registry, hotline: Arc<Hotline>) {
    let h = hotline.clone();
    registry.register(HOTLINE_PUSH, move |ctx: JobCtx, payload| {
        let h = h.clone();
        async move { push(ctx, payload, h).await }
    });
    registry.register(HOTLINE_FORWARD, move |ctx: JobCtx, payload| {
        let h = hotline.clone();
        async move { forward(ctx, payload, h).await }
    });
}

/// One outbox row per post, found again by `key` on a retry; posts `body`
/// unless the hotline took it already, and records how it went.
async fn deliver(
    ctx: &JobCtx,
    h: &Hotline,
    committee: CommitteeId,
    (key, subject, path): (String, String, &str),
    body: serde_json::Value,
) -> anyhow::Result<Option<serde_json::Value>> {
    let text = body.to_string();
    let job = ctx.job_id;
    let (id, done) = ctx
        .db
        .write(move |c| {
            let m = NewMessage {
                committee_id: committee,
                channel: Channel::Hotline,
                recipient: "12345",
                recipient_masked: "12345",
                subject: &subject,
                body: &text,
            };
            outbox::queue_once_by_job(c, &m, &key, job)
        })
        .await?;
    if done {
        return Ok(None);
    }
    let sent = h.post(path, &body).await;
    let err = sent.as_ref().err().map(|e| e.to_string());
    ctx.db.write(move |c| outbox::mark(c, id, err.as_deref())).await?;
    match sent {
        Ok(answer) => Ok(Some(answer)),
        Err(Failure::Permanent(why)) => {
            tracing::warn!(message = id, %why, "the hotline refused a post");
            Ok(None)
        }
        Err(Failure::Transient(why)) => Err(anyhow::anyhow!(why)),
    }
}

/// A public step of a hotline case, posted back with its order number.
async fn push(ctx: JobCtx, payload: serde_json::Value, h: Arc<Hotline>) -> anyhow::Result<()> {
    let id = OpinionId(payload["opinion_id"].as_i64().unwrap_or_default());
    let event_id = payload["event_id"].as_i64().unwrap_or_default();
    type Case = (i64, String, Status, Option<String>, Option<String>);
    let found = ctx
        .db
        .read(move |c| {
            let case: Option<Case> = opinions::table
                .find(id)
                .select((
                    opinions::committee_id,
                    opinions::code,
                    opinions::status,
                    opinions::answer,
                    opinions::reject_reason,
                ))
                .first(c)
                .optional()?;
            let event: Option<(EventKind, Option<Status>, chrono::NaiveDateTime, String)> = opinion_events::table
                .find(event_id)
                .select((
                    opinion_events::kind,
                    opinion_events::status,
                    opinion_events::created_at,
                    opinion_events::note,
                ))
                .first(c)
                .optional()?;
            Ok(case.zip(event).zip(links::hotline_order_unscoped(c, id)?))
        })
        .await?;
    let Some((((committee, code, now_status, answer, reason), (kind, then, at, note)), order)) = found else {
        return Ok(());
    };
    // The status the step left the case in (a retry may run after later steps).
    let status = then.unwrap_or(now_status);
    let lang = crate::kernel::web::i18n::Lang::Zh;
    let body = json!({
        "order_no": order,
        "code": code,
        "event": kind.as_str(),
        "event_label": lang.t(&kind.label_key()),
        "status": status.as_str(),
        "status_label": lang.t(&status.label_key()),
        "answer": if matches!(status, Status::Answered | Status::Closed) { answer } else { None },
        "reject_reason": reason.filter(|_| status == Status::Rejected),
        "note": note,
        "at": at.and_utc().to_rfc3339(),
    });
    let subject = format!("hotline:{order}");
    deliver(&ctx, &h, CommitteeId(committee), (format!("hotline:{event_id}"), subject, "status"), body).await?;
    Ok(())
}

/// A case staff forwarded: posted as a new work order; the hotline's number
/// for it is kept, so its later steps are posted back as well.
async fn forward(ctx: JobCtx, payload: serde_json::Value, h: Arc<Hotline>) -> anyhow::Result<()> {
    let id = OpinionId(payload["opinion_id"].as_i64().unwrap_or_default());
    type Case = (i64, String, String, Option<String>, Option<String>, chrono::NaiveDateTime);
    let found: Option<Case> = ctx
        .db
        .read(move |c| {
            Ok(opinions::table
                .left_join(offices::table.on(offices::id.nullable().eq(opinions::office_id)))
                .left_join(opinion_categories::table.on(opinion_categories::id.nullable().eq(opinions::category_id)))
                .filter(opinions::id.eq(id))
                .select((
                    opinions::committee_id,
                    opinions::code,
                    opinions::body,
                    offices::name.nullable(),
                    opinion_categories::name.nullable(),
                    opinions::created_at,
                ))
                .first(c)
                .optional()?)
        })
        .await?;
    let Some((committee, code, text, office, category, created)) = found else { return Ok(()) };
    // No resident's name or phone leaves with it: the hotline calls back through us.
    let body = json!({
        "code": code,
        "content": text,
        "office": office,
        "category": category,
        "received_at": created.and_utc().to_rfc3339(),
        "forwarded_at": now().and_utc().to_rfc3339(),
    });
    let key = format!("hotline-forward:{id}");
    let answer = deliver(&ctx, &h, CommitteeId(committee), (key, format!("opinion:{id}"), "orders"), body).await?;
    let order = answer.as_ref().and_then(|a| a["order_no"].as_str().map(str::to_owned));
    match (answer, order) {
        (Some(_), Some(order)) => {
            ctx.db.write(move |c| links::hotline_took_unscoped(c, id, &order)).await?;
            Ok(())
        }
        // Taken without a number: the hotline must answer one; staff see it on the deliveries page.
        (Some(a), None) => {
            tracing::warn!(case = %id, answer = %a, "the hotline took a case without an order number");
            Ok(())
        }
        (None, _) => Ok(()),
    }
}
