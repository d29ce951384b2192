//! `xieshang-load`: the load generator behind bench/run.
//!
//! - `run`: one figure — a flow at a fixed concurrency (closed loop) or a fixed
//!   rate (open loop); prints a summary to stderr and ops/s to stdout, and
//!   appends a JSON line to `--out`.
//! - `value`: appends a single measured value (peak RSS, cold start) to `--out`.
//! - `wait`: polls a URL until it answers 200; prints the milliseconds waited.
//! - `report`: the results file as Markdown tables with ratios and targets.

mod driver;
mod flows;
mod http;
mod record;
mod report;
mod statements;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::driver::Plan;
use crate::flows::{Flow, Login, Target};
use crate::record::Record;

#[derive(Parser)]
#[command(name = "xieshang-load", about = "load generator for bench/run")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FlowKind {
    /// GET --path (logged in with --login if given).
    Get,
    /// POST an opinion-sized text to a baseline's /insert.
    Insert,
    /// The public box: GET /box/<committee>, then POST the form.
    Submit,
    /// The public box's POST alone (each session reads the form once).
    SubmitPost,
}

#[derive(Subcommand)]
enum Command {
    /// Measure one figure.
    Run {
        /// Base URL of the server; repeat it to alternate between instances.
        #[arg(long = "url", required = true)]
        urls: Vec<String>,
        #[arg(long, value_enum)]
        flow: FlowKind,
        /// The page for `get` (e.g. /opinions?q=路灯+维修).
        #[arg(long, default_value = "/hello")]
        path: String,
        /// USER:PASSWORD to log in with before a `get` (one session per concurrent user).
        #[arg(long)]
        login: Option<String>,
        /// The committee whose public box `submit` posts to.
        #[arg(long, default_value = "hubin")]
        committee: String,
        /// Operations in flight (closed loop), or sessions to spread an open loop over.
        #[arg(long, short = 'c', default_value_t = 16)]
        concurrency: usize,
        /// Seconds measured.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Seconds run first and not counted (connections, caches, the JIT of nothing).
        #[arg(long, default_value_t = 2.0)]
        warmup: f64,
        /// Open loop at this many operations a second (default: closed loop).
        #[arg(long)]
        rate: Option<f64>,
        /// The figure's id in the results file (e.g. submit.sqlite, inbox.pg.half).
        #[arg(long, default_value = "adhoc")]
        id: String,
        #[arg(long, default_value = "")]
        label: String,
        /// The results file (JSON Lines) to append to.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Exit with status 3 when nothing succeeded or more than 1 % failed
        /// (bench/run --quick: the harness must notice a flow that broke).
        #[arg(long)]
        strict: bool,
        /// A server's metrics address (its `/metrics` URL), to count the
        /// statements it runs per operation; repeat it for each instance.
        #[arg(long = "metrics")]
        metrics: Vec<String>,
    },
    /// Record a value measured elsewhere.
    Value {
        #[arg(long)]
        id: String,
        #[arg(long)]
        value: f64,
        #[arg(long, default_value = "")]
        unit: String,
        #[arg(long, default_value = "")]
        label: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Poll a URL until it answers 200 OK.
    Wait {
        #[arg(long)]
        url: String,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
    },
    /// Print the results file as Markdown.
    Report {
        #[arg(long)]
        results: PathBuf,
        /// Leave out the targets (a quick run's figures judge nothing).
        #[arg(long)]
        no_targets: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            urls,
            flow,
            path,
            login,
            committee,
            concurrency,
            duration,
            warmup,
            rate,
            id,
            label,
            out,
            strict,
            metrics,
        } => {
            let login = match login {
                Some(l) => {
                    let (username, password) = l.split_once(':').context("--login wants USER:PASSWORD")?;
                    Some(Login { username: username.into(), password: password.into() })
                }
                None => None,
            };
            let flow = match flow {
                FlowKind::Get => Flow::Get { path: http::encode_path(&path), login },
                FlowKind::Insert => Flow::Insert,
                FlowKind::Submit => Flow::Submit { committee },
                FlowKind::SubmitPost => Flow::SubmitPost { committee },
            };
            if rate.is_some_and(|r| r <= 0.0) || duration <= 0.0 {
                bail!("--rate and --duration must be positive");
            }
            let plan = Plan {
                flow,
                concurrency: concurrency.max(1),
                duration: Duration::from_secs_f64(duration),
                warmup: Duration::from_secs_f64(warmup.max(0.0)),
                rate,
                metrics,
            };
            let rt = tokio::runtime::Runtime::new()?;
            let stats = rt.block_on(driver::run(&plan, Arc::new(Target::new(urls))))?;
            let rec = Record::from_stats(&id, &label, &stats, plan.concurrency, rate, duration);
            summary(&rec);
            if let Some(out) = out {
                rec.append(&out)?;
            }
            println!("{:.1}", rec.rps.unwrap_or(0.0));
            let (ok, errors) = (rec.ok.unwrap_or(0), rec.error_count());
            if strict && (ok == 0 || errors * 100 > ok + errors) {
                eprintln!("{id}: {ok} ok, {errors} errors: the flow is broken");
                std::process::exit(3);
            }
            Ok(())
        }
        Command::Value { id, value, unit, label, out } => {
            Record { id, label, value: Some(value), unit: Some(unit), ..Record::default() }.append(&out)
        }
        Command::Wait { url, timeout } => wait(&url, Duration::from_secs_f64(timeout)),
        Command::Report { results, no_targets } => {
            print!("{}", report::markdown(&record::read_all(&results)?, !no_targets));
            Ok(())
        }
    }
}

fn summary(r: &Record) {
    let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or("-".into());
    let mode = match r.rate {
        Some(rate) => format!("open loop at {rate:.1}/s"),
        None => format!("closed loop, {} at once", r.concurrency.unwrap_or(0)),
    };
    eprintln!(
        "{:<22} {mode}: {:.1} ops/s, p50 {} p90 {} p99 {} max {} ms, {} ok, {} errors{}",
        r.id,
        r.rps.unwrap_or(0.0),
        f(r.p50_ms),
        f(r.p90_ms),
        f(r.p99_ms),
        f(r.max_ms),
        r.ok.unwrap_or(0),
        r.error_count(),
        if r.errors.is_empty() { String::new() } else { format!(" {:?}", r.errors) },
    );
    if let Some(s) = r.statements_per_op {
        eprintln!("{:<22} statements per operation: {s:.1}", "");
    }
    if r.ack_p50_ms.is_some() {
        eprintln!("{:<22} acknowledged part: p50 {} p99 {} ms", "", f(r.ack_p50_ms), f(r.ack_p99_ms));
    }
}

/// Polls every 2 ms (cold start is measured with it, so the poll must be fine-grained).
fn wait(url: &str, timeout: Duration) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let started = Instant::now();
    rt.block_on(async {
        let client = http::Client::new();
        loop {
            let req = http::request(hyper::Method::GET, url, None, false, &[], None)?;
            if let Ok(Ok(res)) = tokio::time::timeout(Duration::from_secs(2), client.send(req)).await
                && res.status == hyper::StatusCode::OK
            {
                println!("{}", started.elapsed().as_millis());
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!("{url} did not answer 200 within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
}
