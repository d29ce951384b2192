//! Job states and the retry rule.

use chrono::Duration;

use crate::code_enum;

code_enum!(
    /// Where a job is in the queue.
    JobStatus, "job_status" {
        Queued = "queued",
        Running = "running",
        Done = "done",
        /// Failed `max_attempts` times; stays visible to staff, never retried by itself.
        Dead = "dead",
    }
);

pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// A job whose worker died mid-run (crash, kill) is handed out again after this.
pub const STALE_AFTER: Duration = Duration::minutes(10);

/// Wait before the next try after `attempts` failed tries: 30 s, 1 min, 2 min, …
/// capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 8) - 1;
    Duration::seconds((30_i64 << exp).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(120));
        assert_eq!(backoff(7), Duration::seconds(1920));
        assert_eq!(backoff(8), Duration::seconds(3600));
        assert_eq!(backoff(100), Duration::seconds(3600));
        assert_eq!(backoff(0), Duration::seconds(30));
    }
}
