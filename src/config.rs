//! Configuration: built-in defaults, then `xieshang.toml` (or `--config FILE`),
//! then `XIESHANG_*` environment variables (and `DATABASE_URL`), then CLI flags.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// A file path for SQLite, or `postgres://…`.
    pub database_url: String,
    pub listen: String,
    /// Reader connections (SQLite) or the pool size (PostgreSQL).
    pub db_pool_size: u32,
    /// Log out after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// Send cookies with `Secure`; turn on behind TLS.
    pub secure_cookies: bool,
    pub request_timeout_secs: u64,
    /// Largest request body, except multipart uploads.
    pub body_limit_bytes: usize,
    /// Largest multipart/form-data request (a form with several photos).
    pub upload_limit_bytes: usize,
    /// Memory for decoding photos, shared by all requests (megabytes): a
    /// photo's decode waits for its share (a 12 MP photo takes about 70).
    pub image_decode_budget_mb: u32,
    /// How long a photo waits for its share before the form is answered 503
    /// 「服务器繁忙，请稍后再试」.
    pub image_decode_wait_secs: u64,
    /// Uploaded files live in `<data_dir>/files`, arriving ones in `<data_dir>/tmp`.
    pub data_dir: PathBuf,
    /// Background-job workers in this process.
    pub workers: usize,
    pub log_json: bool,
    /// Base64 of 32 random bytes: the master key for residents' personal data.
    /// Unset, `<data_dir>/personal.key` is used (created on first start); several
    /// instances must share one key, so set it explicitly for them.
    pub personal_data_key: Option<String>,
    /// Take the client address from `X-Forwarded-For` (set only behind a reverse
    /// proxy that writes the header, else clients could pick their own address).
    pub trust_proxy_headers: bool,
    /// The address residents reach the site at, e.g. `https://xs.example.gov.cn`:
    /// printed on posters and in their QR codes. Unset, the request's `Host` is used.
    pub public_base_url: Option<String>,
    /// Texts to residents: `log` (development: written to the log, the number
    /// masked) or `http` (the gateway at `sms_gateway_url`; docs/operations.md).
    pub sms_driver: String,
    pub sms_gateway_url: Option<String>,
    /// Sent as `Authorization: Bearer …` when set.
    pub sms_gateway_token: Option<String>,
    /// Give up on one request after this long (the job is retried later).
    pub sms_timeout_secs: u64,
    /// The 12345 hotline's exchange (docs/operations.md): where status updates
    /// of its work orders and the cases forwarded to it are posted. Unset, no
    /// case can be forwarded and updates wait as failed deliveries.
    pub hotline_url: Option<String>,
    /// Sent as `Authorization: Bearer …` to the hotline when set.
    pub hotline_token: Option<String>,
    /// Group robots may post to plain http and to local or private addresses
    /// (a test server, a robot gateway on the intranet); off, only https to a
    /// public host, so a robot's address cannot reach into the server's network.
    pub robots_allow_local: bool,
    /// Administrators (sysadmin, security admin, auditor, district staff) must
    /// sign in with a second factor: without one they are sent to enrol first.
    /// `serve --demo` turns it off (offered, not forced) so the demo logins work.
    pub require_two_factor: bool,
    /// A password older than this many days must be changed at the next sign-in
    /// (等保 password aging); 0 turns aging off.
    pub password_max_age_days: i64,
    /// `international` (SHA-256, AES-256-GCM) or `national` (SM3 for the audit
    /// chain, SM4-GCM for new personal-data values): the national algorithms of
    /// GB/T 39786. Values stored under either stay readable under the other.
    pub crypto: String,
    /// Audit rows are kept at least this many days (180 at the least, as the
    /// classified-protection rules ask): no job may delete younger rows.
    pub audit_retention_days: i64,
    /// `/metrics` answers only requests with `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// A second address (e.g. `127.0.0.1:9090`) that serves `/metrics` to
    /// whoever reaches it: keep it off the public network.
    pub metrics_listen: Option<String>,
    /// Serving the demo committee (`serve --demo`, and the tests): set by the
    /// command, never read from a file.
    #[serde(skip)]
    pub demo: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "data/xieshang.db".into(),
            listen: "127.0.0.1:8080".into(),
            db_pool_size: 8,
            session_idle_minutes: 30,
            secure_cookies: false,
            request_timeout_secs: 30,
            body_limit_bytes: 1024 * 1024,
            upload_limit_bytes: 64 * 1024 * 1024,
            image_decode_budget_mb: 96,
            image_decode_wait_secs: 15,
            data_dir: PathBuf::from("data"),
            workers: 2,
            log_json: false,
            personal_data_key: None,
            trust_proxy_headers: false,
            public_base_url: None,
            sms_driver: "log".into(),
            sms_gateway_url: None,
            sms_gateway_token: None,
            sms_timeout_secs: 10,
            hotline_url: None,
            hotline_token: None,
            robots_allow_local: false,
            require_two_factor: true,
            password_max_age_days: 90,
            crypto: "international".into(),
            audit_retention_days: MIN_AUDIT_RETENTION_DAYS,
            metrics_token: None,
            metrics_listen: None,
            demo: false,
        }
    }
}

