//! Text messages to phones, the SMS channel of the outbox. Two drivers: `log`
//! (development and demo: the text goes to the log with the number masked) and
//! `http`, a gateway that takes one JSON request per message:
//!
//! ```text
//! POST <sms_gateway_url>
//! Authorization: Bearer <sms_gateway_token>        (when a token is set)
//! {"id": "xs-42", "to": "13903981234", "text": "【湖滨区政协】您反映的问题…"}
//! ```
//!
//! Any 2xx answer means accepted. `id` is the outbox row, the same on every
//! retry, so the gateway can drop a repeat. A 4xx other than 408/429 is the
//! gateway refusing this message (a bad number, say): retrying cannot help, so
//! it is marked failed for staff to see. Anything else (no answer, a timeout,
//! 5xx, 408, 429) is retried with the job queue's backoff.

use std::time::Duration;

use serde::Serialize;

use super::outbox::Channel;
use crate::config::Config;
use crate::kernel::personal::mask_phone;

/// How a message fared.
#[derive(Debug)]
pub enum Failure {
    /// Worth trying again later.
    Transient(String),
    /// The gateway refused this message; trying again will not help.
    Permanent(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Transient(s) | Failure::Permanent(s) => f.write_str(s),
        }
    }
}

pub enum Sms {
    Log,
    Http(HttpGateway),
}

pub struct HttpGateway {
    client: reqwest::Client,
    url: reqwest::Url,
    token: Option<String>,
}

#[derive(Serialize)]
struct Request<'a> {
    id: &'a str,
    to: &'a str,
    text: &'a str,
}

impl Sms {
    /// The configured driver; a bad configuration stops `serve` at start, not
    /// at the first message.
    pub fn from_config(cfg: &Config) -> anyhow::Result<Sms> {
        match cfg.sms_driver.as_str() {
            "log" => Ok(Sms::Log),
            "http" => {
                let url = cfg
                    .sms_gateway_url
                    .as_deref()
                    .ok_or_else(|| anyhow::anyhow!("sms_driver = \"http\" needs sms_gateway_url"))?;
                let url = reqwest::Url::parse(url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| anyhow::anyhow!("sms_gateway_url is not an http(s) address: {url}"))?;
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(cfg.sms_timeout_secs.max(1)))
                    .user_agent(concat!("xieshang/", env!("CARGO_PKG_VERSION")))
                    // The request carries the resident's number and the token:
                    // a redirect (a hijacked or misconfigured gateway) must not
                    // take them to another address, inside our network or out.
                    .redirect(reqwest::redirect::Policy::none())
                    .build()?;
                let token = cfg.sms_gateway_token.clone().filter(|t| !t.is_empty());
                Ok(Sms::Http(HttpGateway { client, url, token }))
            }
            other => anyhow::bail!("unknown sms_driver {other:?} (use \"log\" or \"http\")"),
        }
    }

    /// The outbox channel this driver delivers on.
    pub fn channel(&self) -> Channel {
        match self {
            Sms::Log => Channel::SmsLog,
            Sms::Http(_) => Channel::SmsHttp,
        }
    }

    /// Sends `text` to `phone`; `id` identifies the delivery across retries.
    pub async fn send(&self, id: &str, phone: &str, text: &str) -> Result<(), Failure> {
        match self {
            Sms::Log => {
                tracing::info!(to = %mask_phone(phone), %text, "sms");
                Ok(())
            }
            Sms::Http(g) => g.send(id, phone, text).await,
        }
    }
}

impl HttpGateway {
    async fn send(&self, id: &str, phone: &str, text: &str) -> Result<(), Failure> {
        let mut req = self.client.post(self.url.clone()).json(&Request { id, to: phone, text });
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        // The error's text may hold the URL, never the number or the text.
        let resp = req.send().await.map_err(|e| Failure::Transient(format!("gateway unreachable: {e}")))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let body: String = resp.text().await.unwrap_or_default().chars().take(200).collect();
        let why = format!("gateway answered {status}: {body}");
        Err(classify(status.as_u16(), why))
    }
}

fn classify(status: u16, why: String) -> Failure {
    match status {
        408 | 429 => Failure::Transient(why),
        // A redirect is not followed (see `from_config`): the address is wrong
        // until someone fixes the configuration, so retrying does not help.
        300..=499 => Failure::Permanent(why),
        _ => Failure::Transient(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_final_and_a_busy_gateway_is_retried() {
        assert!(matches!(classify(400, "bad number".into()), Failure::Permanent(_)));
        assert!(matches!(classify(403, String::new()), Failure::Permanent(_)));
        assert!(matches!(classify(429, String::new()), Failure::Transient(_)));
        assert!(matches!(classify(307, String::new()), Failure::Permanent(_)), "a redirect is not followed");
        assert!(matches!(classify(408, String::new()), Failure::Transient(_)));
        assert!(matches!(classify(503, String::new()), Failure::Transient(_)));
    }

    #[test]
    fn the_configuration_is_checked_at_start() {
        let mut cfg = Config::default();
        assert_eq!(Sms::from_config(&cfg).map(|s| s.channel()).ok(), Some(Channel::SmsLog));
        cfg.sms_driver = "http".into();
        assert!(Sms::from_config(&cfg).is_err(), "needs a URL");
        cfg.sms_gateway_url = Some("ftp://gw.example".into());
        assert!(Sms::from_config(&cfg).is_err(), "only http(s)");
        cfg.sms_gateway_url = Some("https://sms.example.gov.cn/send".into());
        assert_eq!(Sms::from_config(&cfg).map(|s| s.channel()).ok(), Some(Channel::SmsHttp));
        cfg.sms_driver = "carrier-pigeon".into();
        assert!(Sms::from_config(&cfg).is_err());
    }
}
