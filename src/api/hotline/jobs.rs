//! Posting to the hotline from the job queue: a step of one of its work
//! orders, or a case staff forwarded. Each post is an outbox row (channel
//! `hotline`) made on the first try and reused by retries: what the hotline
//! accepted is never posted twice.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::config::Config;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::opinion_events;
use crate::kernel::error::AppResult;
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

/// What a taken post still has to do in the write that marks it: `Err` with
/// a reason marks the post failed instead (to be sent again).
type Accept = Box<dyn FnOnce(&mut DbConn, &serde_json::Value) -> AppResult<Result<(), String>> + Send>;

/// One outbox row per post, found again by `key` on a retry; posts `body`
/// (with `key` as its `id`, the same on every retry, so the hotline can drop
/// a repeat) unless the hotline took it already, and records how it went,
/// together with `accept`.
async fn deliver(
    ctx: &JobCtx,
    h: &Hotline,
    committee: CommitteeId,
    (key, subject, path): (String, String, &str),
    mut body: serde_json::Value,
    accept: Accept,
) -> anyhow::Result<()> {
    body["id"] = json!(key);
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
        return Ok(());
    }
    let sent = h.post(path, &body).await;
    let outcome = match sent {
        Ok(answer) => ctx
            .db
            .write(move |c| {
                let why = accept(c, &answer)?.err();
                outbox::mark(c, id, why.as_deref())?;
                Ok(why)
            })
            .await?
            .map(Failure::Permanent),
        Err(f) => {
            let why = f.to_string();
            ctx.db.write(move |c| outbox::mark(c, id, Some(&why))).await?;
            Some(f)
        }
    };
    match outcome {
        None => Ok(()),
        Some(Failure::Permanent(why)) => {
            tracing::warn!(message = id, %why, "a post to the hotline failed for good");
            Ok(())
        }
        Some(Failure::Transient(why)) => Err(anyhow::anyhow!(why)),
    }
}

/// A public step of a hotline case, posted back with its order number and
/// the status, answer and reason the step left (read in its transaction).
async fn push(ctx: JobCtx, payload: serde_json::Value, h: Arc<Hotline>) -> anyhow::Result<()> {
    let id = OpinionId(payload["opinion_id"].as_i64().unwrap_or_default());
    let event_id = payload["event_id"].as_i64().unwrap_or_default();
    let found = ctx
        .db
        .read(move |c| {
            let Some(case) = links::hotline_case_unscoped(c, id)? else { return Ok(None) };
            let event: Option<(EventKind, chrono::NaiveDateTime, String)> = opinion_events::table
                .find(event_id)
                .select((opinion_events::kind, opinion_events::created_at, opinion_events::note))
                .first(c)
                .optional()?;
            Ok(event.map(|e| (case, e)))
        })
        .await?;
    let Some(((committee, code, order), (kind, at, note))) = found else { return Ok(()) };
    let status = payload["status"].as_str().and_then(Status::parse);
    let lang = crate::kernel::web::i18n::Lang::Zh;
    let body = json!({
        "order_no": order,
        "code": code,
        "event": kind.as_str(),
        "event_label": lang.t(&kind.label_key()),
        "status": status.map(Status::as_str),
        "status_label": status.map(|s| lang.t(&s.label_key())),
        "answer": payload["answer"],
        "reject_reason": payload["reject_reason"],
        "note": note,
        "at": at.and_utc().to_rfc3339(),
    });
    let key = (format!("hotline:{event_id}"), format!("hotline:{order}"), "status");
    deliver(&ctx, &h, committee, key, body, Box::new(|_, _| Ok(Ok(())))).await
}

/// A case staff forwarded: posted as a new work order; the hotline's number
/// for it is kept in the write that marks the post taken, so its later steps
/// are posted back as well.
async fn forward(ctx: JobCtx, payload: serde_json::Value, h: Arc<Hotline>) -> anyhow::Result<()> {
    let id = OpinionId(payload["opinion_id"].as_i64().unwrap_or_default());
    let Some(f) = ctx.db.read(move |c| links::forwarded_unscoped(c, id)).await? else { return Ok(()) };
    // No resident's name or phone leaves with it: the hotline calls back through us.
    let body = json!({
        "code": f.code,
        "content": f.text,
        "office": f.office,
        "category": f.category,
        "received_at": f.received_at.and_utc().to_rfc3339(),
        "forwarded_at": now().and_utc().to_rfc3339(),
    });
    let key = (format!("hotline-forward:{id}"), format!("opinion:{id}"), "orders");
    let accept: Accept = Box::new(move |c, answer| links::hotline_took_unscoped(c, id, answer["order_no"].as_str()));
    deliver(&ctx, &h, f.committee, key, body, accept).await
}
