//! PostgreSQL: the rows are counted in a repeatable-read transaction whose
//! snapshot `pg_dump --snapshot` then dumps, so the counts are the dump's
//! even while the server keeps writing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
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

/// A `pg_dump`/`pg_restore` command for the database at `url`: the password
/// goes in `PGPASSWORD`, never on the command line, where any local user
/// could read it (`ps`) and where it would appear in an error message.
fn pg_tool(program: &str, url: &str) -> Command {
    let (url, password) = without_password(url);
    let mut cmd = Command::new(program);
    cmd.arg(format!("--dbname={url}"));
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    cmd
}

/// The connection string without its password, and the password: both forms
/// libpq takes, `postgres://user:pw@host/db` and `host=… password=…`.
fn without_password(url: &str) -> (String, Option<String>) {
    if let Ok(mut u) = reqwest::Url::parse(url)
        && matches!(u.scheme(), "postgres" | "postgresql")
    {
        let password = u.password().map(|p| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned());
        // Only fails for URLs that cannot have a password at all.
        let _ = u.set_password(None);
        return (u.to_string(), password);
    }
    let mut password = None;
    let rest: Vec<&str> = url
        .split_whitespace()
        .filter(|kv| match kv.strip_prefix("password=") {
            Some(p) => {
                password = Some(p.trim_matches('\'').to_string());
                false
            }
            None => true,
        })
        .collect();
    (rest.join(" "), password)
}

fn open(url: &str) -> anyhow::Result<PgConnection> {
    PgConnection::establish(url).context("connecting to PostgreSQL")
}

fn count_all(c: &mut PgConnection) -> anyhow::Result<(BTreeMap<String, i64>, String)> {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    )
    .load(c)?;
    let mut out = BTreeMap::new();
    for Name { name } in names {
        let q = format!("SELECT count(*) AS n FROM public.\"{}\"", name.replace('"', "\"\""));
        let Count { n } = diesel::sql_query(q).get_result(c)?;
        out.insert(name, n);
    }
    let version = if out.contains_key("__diesel_schema_migrations") {
        diesel::sql_query("SELECT COALESCE(MAX(version), '')::text AS name FROM __diesel_schema_migrations")
            .get_result::<Name>(c)?
            .name
    } else {
        String::new()
    };
    Ok((out, version))
}

/// Dumps the database at `url` to `dest` (custom format); returns the rows
/// of every table and the last migration, as of the dumped snapshot.
pub fn dump(url: &str, dest: &Path) -> anyhow::Result<(BTreeMap<String, i64>, String)> {
    let mut c = open(url)?;
    c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
    let Name { name: snapshot } = diesel::sql_query("SELECT pg_export_snapshot() AS name").get_result(&mut c)?;
    let counted = count_all(&mut c);
    let dumped = counted.and_then(|counts| {
        let out = pg_tool("pg_dump", url)
            .arg("--format=custom")
            .arg(format!("--snapshot={snapshot}"))
            .arg(format!("--file={}", dest.display()))
            .output()
            .context("running pg_dump (is the PostgreSQL client installed?)")?;
        if !out.status.success() {
            bail!("pg_dump failed: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(counts)
    });
    // The snapshot lives as long as this transaction: end it only now.
    c.batch_execute("COMMIT")?;
    dumped
}

/// Rows of every table and the last migration of the database at `url`.
pub fn counts(url: &str) -> anyhow::Result<(BTreeMap<String, i64>, String)> {
    count_all(&mut open(url)?)
}

/// Whether the database has no tables of its own: the only kind a restore
/// writes into.
pub fn is_empty(url: &str) -> anyhow::Result<bool> {
    let Count { n } = diesel::sql_query("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'")
        .get_result(&mut open(url)?)?;
    Ok(n == 0)
}

/// Restores the dump into the (empty) database, in one transaction: a failed
/// restore leaves it empty.
pub fn restore(dump: &Path, url: &str) -> anyhow::Result<()> {
    let out = pg_tool("pg_restore", url)
        .args(["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges"])
        .arg(dump)
        .output()
        .context("running pg_restore (is the PostgreSQL client installed?)")?;
    if !out.status.success() {
        bail!("pg_restore failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// Whether `pg_restore` can read the whole table of contents of the dump.
pub fn readable(dump: &Path) -> anyhow::Result<()> {
    let out = Command::new("pg_restore").arg("--list").arg(dump).output().context("running pg_restore")?;
    if !out.status.success() {
        bail!("pg_restore --list: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_command_line() {
        let (url, pw) = without_password("postgres://xs:s%40cret@db.example:5432/xieshang");
        assert_eq!((url.as_str(), pw.as_deref()), ("postgres://xs@db.example:5432/xieshang", Some("s@cret")));
        let (url, pw) = without_password("postgres://postgres@127.0.0.1:5432/test");
        assert_eq!((url.as_str(), pw), ("postgres://postgres@127.0.0.1:5432/test", None));
        let (url, pw) = without_password("host=db user=xs password=s3cret dbname=xieshang");
        assert_eq!((url.as_str(), pw.as_deref()), ("host=db user=xs dbname=xieshang", Some("s3cret")));
        let cmd = pg_tool("pg_dump", "postgres://xs:s3cret@db/x");
        assert!(cmd.get_args().all(|a| !a.to_string_lossy().contains("s3cret")));
        assert!(cmd.get_envs().any(|(k, v)| k == "PGPASSWORD" && v.is_some_and(|v| v == "s3cret")));
    }
}
