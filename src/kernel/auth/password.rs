//! Password hashing (argon2id) and generated initial passwords.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use rand::seq::{IndexedRandom, SliceRandom};

use crate::kernel::error::AppError;

pub fn hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2: {e}")))
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so that a wrong user
/// name takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("not-a-real-password-1A!").unwrap_or_default());
    &DUMMY
}

/// An initial password that meets the policy and is easy to read aloud over the
/// phone: no 0/O, 1/l/I.
pub fn generate_initial() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let mut rng = rand::rng();
    let mut chars: Vec<u8> = Vec::with_capacity(12);
    for (set, n) in [(LOWER, 5), (UPPER, 3), (DIGIT, 3)] {
        for _ in 0..n {
            chars.extend(set.choose(&mut rng));
        }
    }
    chars.shuffle(&mut rng);
    chars.push(b'!');
    String::from_utf8(chars).unwrap_or_default()
}

/// A random URL-safe token (session CSRF tokens and the like).
pub fn random_token(len: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::auth::model::check_password_policy;

    #[test]
    fn hash_and_verify() {
        let h = hash("Correct-horse9").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Correct-horse9", &h));
        assert!(!verify("correct-horse9", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        for _ in 0..50 {
            let p = generate_initial();
            assert_eq!(check_password_policy(&p, "someone"), Ok(()), "{p}");
            assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        }
    }
}
