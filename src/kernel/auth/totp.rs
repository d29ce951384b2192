//! Time-based one-time codes (RFC 6238: HMAC-SHA1, six digits, 30-second
//! steps) and the recovery codes that stand in for a lost phone. Pure: the
//! store keeps secrets and used steps, the routes talk to the user.

use hmac::{Hmac, Mac};
use rand::seq::IndexedRandom;
use sha2::Sha256;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::UserId;
use crate::kernel::personal::Vault;

/// Shown in the authenticator app beside the account name.
pub const ISSUER: &str = "xieshang";
/// One step before and after the current one is accepted: a phone clock a
/// little off, or a code typed as it turned over.
const SKEW: u16 = 1;
const STEP_SECS: u64 = 30;
pub const RECOVERY_CODES: usize = 10;

/// A new random 160-bit secret (RFC 4226's recommended length), as base32 —
/// how it is typed into an app and how it is stored (encrypted).
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes).to_base32()
}

fn totp(secret_b32: &str, account: &str) -> AppResult<Totp> {
    let bad = |e: String| AppError::Internal(anyhow::anyhow!("two-factor secret: {e}"));
    let secret = Secret::try_from_base32(secret_b32).map_err(|e| bad(format!("{e:?}")))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(SKEW)
        .with_step_duration(STEP_SECS)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| bad(format!("{e:?}")))
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_url(secret_b32: &str, account: &str) -> AppResult<String> {
    totp(secret_b32, account)?.to_url().map_err(|e| AppError::Internal(anyhow::anyhow!("two-factor address: {e:?}")))
}

/// A code's six digits, spaces removed; anything else is not a code.
pub fn parse_code(input: &str) -> Option<String> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
}

/// The time step `code` belongs to, if it is right at `unix_secs` (within the
/// skew) and later than `last_step`, the step last accepted: a code once
/// used, or an older one, is refused even while it is still current.
pub fn accepted_step(secret_b32: &str, code: &str, unix_secs: u64, last_step: Option<i64>) -> AppResult<Option<i64>> {
    let Some(code) = parse_code(code) else { return Ok(None) };
    let t = totp(secret_b32, "check")?;
    let step = t.check(&code, unix_secs).and_then(|s| i64::try_from(s).ok());
    Ok(step.filter(|&s| last_step.is_none_or(|last| s > last)))
}

/// The code of the current step (the tests' authenticator app).
pub fn current_code(secret_b32: &str, unix_secs: u64) -> AppResult<String> {
    Ok(totp(secret_b32, "code")?.generate(unix_secs).to_string())
}

/// Ten recovery codes of ten letters and digits (no 0/O, 1/l/I), grouped
/// 5-5 to read: about 50 bits each, enough for a code tried at most five
/// times a quarter hour.
pub fn new_recovery_codes() -> Vec<String> {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let c: String = (0..10).filter_map(|_| CHARS.choose(&mut rng)).map(|&b| char::from(b)).collect();
            format!("{}-{}", &c[..5], &c[5..])
        })
        .collect()
}

/// A recovery code as typed: case, spaces and dashes do not matter.
pub fn normalize_recovery(input: &str) -> String {
    input.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// The stored form of a recovery code: HMAC-SHA256 under a key of its own,
/// bound to the account.
pub fn recovery_hash(vault: &Vault, user: UserId, code: &str) -> String {
    let key = vault.derive("auth.recovery_code");
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&key).expect("HMAC takes a key of any length");
    mac.update(format!("{}:{}", user.0, normalize_recovery(code)).as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B's SHA-1 key "12345678901234567890", in base32.
    const RFC_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn rfc_6238_vectors() {
        // The RFC's eight-digit values, last six digits.
        assert_eq!(current_code(RFC_KEY, 59).as_deref().ok(), Some("287082"));
        assert_eq!(current_code(RFC_KEY, 1111111109).as_deref().ok(), Some("081804"));
    }

    #[test]
    fn one_step_either_side_and_never_twice() {
        let t = 1_111_111_109u64;
        let code = current_code(RFC_KEY, t).expect("code");
        let step = (t / 30) as i64;
        assert_eq!(accepted_step(RFC_KEY, &code, t, None).ok().flatten(), Some(step));
        assert_eq!(accepted_step(RFC_KEY, &code, t + 30, None).ok().flatten(), Some(step), "a step late");
        assert_eq!(accepted_step(RFC_KEY, &code, t - 30, None).ok().flatten(), Some(step), "a step early");
        assert_eq!(accepted_step(RFC_KEY, &code, t + 61, None).ok().flatten(), None, "two steps late");
        assert_eq!(accepted_step(RFC_KEY, &code, t, Some(step)).ok().flatten(), None, "used already");
        assert_eq!(accepted_step(RFC_KEY, &code, t, Some(step - 1)).ok().flatten(), Some(step));
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(accepted_step(RFC_KEY, &spaced, t, None).ok().flatten(), Some(step));
        assert_eq!(accepted_step(RFC_KEY, "12345", t, None).ok().flatten(), None);
        assert_eq!(accepted_step(RFC_KEY, "abcdef", t, None).ok().flatten(), None);
    }

    #[test]
    fn secrets_and_recovery_codes() {
        let s = new_secret();
        assert_eq!(s.len(), 32, "160 bits in base32");
        assert!(otpauth_url(&s, "admin").is_ok_and(|u| u.starts_with("otpauth://totp/")));
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        let vault = Vault::new([7; 32]);
        let h = recovery_hash(&vault, UserId(1), &codes[0]);
        assert_eq!(h, recovery_hash(&vault, UserId(1), &codes[0].to_uppercase().replace('-', " ")));
        assert_ne!(h, recovery_hash(&vault, UserId(2), &codes[0]));
    }
}
