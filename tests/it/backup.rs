//! `xieshang backup` while residents submit, `xieshang restore` into a fresh
//! database and folder, on SQLite and PostgreSQL; the real binary throughout.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::prelude::*;
use diesel::sql_types::Text;
use xieshang::kernel::backup::manifest::Manifest;

use crate::support::{Kind, TestApp, drop_pg_database, fresh_database, xieshang_bin};

mod on {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        backup_and_restore(Kind::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        backup_and_restore(Kind::Postgres).await;
    }
}

/// Runs the CLI on database `url` and data folder `data_dir`.
pub fn cli(url: &str, data_dir: &Path, args: &[&str]) -> Output {
    let cwd = tempfile::tempdir().expect("cwd");
    Command::new(xieshang_bin())
        .current_dir(cwd.path())
        .env("DATABASE_URL", url)
        .env("XIESHANG_DATA_DIR", data_dir)
        .env_remove("XIESHANG_PERSONAL_DATA_KEY")
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .output()
        .expect("run xieshang")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A fresh database and data folder to restore into; dropped with it.
struct Target {
    url: String,
    data: tempfile::TempDir,
    _tmp: Option<tempfile::TempDir>,
    pg: Option<String>,
}

impl Target {
    fn new(kind: Kind) -> Target {
        let (url, _tmp, pg) = fresh_database(kind).expect("database");
        Target { url, data: tempfile::tempdir().expect("data"), _tmp, pg }
    }
    fn restore(&self, dir: &Path) -> Output {
        cli(&self.url, self.data.path(), &["restore", &dir.to_string_lossy()])
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(name) = self.pg.take() {
            drop_pg_database(&name);
        }
    }
}

/// `clients` residents submit `each` opinions with a photo; the tracking
/// codes acknowledged, counted in `acked` as they come.
async fn submit_load(app: &TestApp, clients: u64, each: u64, acked: Arc<AtomicUsize>) -> Vec<String> {
    let mut tasks = Vec::new();
    for i in 0..clients {
        let base = app.url("");
        let acked = acked.clone();
        tasks.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            for j in 0..each {
                let sent = crate::crash::submit(&base, 0x10_0000 + i * 1000 + j).await.expect("acknowledged");
                codes.push(sent.code);
                acked.fetch_add(1, Ordering::SeqCst);
            }
            codes
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    all
}

async fn backup_and_restore(kind: Kind) {
    let Some(app) = TestApp::spawn_with(kind, |c| c.trust_proxy_headers = true).await else { return };
    let backups = tempfile::tempdir().expect("backups");
    let (url, data) = (app.db_url.clone(), app.data_dir.clone());

    // A backup while six residents submit with photos.
    let under_load = backups.path().join("under-load");
    let acked = Arc::new(AtomicUsize::new(0));
    let load = submit_load(&app, 6, 4, acked.clone());
    let dir = under_load.clone();
    let (u, d) = (url.clone(), data.clone());
    let backup = tokio::task::spawn_blocking(move || {
        // Once some cases are acknowledged (however slow the machine), while
        // the rest are still coming in.
        let start = std::time::Instant::now();
        while acked.load(Ordering::SeqCst) < 3 && start.elapsed() < std::time::Duration::from_secs(120) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        cli(&u, &d, &["backup", &dir.to_string_lossy(), "--verify"])
    });
    let (acknowledged, made) = tokio::join!(load, backup);
    let made = made.expect("backup");
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("备份已校验"), "{}", text(&made));
    assert_eq!(acknowledged.len(), 24);
    // It restores, every count and hash as in its manifest, and every case in
    // it has its photo.
    let first = Target::new(kind);
    let restored = first.restore(&under_load);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(text(&restored).contains("恢复完成"), "{}", text(&restored));
    let photos = photo_hashes(&first.url);
    assert!(!photos.is_empty());
    for h in &photos {
        let path = first.data.path().join("files").join(&h[..2]).join(&h[2..]);
        assert_eq!(sha256(&path), *h, "the photo of a restored case");
    }

    // Quiet now: a second backup restores to the same rows, table by table,
    // and the same files.
    let quiet = backups.path().join("quiet");
    let made = cli(&url, &data, &["backup", &quiet.to_string_lossy()]);
    assert!(made.status.success(), "{}", text(&made));
    let second = Target::new(kind);
    let restored = second.restore(&quiet);
    assert!(restored.status.success(), "{}", text(&restored));
    let (want, got) = (table_digests(&url), table_digests(&second.url));
    assert!(want.len() > 40, "every table: {:?}", want.keys());
    assert_eq!(want, got, "every table's rows");
    assert_eq!(file_tree(&data.join("files")), file_tree(&second.data.path().join("files")));
    let m: Manifest =
        serde_json::from_slice(&std::fs::read(quiet.join("manifest.json")).expect("manifest")).expect("json");
    for code in &acknowledged {
        assert_eq!(count_code(&second.url, code), 1, "acknowledged {code} restored");
    }
    assert_eq!(m.tables.get("opinions").copied(), Some(count_rows(&url, "opinions")));

    // The key is never in a backup unless asked for, and the command says where it is.
    let key = std::fs::read_to_string(data.join("personal.key")).expect("key");
    assert!(!m.key_included);
    assert!(!quiet.join("personal.key").exists());
    assert!(text(&made).contains(&data.join("personal.key").display().to_string()), "{}", text(&made));
    assert!(text(&restored).contains("备份中没有个人信息密钥"), "{}", text(&restored));
    let keyed = backups.path().join("keyed");
    let made = cli(&url, &data, &["backup", &keyed.to_string_lossy(), "--with-key"]);
    assert!(made.status.success(), "{}", text(&made));
    assert_eq!(std::fs::read_to_string(keyed.join("personal.key")).expect("key in backup"), key);
    let third = Target::new(kind);
    assert!(third.restore(&keyed).status.success());
    assert_eq!(std::fs::read_to_string(third.data.path().join("personal.key")).expect("restored key"), key);

    // A restore never writes over data: not into the running database, not
    // into a folder with files, not into an old backup's folder.
    let refused = cli(&url, &data, &["restore", &quiet.to_string_lossy()]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("目标数据库不是空的"), "{}", text(&refused));
    let fourth = Target::new(kind);
    std::fs::create_dir_all(fourth.data.path().join("files/ab")).expect("mkdir");
    std::fs::write(fourth.data.path().join("files/ab/cd"), b"x").expect("file");
    let refused = fourth.restore(&quiet);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("已有上传文件"), "{}", text(&refused));
    assert!(table_digests(&fourth.url).is_empty(), "nothing restored");
    let again = cli(&url, &data, &["backup", &quiet.to_string_lossy()]);
    assert!(!again.status.success());
    assert!(text(&again).contains("备份目录不是空的"), "{}", text(&again));

    // A damaged file in a backup fails its check and its restore.
    let f = &m.files[0];
    std::fs::write(quiet.join("files").join(&f.path), b"damaged").expect("damage");
    let checked = cli(&url, &data, &["backup", "--verify", &backups.path().join("v").to_string_lossy()]);
    assert!(checked.status.success(), "a new backup is fine: {}", text(&checked));
    let fifth = Target::new(kind);
    let broken = fifth.restore(&quiet);
    assert!(!broken.status.success());
    assert!(text(&broken).contains(&f.path), "{}", text(&broken));
}

