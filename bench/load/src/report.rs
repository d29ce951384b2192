//! The results file as Markdown tables: each figure with its ratio to the
//! baselines measured in the same run, and the targets met or missed.

use std::collections::HashMap;
use std::fmt::Write;

use crate::record::Record;

/// The backends bench/run measures; ids end in `.sqlite` / `.pg`.
const BACKENDS: &[(&str, &str)] = &[("sqlite", "SQLite"), ("pg", "PostgreSQL")];

/// The measured rows, by id stem, in table order.
const ROWS: &[(&str, &str)] = &[
    ("insert", "bare durable insert, group commit (storage limit)"),
    ("submit", "public opinion submit (GET form + POST, durable)"),
    ("post", "public opinion submit, the POST alone, back to back (durable)"),
    ("inbox", "staff inbox, first page"),
    ("search", "staff inbox, two-word Chinese search"),
    ("stats", "dashboard: opinion figures (`/opinions/stats`)"),
    ("board", "leaders' dashboard (`/dashboard`, this quarter)"),
    ("home", "home page (`/`)"),
];

pub fn markdown(records: &[Record], with_targets: bool) -> String {
    // A later record with the same id (a rerun) replaces an earlier one.
    let by_id: HashMap<&str, &Record> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let get = |id: &str| by_id.get(id).copied();
    let mut out = String::new();
    let hello = get("hello");
    let hello_rps = hello.and_then(|r| r.rps);
    for (b, name) in BACKENDS {
        if !records.iter().any(|r| r.id.ends_with(&format!(".{b}"))) {
            continue;
        }
        let _ = writeln!(out, "### {name}\n");
        let conc = records.iter().find(|r| r.id.ends_with(&format!(".{b}"))).and_then(|r| r.concurrency).unwrap_or(0);
        let _ = writeln!(
            out,
            "| figure | ops/s (closed loop, {conc} at once) | × hello | × bare insert | p50 / p99 ms | ½ peak rate: p50 / p99 ms | statements / op | errors |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
        let insert_rps = get(&format!("insert.{b}")).and_then(|r| r.rps);
        if let Some(h) = hello {
            row(&mut out, "hello-world (HTTP limit)", h, get("hello.half"), hello_rps, None);
        }
        for (stem, label) in ROWS {
            let id = format!("{stem}.{b}");
            let Some(r) = get(&id) else { continue };
            let vs_insert = matches!(*stem, "insert" | "submit" | "post").then_some(insert_rps).flatten();
            row(&mut out, label, r, get(&format!("{id}.half")), hello_rps, vs_insert);
            if *stem == "submit" && r.ack_p50_ms.is_some() {
                let half = get(&format!("{id}.half"));
                let _ = writeln!(
                    out,
                    "| — within the visit, its POST (the acknowledged write) | | | | {} | {} | | |",
                    pair(r.ack_p50_ms, r.ack_p99_ms),
                    pair(half.and_then(|h| h.ack_p50_ms), half.and_then(|h| h.ack_p99_ms))
                );
            }
        }
        let _ = writeln!(out);
        two_instances(&mut out, b, &get);
        server(&mut out, b, &get);
        if with_targets {
            targets(&mut out, b, &get, hello_rps);
        }
    }
    out
}

fn row(out: &mut String, label: &str, r: &Record, half: Option<&Record>, hello: Option<f64>, insert: Option<f64>) {
    let errors = r.error_count() + half.map(Record::error_count).unwrap_or(0);
    let error_text = if errors == 0 {
        "0".to_string()
    } else {
        let mut kinds: Vec<String> = r
            .errors
            .iter()
            .chain(half.iter().flat_map(|h| h.errors.iter()))
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        kinds.dedup();
        format!("{errors} ({})", kinds.join(", "))
    };
    let _ = writeln!(
        out,
        "| {label} | {} | {} | {} | {} | {} | {} | {error_text} |",
        num(r.rps),
        ratio(r.rps, hello),
        ratio(r.rps, insert),
        pair(r.p50_ms, r.p99_ms),
        pair(half.and_then(|h| h.p50_ms), half.and_then(|h| h.p99_ms)),
        r.statements_per_op.map(|s| format!("{s:.1}")).unwrap_or("—".into()),
    );
}

fn two_instances<'a>(out: &mut String, b: &str, get: &impl Fn(&str) -> Option<&'a Record>) {
    let rows: Vec<_> =
        ROWS.iter().filter_map(|(stem, label)| get(&format!("{stem}.{b}2")).map(|r| (stem, label, r))).collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "Two app instances on the same database, the load generator alternating between them:\n");
    let _ = writeln!(
        out,
        "| page | ops/s, one instance | ops/s, two | × one | two: p50 / p99 ms | two, ½ peak: p50 / p99 ms |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for (stem, label, r) in rows {
        let one = get(&format!("{stem}.{b}")).and_then(|o| o.rps);
        let half = get(&format!("{stem}.{b}2.half"));
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} |",
            num(one),
            num(r.rps),
            ratio(r.rps, one),
            pair(r.p50_ms, r.p99_ms),
            pair(half.and_then(|h| h.p50_ms), half.and_then(|h| h.p99_ms))
        );
    }
    let _ = writeln!(out);
}

