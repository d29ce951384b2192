//! One line of the results file (JSON Lines): a load figure, or a single value
//! such as peak RSS or cold start that bench/run measured itself.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::driver::Stats;

#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secs: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
    /// The acknowledged part of an operation (the submit's POST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_p50_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_p99_ms: Option<f64>,
    /// Statements the server ran per successful operation, in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statements_per_op: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Record {
    pub fn from_stats(
        id: &str,
        label: &str,
        stats: &Stats,
        concurrency: usize,
        rate: Option<f64>,
        secs: f64,
    ) -> Record {
        let ms =
            |h: &hdrhistogram::Histogram<u64>, q: f64| (!h.is_empty()).then(|| h.value_at_quantile(q) as f64 / 1000.0);
        Record {
            id: id.into(),
            label: label.into(),
            mode: Some(if rate.is_some() { "open" } else { "closed" }.into()),
            concurrency: Some(concurrency),
            rate,
            secs: Some(secs),
            ok: Some(stats.ok),
            errors: stats.errors.clone(),
            rps: Some(stats.ok as f64 / secs.max(1e-9)),
            p50_ms: ms(&stats.latency, 0.5),
            p90_ms: ms(&stats.latency, 0.9),
            p99_ms: ms(&stats.latency, 0.99),
            max_ms: (!stats.latency.is_empty()).then(|| stats.latency.max() as f64 / 1000.0),
            ack_p50_ms: ms(&stats.acked, 0.5),
            ack_p99_ms: ms(&stats.acked, 0.99),
            statements_per_op: stats.statements.filter(|_| stats.ok > 0).map(|n| n as f64 / stats.ok as f64),
            ..Record::default()
        }
    }

    pub fn append(&self, path: &Path) -> anyhow::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("open {}", path.display()))?;
        writeln!(f, "{}", serde_json::to_string(self)?)?;
        Ok(())
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

pub fn read_all(path: &Path) -> anyhow::Result<Vec<Record>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("{}: line {}", path.display(), i + 1)))
        .collect()
}
