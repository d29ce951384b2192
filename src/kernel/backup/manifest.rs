//! `manifest.json`: what a backup holds, and the one rule that checks a copy
//! against it (pure, so a unit test reaches it without a database).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const FILE: &str = "manifest.json";
/// Bumped when the layout of a backup folder changes.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The `xieshang` version that wrote it.
    pub tool_version: String,
    /// UTC, RFC 3339.
    pub created_at: String,
    /// `sqlite` or `postgres`: a backup restores into the same kind of database.
    pub backend: String,
    /// The last migration applied (its version, e.g. `2026-12-03-000022`).
    pub schema_version: String,
    /// The database copy inside the folder, and its SHA-256.
    pub database: Entry,
    /// Rows of every table, counted in the snapshot that was copied.
    pub tables: BTreeMap<String, i64>,
    /// Uploaded files, by path under `files/`.
    pub files: Vec<Entry>,
    /// Whether `personal.key` is in the folder (`--with-key`).
    pub key_included: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// One difference between a manifest and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    Rows { table: String, expected: i64, found: Option<i64> },
    ExtraTable { table: String, rows: i64 },
    File { path: String, expected: String, found: Option<String> },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mismatch::Rows { table, expected, found: Some(n) } => {
                write!(f, "表 table {table}: 清单 manifest {expected} 行 rows, 实际 found {n}")
            }
            Mismatch::Rows { table, expected, found: None } => {
                write!(f, "表 table {table}: 清单 manifest {expected} 行 rows, 表不存在 missing")
            }
            Mismatch::ExtraTable { table, rows } => {
                write!(f, "表 table {table}: 清单中没有 not in the manifest ({rows} 行 rows)")
            }
            Mismatch::File { path, expected, found: Some(h) } => {
                write!(f, "文件 file {path}: SHA-256 {h} ≠ {expected}")
            }
            Mismatch::File { path, found: None, .. } => write!(f, "文件 file {path}: 缺失 missing"),
        }
    }
}

/// Every difference between the manifest and the tables and files found
/// (`files`: path → SHA-256 of what is there; a path absent means missing).
pub fn compare(
    m: &Manifest,
    tables: &BTreeMap<String, i64>,
    files: &BTreeMap<String, Option<String>>,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for (table, &expected) in &m.tables {
        let found = tables.get(table).copied();
        if found != Some(expected) {
            out.push(Mismatch::Rows { table: table.clone(), expected, found });
        }
    }
    for (table, &rows) in tables {
        if !m.tables.contains_key(table) {
            out.push(Mismatch::ExtraTable { table: table.clone(), rows });
        }
    }
    for e in &m.files {
        let found = files.get(&e.path).cloned().flatten();
        if found.as_deref() != Some(e.sha256.as_str()) {
            out.push(Mismatch::File { path: e.path.clone(), expected: e.sha256.clone(), found });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            format: FORMAT,
            tool_version: "0.1.0".into(),
            created_at: "2026-12-03T20:00:00Z".into(),
            backend: "sqlite".into(),
            schema_version: "2026-12-03-000022".into(),
            database: Entry { path: "database.sqlite".into(), sha256: "d".repeat(64), size: 10 },
            tables: BTreeMap::from([("opinions".into(), 3), ("files".into(), 1)]),
            files: vec![Entry { path: "ab/cd".into(), sha256: "a".repeat(64), size: 5 }],
            key_included: false,
        }
    }

    #[test]
    fn the_same_counts_and_hashes_match() {
        let m = manifest();
        let files = BTreeMap::from([("ab/cd".to_string(), Some("a".repeat(64)))]);
        assert_eq!(compare(&m, &m.tables.clone(), &files), []);
    }

    #[test]
    fn every_difference_is_reported() {
        let m = manifest();
        let tables = BTreeMap::from([("opinions".into(), 2), ("stray".into(), 7)]);
        let files = BTreeMap::from([("ab/cd".to_string(), Some("b".repeat(64)))]);
        let found = compare(&m, &tables, &files);
        assert_eq!(
            found,
            [
                Mismatch::Rows { table: "files".into(), expected: 1, found: None },
                Mismatch::Rows { table: "opinions".into(), expected: 3, found: Some(2) },
                Mismatch::ExtraTable { table: "stray".into(), rows: 7 },
                Mismatch::File { path: "ab/cd".into(), expected: "a".repeat(64), found: Some("b".repeat(64)) },
            ]
        );
        assert_eq!(compare(&m, &m.tables, &BTreeMap::new()).len(), 1, "a missing file");
    }

    #[test]
    fn round_trips_as_json() {
        let m = manifest();
        let text = serde_json::to_string_pretty(&m).expect("json");
        assert_eq!(serde_json::from_str::<Manifest>(&text).expect("parse"), m);
    }
}
