//! Delivering a robot's message from the job queue: the outbox row says what
//! and to which robot; an accepted row is never sent twice, a busy robot is
//! tried again with the queue's backoff, a refusal is marked for staff.

use std::time::Duration;

use diesel::prelude::*;

use super::model::{self, Kind};
use super::store;
use crate::kernel::db::schema::outbox as outbox_t;
use crate::kernel::jobs::worker::{JobCtx, Registry};
use crate::kernel::notify::Failure;
use crate::kernel::notify::outbox::{self, Delivery};
use crate::kernel::personal::Vault;

pub const JOB: &str = "notify.robot";

pub fn register(registry: &mut Registry, vault: Vault) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("xieshang/", env!("CARGO_PKG_VERSION")))
        // The address holds the group's key: never follow it elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    registry.register(JOB, move |ctx: JobCtx, payload| {
        let (vault, client) = (vault.clone(), client.clone());
        async move { deliver(ctx, payload, vault, client).await }
    });
}

async fn deliver(ctx: JobCtx, payload: serde_json::Value, vault: Vault, client: reqwest::Client) -> anyhow::Result<()> {
    let id = payload["outbox_id"].as_i64().unwrap_or_default();
    let found = ctx
        .db
        .read(move |c| {
            let row: Option<(String, String, Delivery)> = outbox_t::table
                .find(id)
                .select((outbox_t::recipient, outbox_t::body, outbox_t::status))
                .first(c)
                .optional()?;
            let Some((recipient, body, status)) = row else { return Ok(None) };
            let robot = match recipient.strip_prefix("robot:").and_then(|r| r.parse().ok()) {
                Some(r) => store::for_delivery_unscoped(c, r)?,
                None => None,
            };
            Ok(Some((body, status, robot)))
        })
        .await?;
    let Some((body, status, robot)) = found else { return Ok(()) };
    if status == Delivery::Sent {
        return Ok(());
    }
    let Some((kind, webhook_enc, secret_enc)) = robot else {
        ctx.db.write(move |c| outbox::mark(c, id, Some("robot stopped"))).await?;
        return Ok(());
    };
    let webhook = vault.decrypt(&webhook_enc)?;
    let secret = secret_enc.map(|s| vault.decrypt(&s)).transpose()?;
    let sent = post(&client, kind, &webhook, secret.as_deref(), &body).await;
    let err = sent.as_ref().err().map(|e| e.to_string());
    ctx.db.write(move |c| outbox::mark(c, id, err.as_deref())).await?;
    match sent {
        Ok(()) => Ok(()),
        Err(Failure::Permanent(why)) => {
            tracing::warn!(message = id, %why, "the group robot refused the message");
            Ok(())
        }
        Err(Failure::Transient(why)) => Err(anyhow::anyhow!(why)),
    }
}

/// One call to the robot's webhook.
async fn post(
    client: &reqwest::Client,
    kind: Kind,
    webhook: &str,
    secret: Option<&str>,
    text: &str,
) -> Result<(), Failure> {
    let mut url = reqwest::Url::parse(webhook).map_err(|e| Failure::Permanent(format!("bad webhook: {e}")))?;
    if let (Kind::Dingtalk, Some(secret)) = (kind, secret) {
        let ts = chrono::Utc::now().timestamp_millis();
        let sign = model::dingtalk_sign(secret, ts);
        url.query_pairs_mut().append_pair("timestamp", &ts.to_string()).append_pair("sign", &sign);
    }
    // Errors name the host, never the key in the address.
    let host = url.host_str().unwrap_or_default().to_string();
    let resp = client
        .post(url)
        .json(&model::payload(text))
        .send()
        .await
        .map_err(|e| Failure::Transient(format!("{host} unreachable: {}", e.without_url())))?;
    let status = resp.status().as_u16();
    let answer: serde_json::Value = resp.json().await.unwrap_or_default();
    model::classify(status, answer["errcode"].as_i64(), answer["errmsg"].as_str().unwrap_or_default())
}
