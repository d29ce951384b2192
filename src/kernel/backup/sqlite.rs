//! SQLite: `VACUUM INTO` writes a consistent copy from one read transaction
//! while the server keeps writing (WAL lets it read beside the writer), and
//! the rows are counted in that copy, so the counts are exactly the copy's.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn open(path: &Path) -> anyhow::Result<SqliteConnection> {
    let mut c =
        SqliteConnection::establish(&path.to_string_lossy()).with_context(|| format!("opening {}", path.display()))?;
    c.batch_execute("PRAGMA busy_timeout = 10000;")?;
    Ok(c)
}

/// `sqlite://` stripped, as `Db::open` does.
pub fn path_of(url: &str) -> &Path {
    Path::new(url.strip_prefix("sqlite://").unwrap_or(url))
}

/// Copies the live database at `src` to `dest` (which must not exist).
pub fn snapshot(src: &Path, dest: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(src.exists(), "no database at {}", src.display());
    let mut c = open(src)?;
    let target = dest.to_string_lossy().replace('\'', "''");
    c.batch_execute(&format!("VACUUM INTO '{target}'")).context("VACUUM INTO")?;
    Ok(())
}

/// Rows of every table, and the last migration.
pub fn counts(path: &Path) -> anyhow::Result<(BTreeMap<String, i64>, String)> {
    let mut c = open(path)?;
    let names: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load(&mut c)?;
    let mut out = BTreeMap::new();
    for Name { name } in names {
        let q = format!("SELECT count(*) AS n FROM \"{}\"", name.replace('"', "\"\""));
        let Count { n } = diesel::sql_query(q).get_result(&mut c)?;
        out.insert(name, n);
    }
    let version = if out.contains_key("__diesel_schema_migrations") {
        diesel::sql_query("SELECT COALESCE(MAX(version), '') AS name FROM __diesel_schema_migrations")
            .get_result::<Name>(&mut c)?
            .name
    } else {
        String::new()
    };
    Ok((out, version))
}

/// Whether `path` is a database with no tables (or no file at all): the only
/// kind a restore writes over.
pub fn is_empty(path: &Path) -> anyhow::Result<bool> {
    if !path.exists() {
        return Ok(true);
    }
    let mut c = open(path)?;
    let Count { n } = diesel::sql_query("SELECT count(*) AS n FROM sqlite_master").get_result(&mut c)?;
    Ok(n == 0)
}

/// Puts the copy in place of the (empty) database at `dest`: written beside
/// it, synced, then renamed, so a failed restore leaves no half database.
pub fn restore(copy: &Path, dest: &Path) -> anyhow::Result<()> {
    let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(".restore.{:016x}.tmp", rand::random::<u64>()));
    std::fs::copy(copy, &tmp).with_context(|| format!("copying to {}", tmp.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let side = dest.with_file_name(format!("{}{suffix}", dest.file_name().unwrap_or_default().to_string_lossy()));
        if side.exists() {
            std::fs::remove_file(&side).with_context(|| format!("removing {}", side.display()))?;
        }
    }
    std::fs::rename(&tmp, dest).with_context(|| format!("moving the copy to {}", dest.display()))?;
    Ok(())
}