fn server<'a>(out: &mut String, b: &str, get: &impl Fn(&str) -> Option<&'a Record>) {
    let rss = get(&format!("rss.{b}")).and_then(|r| r.value);
    let cold = get(&format!("cold.{b}")).and_then(|r| r.value);
    if rss.is_none() && cold.is_none() {
        return;
    }
    let _ = writeln!(out, "| server | peak RSS (VmHWM) | cold start (exec → `/healthz` 200) |");
    let _ = writeln!(out, "|---|---:|---:|");
    let _ = writeln!(out, "| app | {} MB | {} ms |", num(rss), num(cold));
    if let Some(r2) = get(&format!("rss.{b}2")).and_then(|r| r.value) {
        let _ = writeln!(out, "| the second instance (reads only) | {} MB | |", num(Some(r2)));
    }
    if let Some(base) = get(&format!("rss.baseline.{b}")).and_then(|r| r.value) {
        let _ = writeln!(out, "| baseline server (after its insert runs) | {} MB | |", num(Some(base)));
    }
    let _ = writeln!(out);
}

fn targets<'a>(out: &mut String, b: &str, get: &impl Fn(&str) -> Option<&'a Record>, hello: Option<f64>) {
    let at = |stem: &str| get(&format!("{stem}.{b}"));
    let half = |stem: &str| get(&format!("{stem}.{b}.half"));
    let rate = |stem: &str| at(stem).and_then(|r| r.rps);
    let insert = rate("insert");
    let mut t: Vec<(String, String, Option<bool>)> = vec![];
    // Issue 21's targets: the visit near the storage limit, less so where
    // every statement is a round trip to another process.
    let visit_target = if b == "pg" { 0.3 } else { 0.2 };
    for (stem, name, target) in [("submit", "submit visit", visit_target), ("post", "submit, POST alone", 0.4)] {
        let r = rate(stem).zip(insert).map(|(s, i)| s / i);
        t.push((format!("{name} ≥ {target} × bare durable insert"), fmt_ratio(r), r.map(|r| r >= target)));
    }
    let p99 = half("submit").and_then(|r| r.p99_ms);
    t.push(("submit p99 < 50 ms at ½ peak".into(), ms(p99), p99.map(|v| v < 50.0)));
    for (stem, name) in [("inbox", "inbox first page"), ("search", "two-word search"), ("home", "home page")] {
        let r = rate(stem).zip(hello).map(|(s, h)| s / h);
        t.push((format!("{name} ≥ 0.03 × hello-world"), fmt_ratio(r), r.map(|r| r >= 0.03)));
    }
    for (stem, name) in [("inbox", "inbox first page"), ("search", "two-word search")] {
        let h = half(stem);
        let (p50, p99) = (h.and_then(|r| r.p50_ms), h.and_then(|r| r.p99_ms));
        t.push((
            format!("{name} p50 < 10 ms, p99 < 50 ms (½ peak)"),
            format!("{} / {}", ms(p50), ms(p99)),
            p50.zip(p99).map(|(a, z)| a < 10.0 && z < 50.0),
        ));
    }
    let d = half("stats").and_then(|r| r.p99_ms);
    t.push(("figures page < 50 ms (p99, ½ peak)".into(), ms(d), d.map(|v| v < 50.0)));
    let d = half("board").and_then(|r| r.p99_ms);
    t.push(("leaders' dashboard < 100 ms (p99, ½ peak)".into(), ms(d), d.map(|v| v < 100.0)));
    let rss = get(&format!("rss.{b}")).and_then(|r| r.value);
    t.push((
        "server peak RSS ≤ 150 MB".into(),
        rss.map(|v| format!("{v:.0} MB")).unwrap_or("—".into()),
        rss.map(|v| v <= 150.0),
    ));
    let cold = get(&format!("cold.{b}")).and_then(|r| r.value);
    t.push((
        "cold start < 1 s".into(),
        cold.map(|v| format!("{v:.0} ms")).unwrap_or("—".into()),
        cold.map(|v| v < 1000.0),
    ));
    let _ = writeln!(out, "| target | measured | |");
    let _ = writeln!(out, "|---|---:|---|");
    for (name, measured, met) in t {
        let verdict = match met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "not measured",
        };
        let _ = writeln!(out, "| {name} | {measured} | {verdict} |");
    }
    let _ = writeln!(out);
}