fn sha256(path: &Path) -> String {
    xieshang::kernel::backup::files::hash_file(path).expect("file").0
}

/// Every file under `root`, relative path → SHA-256.
fn file_tree(root: &Path) -> BTreeMap<String, String> {
    let names = xieshang::kernel::backup::files::list(root).expect("list");
    names.into_iter().map(|n| (n.clone(), sha256(&root.join(&n)))).collect()
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Text)]
    v: String,
}

fn connect(url: &str) -> xieshang::kernel::db::DbConn {
    use xieshang::kernel::db::DbConn;
    if url.starts_with("postgres://") {
        DbConn::Pg(PgConnection::establish(url).expect("pg"))
    } else {
        DbConn::Sqlite(SqliteConnection::establish(url).expect("sqlite"))
    }
}

fn tables(c: &mut xieshang::kernel::db::DbConn) -> Vec<String> {
    let q = match c {
        xieshang::kernel::db::DbConn::Pg(_) => {
            "SELECT tablename::text AS v FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        }
        xieshang::kernel::db::DbConn::Sqlite(_) => {
            "SELECT name AS v FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    diesel::sql_query(q).load::<One>(c).expect("tables").into_iter().map(|o| o.v).collect()
}

/// Table → a digest of all its rows, in an order of their own: equal when
/// the rows are equal.
fn table_digests(url: &str) -> BTreeMap<String, String> {
    let mut c = connect(url);
    let mut out = BTreeMap::new();
    for t in tables(&mut c) {
        let q = match c {
            xieshang::kernel::db::DbConn::Pg(_) => format!(
                "SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS v FROM public.\"{t}\" x"
            ),
            // SQLite has no row-to-text: quote() every column of every row.
            xieshang::kernel::db::DbConn::Sqlite(_) => sqlite_digest_query(&mut c, &t),
        };
        let One { v } = diesel::sql_query(q).get_result(&mut c).expect("digest");
        out.insert(t, v);
    }
    out
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

fn sqlite_digest_query(c: &mut xieshang::kernel::db::DbConn, table: &str) -> String {
    let cols: Vec<Column> =
        diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')")).load(c).expect("columns");
    let row = cols.iter().map(|c| format!("quote(\"{}\")", c.name)).collect::<Vec<_>>().join(" || '|' || ");
    let row = if row.is_empty() { "''".to_string() } else { row };
    format!("SELECT coalesce(group_concat(r, char(10)), '') AS v FROM (SELECT {row} AS r FROM \"{table}\" ORDER BY 1)")
}

fn count_rows(url: &str, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let N { n } =
        diesel::sql_query(format!("SELECT count(*) AS n FROM {table}")).get_result(&mut connect(url)).expect("count");
    n
}

fn count_code(url: &str, code: &str) -> i64 {
    use xieshang::kernel::db::schema::opinions;
    opinions::table.filter(opinions::code.eq(code)).count().get_result(&mut connect(url)).expect("count")
}

/// The SHA-256 of every photo of a case, as the database names them.
fn photo_hashes(url: &str) -> Vec<String> {
    use xieshang::kernel::db::schema::{files, opinion_files};
    opinion_files::table.inner_join(files::table).select(files::sha256).load(&mut connect(url)).expect("photos")
}