/// Six months: the least the audit log may be kept.
pub const MIN_AUDIT_RETENTION_DAYS: i64 = 180;

/// Which algorithms `crypto` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crypto {
    International,
    National,
}

impl Config {
    /// Settings that would make the app unsafe to start, each refused with the
    /// reason (in both languages: an operator reads it in a terminal).
    pub fn validate(&self) -> anyhow::Result<()> {
        self.crypto()?;
        if self.audit_retention_days < MIN_AUDIT_RETENTION_DAYS {
            anyhow::bail!(
                "audit_retention_days = {} 低于最短保存期 {MIN_AUDIT_RETENTION_DAYS} 天（审计日志至少保存六个月）/ \
                 is below the minimum of {MIN_AUDIT_RETENTION_DAYS} days (audit logs are kept at least six months)",
                self.audit_retention_days
            );
        }
        Ok(())
    }

    pub fn crypto(&self) -> anyhow::Result<Crypto> {
        match self.crypto.trim() {
            "international" | "" => Ok(Crypto::International),
            "national" => Ok(Crypto::National),
            other => anyhow::bail!(
                "crypto = {other:?} 无效，应为 international 或 national / must be international or national"
            ),
        }
    }

    /// Whether a forgotten password may be reset by a code texted to the
    /// account's verified phone: with a real gateway (`http`). The `log` driver
    /// only writes the text to the server's log, which no user reads, so it
    /// counts only for the demo (and the tests), where trying the journey is
    /// the point; elsewhere the page offers the sysadmin's reset alone.
    pub fn sms_reset_enabled(&self) -> bool {
        match self.sms_driver.as_str() {
            "http" => self.sms_gateway_url.as_deref().is_some_and(|u| !u.trim().is_empty()),
            "log" => self.demo,
            _ => false,
        }
    }

    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let file = file.unwrap_or(Path::new("xieshang.toml"));
        let cfg = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("XIESHANG_"))
            .extract()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_retention_and_crypto_are_checked() {
        assert!(Config::default().validate().is_ok());
        let short = Config { audit_retention_days: 90, ..Config::default() };
        let msg = format!("{:#}", short.validate().expect_err("90 days"));
        assert!(msg.contains("180") && msg.contains("audit_retention_days"), "{msg}");
        assert!(Config { audit_retention_days: 365, ..Config::default() }.validate().is_ok());
        let national = Config { crypto: "national".into(), ..Config::default() };
        assert_eq!(national.crypto().expect("national"), Crypto::National);
        assert!(Config { crypto: "sm".into(), ..Config::default() }.validate().is_err());
    }

    #[test]
    fn texted_codes_need_a_gateway_or_the_demo() {
        let mut cfg = Config::default();
        assert!(!cfg.sms_reset_enabled(), "the log driver reaches nobody");
        cfg.demo = true;
        assert!(cfg.sms_reset_enabled(), "but the demo shows the journey");
        cfg = Config { sms_driver: "http".into(), ..Config::default() };
        assert!(!cfg.sms_reset_enabled(), "no gateway address");
        cfg.sms_gateway_url = Some("https://sms.example.gov.cn/send".into());
        assert!(cfg.sms_reset_enabled());
    }
}
