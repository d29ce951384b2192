//! The two robots' rules with no I/O: what is sent, how DingTalk's signature
//! is made, and what their answers mean.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::code_enum;
use crate::kernel::notify::Failure;
use crate::kernel::notify::outbox::Channel;

code_enum!(
    /// Whose group robot it is.
    Kind, "robot_kind" {
        /// 企业微信群机器人 (and 政务微信, which speaks the same).
        Wecom = "wecom",
        /// 钉钉群机器人 (and 浙政钉/专有钉钉), optionally with 加签.
        Dingtalk = "dingtalk",
    }
);

impl Kind {
    pub fn channel(self) -> Channel {
        match self {
            Kind::Wecom => Channel::Wecom,
            Kind::Dingtalk => Channel::Dingtalk,
        }
    }
}

/// Which in-app messages also go to the unit's robots as they are: the
/// morning digest (counts only). Urgent alerts go with a text of their own,
/// without the resident's words (`opinions::store::urgent`).
pub fn goes_to_robots(subject: &str) -> bool {
    subject.starts_with("digest:")
}

/// The longest text a robot takes: WeCom's 2,048 bytes of text (DingTalk
/// takes more); cut on a character, with an ellipsis.
pub const MAX_TEXT_BYTES: usize = 2048;

/// The JSON both robots take for a text message.
pub fn payload(text: &str) -> serde_json::Value {
    let mut cut = String::new();
    for ch in text.chars() {
        if cut.len() + ch.len_utf8() > MAX_TEXT_BYTES - 3 {
            cut.push('…');
            break;
        }
        cut.push(ch);
    }
    serde_json::json!({ "msgtype": "text", "text": { "content": cut } })
}

/// DingTalk's 加签: the timestamp (ms) and the base64 HMAC-SHA256 of
/// "timestamp\nsecret" under the secret, to append as `&timestamp=…&sign=…`
/// (the sign URL-encoded).
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac =
        <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// What an answer means. Both answer HTTP 200 with `{"errcode": 0}` when
/// they took the message; a non-zero code says why not.
pub fn classify(http_status: u16, errcode: Option<i64>, errmsg: &str) -> Result<(), Failure> {
    let why = format!("HTTP {http_status}, errcode {}, {errmsg}", errcode.map(|c| c.to_string()).unwrap_or("-".into()));
    match (http_status, errcode) {
        (200..=299, Some(0)) => Ok(()),
        // Busy or too many messages a minute (WeCom: -1, 45009; DingTalk: 130101, 130102): later.
        (200..=299, Some(-1 | 45009 | 130101 | 130102)) => Err(Failure::Transient(why)),
        // A wrong key, a bad signature, a missing keyword: until someone fixes the robot.
        (200..=299, _) => Err(Failure::Permanent(why)),
        (408 | 429, _) | (500..=599, _) => Err(Failure::Transient(why)),
        _ => Err(Failure::Permanent(why)),
    }
}

/// Whether a webhook address is one we call: https to a public host (any:
/// government deployments of both apps run on their own hosts). With
/// `allow_local`, also plain http and loopback or private addresses.
pub fn valid_webhook(url: &str, allow_local: bool) -> bool {
    let Ok(u) = reqwest::Url::parse(url.trim()) else { return false };
    let scheme_ok = u.scheme() == "https" || (allow_local && u.scheme() == "http");
    let host = u.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let host_ok = !host.is_empty()
        && (allow_local
            || match host.parse::<std::net::IpAddr>() {
                Ok(ip) => !is_local(ip),
                Err(_) => !host.eq_ignore_ascii_case("localhost") && !host.to_ascii_lowercase().ends_with(".localhost"),
            });
    scheme_ok && host_ok
}

/// Loopback, private, link-local or unspecified: inside the server's network.
fn is_local(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast()
        }
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local(std::net::IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback() || v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// The webhook as shown in lists: its host and the start of its key.
pub fn masked_webhook(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => {
            let key: String = u.query().unwrap_or_default().chars().take(12).collect();
            format!("{}://{}{}?{key}…", u.scheme(), u.host_str().unwrap_or_default(), u.path())
        }
        Err(_) => "…".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_urgent_alerts_go_to_robots() {
        assert!(goes_to_robots("digest:2026-12-05") && !goes_to_robots("urgent:42"));
        assert!(!goes_to_robots("activity-reminder:3") && !goes_to_robots("notice:1"));
    }

    #[test]
    fn dingtalk_signs_as_its_documentation_shows() {
        // As DingTalk's documentation computes it (checked against Python's hmac
        // and base64 for the same secret and time).
        let sign = dingtalk_sign("SEC000000000000000000000", 1_577_262_236_757);
        assert_eq!(sign, "xOJIB8eNoYWeLy26EMZOlc2RjOJbtPv9HYjm+E3uALU=");
    }

    #[test]
    fn answers_are_read_as_taken_later_or_never() {
        assert!(classify(200, Some(0), "ok").is_ok());
        assert!(matches!(classify(200, Some(45009), "api freq out of limit"), Err(Failure::Transient(_))));
        assert!(matches!(classify(200, Some(130101), "send too fast"), Err(Failure::Transient(_))));
        assert!(matches!(classify(200, Some(93000), "invalid webhook url"), Err(Failure::Permanent(_))));
        assert!(matches!(classify(200, Some(310000), "sign not match"), Err(Failure::Permanent(_))));
        assert!(matches!(classify(200, None, ""), Err(Failure::Permanent(_))));
        assert!(matches!(classify(502, None, ""), Err(Failure::Transient(_))));
        assert!(matches!(classify(404, None, ""), Err(Failure::Permanent(_))));
    }

    #[test]
    fn long_texts_are_cut_on_a_character() {
        let long = "议".repeat(1000);
        let p = payload(&long);
        let content = p["text"]["content"].as_str().expect("text");
        assert!(content.len() <= MAX_TEXT_BYTES && content.ends_with('…'));
        assert_eq!(payload("短")["text"]["content"], "短");
        assert_eq!(payload("短")["msgtype"], "text");
    }

    #[test]
    fn webhooks_are_checked_and_masked() {
        let url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
        assert!(valid_webhook(url, false));
        assert!(
            !valid_webhook("ftp://x/y", true) && !valid_webhook("not a url", true) && !valid_webhook("https://", true)
        );
        // Nothing inside the server's own network unless allowed.
        for inside in [
            "http://qyapi.weixin.qq.com/x",
            "https://127.0.0.1/x",
            "https://localhost/x",
            "https://10.1.2.3/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:127.0.0.1]/x",
        ] {
            assert!(!valid_webhook(inside, false), "{inside}");
            assert!(valid_webhook(inside, true), "{inside} when allowed");
        }
        assert!(valid_webhook("https://oapi.dingtalk.com/robot/send?access_token=x", false));
        let shown = masked_webhook(url);
        assert!(
            shown.starts_with("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6")
                && !shown.contains("0ec2")
        );
    }
}