fn num(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{} ms", num(Some(v)))).unwrap_or("—".into())
}

fn pair(a: Option<f64>, b: Option<f64>) -> String {
    if a.is_none() && b.is_none() {
        return "—".into();
    }
    format!("{} / {}", num(a), num(b))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    fmt_ratio(a.zip(b).filter(|(_, b)| *b > 0.0).map(|(a, b)| a / b))
}

/// Two significant digits at least, so that small ratios do not read as 0.
fn fmt_ratio(r: Option<f64>) -> String {
    match r {
        None => "—".into(),
        Some(r) if r >= 0.1 => format!("{r:.2}"),
        Some(r) if r >= 0.01 => format!("{r:.3}"),
        Some(r) if r >= 0.001 => format!("{r:.4}"),
        Some(r) => format!("{r:.1e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(id: &str, rps: f64, p50: f64, p99: f64) -> Record {
        Record {
            id: id.into(),
            rps: Some(rps),
            p50_ms: Some(p50),
            p99_ms: Some(p99),
            concurrency: Some(16),
            ..Record::default()
        }
    }

    #[test]
    fn ratios_and_verdicts() {
        let recs = vec![
            load("hello", 10_000.0, 1.0, 2.0),
            load("insert.sqlite", 4_000.0, 3.0, 6.0),
            load("submit.sqlite", 2_500.0, 5.0, 20.0),
            load("submit.sqlite.half", 1_250.0, 4.0, 60.0),
            Record { statements_per_op: Some(9.0), ..load("post.sqlite", 1_500.0, 2.0, 9.0) },
            load("home.sqlite", 250.0, 30.0, 60.0),
            load("board.sqlite", 200.0, 30.0, 50.0),
            load("board.sqlite.half", 100.0, 20.0, 40.0),
            Record { id: "rss.sqlite".into(), value: Some(80.0), ..Record::default() },
        ];
        let md = markdown(&recs, true);
        assert!(md.contains("| public opinion submit (GET form + POST, durable) | 2500 | 0.25 | 0.62 |"), "{md}");
        assert!(md.contains("| submit visit ≥ 0.2 × bare durable insert | 0.62 | met |"), "{md}");
        assert!(md.contains("| submit, POST alone ≥ 0.4 × bare durable insert | 0.38 | **missed** |"), "{md}");
        assert!(md.contains("| 2.00 / 9.00 | — | 9.0 | 0 |"), "statements per op: {md}");
        assert!(md.contains("| home page ≥ 0.03 × hello-world | 0.025 | **missed** |"), "{md}");
        assert!(md.contains("| submit p99 < 50 ms at ½ peak | 60.0 ms | **missed** |"), "{md}");
        assert!(md.contains("| leaders' dashboard < 100 ms (p99, ½ peak) | 40.0 ms | met |"), "{md}");
        assert!(md.contains("| server peak RSS ≤ 150 MB | 80 MB | met |"), "{md}");
        assert!(md.contains("| cold start < 1 s | — | not measured |"), "{md}");
        assert!(!md.contains("PostgreSQL"));
    }
}
