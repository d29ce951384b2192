//! Closed and open loops.
//!
//! Closed: `concurrency` sessions, each sending its next request when the last
//! one is answered — the peak rate. Open: requests started on a fixed schedule
//! whatever the answers, latency counted from the *scheduled* start, so a
//! stalled server shows as latency instead of silently lowering the rate
//! (coordinated omission).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::flows::{self, Flow, Session, Target};
use crate::http::Client;
use crate::statements;

pub struct Plan {
    pub flow: Flow,
    pub concurrency: usize,
    pub duration: Duration,
    pub warmup: Duration,
    /// Open loop at this many operations a second; closed loop without.
    pub rate: Option<f64>,
    /// The servers' metrics addresses, to count the statements run.
    pub metrics: Vec<String>,
}

pub struct Stats {
    /// Whole operations, µs.
    pub latency: Histogram<u64>,
    /// The acknowledged part of an operation (the submit's POST), µs.
    pub acked: Histogram<u64>,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    /// Statements the servers ran from the start of the measured window to
    /// the last answer (`None` without metrics addresses).
    pub statements: Option<u64>,
}

impl Stats {
    fn new() -> Stats {
        Stats { latency: histogram(), acked: histogram(), ok: 0, errors: BTreeMap::new(), statements: None }
    }

    fn record(&mut self, result: Result<Option<Duration>, String>, took: Duration) {
        match result {
            Ok(acked) => {
                self.ok += 1;
                self.latency.saturating_record(micros(took));
                if let Some(a) = acked {
                    self.acked.saturating_record(micros(a));
                }
            }
            Err(e) => *self.errors.entry(e).or_insert(0) += 1,
        }
    }

    fn merge(&mut self, other: &Stats) {
        self.ok += other.ok;
        let _ = self.latency.add(&other.latency);
        let _ = self.acked.add(&other.acked);
        for (k, n) in &other.errors {
            *self.errors.entry(k.clone()).or_insert(0) += n;
        }
    }
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 10 minutes at 3 significant digits; a bound this size cannot fail.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant histogram bounds are valid")
}

fn micros(d: Duration) -> u64 {
    d.as_micros().min(u64::MAX as u128) as u64
}

pub async fn run(plan: &Plan, target: Arc<Target>) -> anyhow::Result<Stats> {
    let client = Client::new();
    let mut sessions = Vec::with_capacity(plan.concurrency);
    // Logins one at a time: each is an argon2 hash, and the server has two cores.
    for _ in 0..plan.concurrency.max(1) {
        sessions.push(flows::prepare(&plan.flow, &client, &target).await?);
    }
    let seq = Arc::new(AtomicU64::new(0));
    // The count at the window's start, read while the warm-up runs.
    let window_start = Instant::now() + plan.warmup;
    let before = {
        let (client, urls) = (client.clone(), plan.metrics.clone());
        tokio::spawn(async move {
            tokio::time::sleep_until(window_start).await;
            statements::total(&client, &urls).await
        })
    };
    let mut stats = match plan.rate {
        None => closed(plan, target, client.clone(), sessions, seq).await,
        Some(rate) => open(plan, rate, target, client.clone(), sessions, seq).await,
    };
    if !plan.metrics.is_empty() {
        let before = before.await.ok().flatten();
        let after = statements::total(&client, &plan.metrics).await;
        stats.statements = before.zip(after).map(|(b, a)| a.saturating_sub(b));
    }
    Ok(stats)
}

async fn closed(
    plan: &Plan,
    target: Arc<Target>,
    client: Client,
    sessions: Vec<Session>,
    seq: Arc<AtomicU64>,
) -> Stats {
    let measure_from = Instant::now() + plan.warmup;
    let end = measure_from + plan.duration;
    let mut tasks = Vec::new();
    for s in sessions {
        let (flow, target, client, seq) = (plan.flow.clone(), target.clone(), client.clone(), seq.clone());
        tasks.push(tokio::spawn(async move {
            let mut stats = Stats::new();
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let n = seq.fetch_add(1, Ordering::Relaxed);
                let r = flows::run(&flow, &client, &target, &s, n).await;
                if t0 >= measure_from {
                    stats.record(r, t0.elapsed());
                }
            }
            stats
        }));
    }
    let mut all = Stats::new();
    for t in tasks {
        if let Ok(s) = t.await {
            all.merge(&s);
        }
    }
    all
}

/// The most operations in flight before new ones are counted as refused
/// (the server is far past saturation by then).
const MAX_IN_FLIGHT: usize = 4096;

async fn open(
    plan: &Plan,
    rate: f64,
    target: Arc<Target>,
    client: Client,
    sessions: Vec<Session>,
    seq: Arc<AtomicU64>,
) -> Stats {
    let stats = Arc::new(Mutex::new(Stats::new()));
    let sessions = Arc::new(sessions);
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let start = Instant::now();
    let measure_from = start + plan.warmup;
    let end = measure_from + plan.duration;
    let interval = 1.0 / rate.max(0.001);
    for i in 0u64.. {
        let due = start + Duration::from_secs_f64(i as f64 * interval);
        if due >= end {
            break;
        }
        tokio::time::sleep_until(due).await;
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            if due >= measure_from
                && let Ok(mut s) = stats.lock()
            {
                *s.errors.entry("too many in flight".into()).or_insert(0) += 1;
            }
            continue;
        };
        let (flow, target, client, seq, stats, sessions) =
            (plan.flow.clone(), target.clone(), client.clone(), seq.clone(), stats.clone(), sessions.clone());
        tokio::spawn(async move {
            let n = seq.fetch_add(1, Ordering::Relaxed);
            let s = &sessions[n as usize % sessions.len()];
            let r = flows::run(&flow, &client, &target, s, n).await;
            // From the scheduled start, not the actual one.
            let took = due.elapsed();
            if due >= measure_from
                && let Ok(mut st) = stats.lock()
            {
                st.record(r, took);
            }
            drop(permit);
        });
    }
    // Wait for what is still in flight (bounded: a hung server is not our problem here).
    let _ = tokio::time::timeout(Duration::from_secs(60), permits.acquire_many(MAX_IN_FLIGHT as u32)).await;
    let mut out = Stats::new();
    if let Ok(s) = stats.lock() {
        out.merge(&s);
    }
    out
}
