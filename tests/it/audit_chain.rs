//! The audit log's hash chain: it verifies after ordinary work, and a row
//! changed or removed around the append-only triggers is named, by
//! `xieshang audit verify` (exit code 1) and on the auditor's /audit/chain.

use diesel::prelude::*;
use xieshang::kernel::audit::chain::{self, Break, Verdict};
use xieshang::kernel::db::Backend;
use xieshang::kernel::db::schema::audit_log;

use crate::support::{Kind, TestApp, submit_opinion};

fn verify(app: &TestApp) -> Verdict {
    app.db.read_blocking(chain::verify).expect("verify")
}

/// Lifts the append-only triggers, as someone with the database's owner
/// rights could, and runs `sql`.
fn tamper(app: &TestApp, sql: &str) {
    let lift = match app.db.backend {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;",
    };
    let sql = format!("{lift} {sql}");
    app.db
        .write_blocking(move |c| {
            diesel::connection::SimpleConnection::batch_execute(c, &sql)?;
            Ok(())
        })
        .expect("tamper");
}

fn cli_verify(app: &TestApp) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.db_url)
        .env("XIESHANG_DATA_DIR", &app.data_dir)
        .output()
        .expect("run xieshang");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The ids of the chained rows, oldest first.
fn ids(app: &TestApp) -> Vec<(i64, Option<String>)> {
    app.db
        .read_blocking(|c| {
            Ok(audit_log::table.order(audit_log::id).select((audit_log::id, audit_log::hash_alg)).load(c)?)
        })
        .expect("ids")
}

async fn chain_verifies_and_a_changed_row_is_named(app: TestApp, alg: &str) {
    let resident = app.client();
    submit_opinion(&resident, &[("body", "路灯坏了三盏。"), ("phone", "13903981234"), ("name", "王秀兰")]).await;
    let rows = ids(&app);
    assert!(rows.len() > 3);
    assert_eq!(rows.last().and_then(|r| r.1.as_deref()), Some(alg), "the newest row uses the configured hash");
    let n = rows.len() as u64;
    assert!(matches!(verify(&app), Verdict::Intact { rows, unchained: 0, head: Some(_) } if rows == n));

    let (code, out) = cli_verify(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("审计日志完整：{n} 条")), "{out}");
    let auditor = app.login_as("auditor").await;
    let (status, page) = auditor.get_text("/audit/chain").await;
    assert_eq!(status, 200);
    assert!(page.contains("审计日志完整："), "{page}");
    // Not for other roles.
    assert_eq!(app.login_as("admin").await.get_text("/audit/chain").await.0, 403);

    // Someone changes who did a row in the middle.
    let victim = rows[rows.len() / 2].0;
    tamper(&app, &format!("UPDATE audit_log SET actor_name = 'nobody' WHERE id = {victim};"));
    assert_eq!(verify(&app), Verdict::Broken { id: victim, why: Break::Altered });
    let (code, out) = cli_verify(&app);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("第 {victim} 号记录")), "{out}");
    let (status, page) = auditor.get_text("/audit/chain").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("第 {victim} 号记录")) && page.contains("内容被改动过"), "{page}");
}

async fn a_removed_row_breaks_the_link(app: TestApp) {
    let rows = ids(&app);
    let (gone, next) = (rows[1].0, rows[2].0);
    tamper(&app, &format!("DELETE FROM audit_log WHERE id = {gone};"));
    assert_eq!(verify(&app), Verdict::Broken { id: next, why: Break::Unlinked });
}

async fn spawn(kind: Kind, national: bool) -> Option<TestApp> {
    TestApp::spawn_with(kind, |c| {
        if national {
            c.crypto = "national".into();
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sha256_sqlite() {
    chain_verifies_and_a_changed_row_is_named(spawn(Kind::Sqlite, false).await.expect("app"), "sha256").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sha256_postgres() {
    if let Some(app) = spawn(Kind::Postgres, false).await {
        chain_verifies_and_a_changed_row_is_named(app, "sha256").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sm3_sqlite() {
    chain_verifies_and_a_changed_row_is_named(spawn(Kind::Sqlite, true).await.expect("app"), "sm3").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sm3_postgres() {
    if let Some(app) = spawn(Kind::Postgres, true).await {
        chain_verifies_and_a_changed_row_is_named(app, "sm3").await;
    }
}

crate::on_both_databases!(a_removed_row_breaks_the_link);
