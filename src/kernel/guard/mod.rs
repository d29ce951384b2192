//! Protecting public endpoints (the opinion box takes submissions without a
//! login): rate limits counted in the database, so every app instance sees the
//! same counts; a simple arithmetic challenge that needs no outside service; the
//! client's address.

mod challenge;
mod ip;
mod rate;

pub use challenge::{CHALLENGE_TTL, Challenge, check_challenge, new_challenge, parse_answer};
pub use ip::client_ip;
pub use rate::{PURGE_JOB, count, count_at, hit, hit_at, hit_count, purge_expired, purge_job, take_back};
