//! Password hashing (argon2id) and generated initial passwords.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use rand::seq::{IndexedRandom, SliceRandom};
use std::sync::{Arc, LazyLock, Mutex, mpsc};

use crate::kernel::error::AppError;

/// An argon2id hash as stored. Only `hash` and `hash_async` make one, so the
/// store's functions that take it cannot be handed a plain password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashed(String);

impl Hashed {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The stored "hash" of an account no one signs in to (an outside system's
/// account behind its API token): not a PHC string, so no password matches it.
pub fn no_sign_in() -> Hashed {
    Hashed("!no-sign-in".to_string())
}

/// Hashes a password (on the argon2 threads; blocks the calling thread).
pub fn hash(password: &str) -> Result<Hashed, AppError> {
    let password = password.to_owned();
    on_argon2_threads(move || hash_here(&password)).recv().unwrap_or_else(|_| Err(pool_gone()))
}

/// Checks a password against a stored hash (on the argon2 threads; blocks the
/// calling thread).
pub fn verify(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    on_argon2_threads(move || verify_here(&password, &stored)).recv().unwrap_or(false)
}

/// `hash` for async code: waits without holding a thread, and before any
/// database transaction (a hash must never hold SQLite's one writer).
pub async fn hash_async(password: String) -> Result<Hashed, AppError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    submit(Box::new(move || {
        let _ = tx.send(hash_here(&password));
    }));
    rx.await.unwrap_or_else(|_| Err(pool_gone()))
}

/// `verify` for async code: waits without holding a thread.
pub async fn verify_async(password: String, stored: String) -> bool {
    let (tx, rx) = tokio::sync::oneshot::channel();
    submit(Box::new(move || {
        let _ = tx.send(verify_here(&password, &stored));
    }));
    rx.await.unwrap_or(false)
}

fn hash_here(password: &str) -> Result<Hashed, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| Hashed(h.to_string()))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2: {e}")))
}

fn verify_here(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

fn pool_gone() -> AppError {
    AppError::Internal(anyhow::anyhow!("the password hashing threads have stopped"))
}

/// argon2id takes 19 MiB and tens of milliseconds a hash. Every hash runs on
/// these two threads, so at most two run at once however many logins arrive:
/// memory and CPU stay bounded (16 logins at once were 300 MB on tokio's
/// blocking threads), and a login never holds a database connection meanwhile.
const ARGON2_THREADS: usize = 2;

type Task = Box<dyn FnOnce() + Send>;

fn submit(task: Task) {
    static QUEUE: LazyLock<Option<mpsc::Sender<Task>>> = LazyLock::new(|| {
        let (tx, rx) = mpsc::channel::<Task>();
        let rx = Arc::new(Mutex::new(rx));
        let mut started = 0;
        for i in 0..ARGON2_THREADS {
            let rx = rx.clone();
            let worker = move || {
                loop {
                    // The lock is held only while waiting for the next task.
                    let next = rx.lock().map(|r| r.recv());
                    match next {
                        Ok(Ok(task)) => task(),
                        _ => return,
                    }
                }
            };
            match std::thread::Builder::new().name(format!("argon2-{i}")).spawn(worker) {
                Ok(_) => started += 1,
                Err(e) => tracing::error!(error = %e, "could not start a password hashing thread"),
            }
        }
        (started > 0).then_some(tx)
    });
    match &*QUEUE {
        Some(tx) => {
            if let Err(mpsc::SendError(task)) = tx.send(task) {
                task();
            }
        }
        // No thread could be started: hash here rather than not at all.
        None => task(),
    }
}

fn on_argon2_threads<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> mpsc::Receiver<T> {
    let (tx, rx) = mpsc::channel();
    submit(Box::new(move || {
        let _ = tx.send(f());
    }));
    rx
}

/// A hash to verify against when the user does not exist, so that a wrong user
/// name takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("not-a-real-password-1A!").map(|h| h.0).unwrap_or_default());
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
        assert!(h.as_str().starts_with("$argon2id$"));
        assert!(verify("Correct-horse9", h.as_str()));
        assert!(!verify("correct-horse9", h.as_str()));
        assert!(!verify("x", "not a hash"));
        assert!(!verify("", no_sign_in().as_str()) && !verify("!no-sign-in", no_sign_in().as_str()));
    }

    #[tokio::test]
    async fn async_verify_answers_like_verify() {
        let h = hash("Correct-horse9").expect("hash").as_str().to_string();
        assert!(verify_async("Correct-horse9".into(), h.clone()).await);
        assert!(!verify_async("wrong".into(), h).await);
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
