//! Crash test: the real server killed with SIGKILL while residents submit
//! opinions with photos, restarted, and every acknowledged submission checked:
//! its row complete, its photo on disk with the hash its row records.
//!
//! Small by default (3 rounds × 6 clients); XIESHANG_CRASH_ROUNDS and
//! XIESHANG_CRASH_CLIENTS make it bigger (`bench/crash` runs 100 × 8).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use xieshang::kernel::db::DbConn;
use xieshang::kernel::db::schema::{files, opinion_files, opinions};

use crate::support::{Kind, distinct_png, drop_pg_database, extract_csrf, fresh_database, resident_at, xieshang_bin};

mod on {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        crash_and_recover(Kind::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        crash_and_recover(Kind::Postgres).await;
    }
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The real binary serving on a free port.
fn start(url: &str, data: &Path, log: &Path) -> (Child, String) {
    let port = TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log");
    let child = Command::new(xieshang_bin())
        .current_dir(data)
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .env("XIESHANG_DATA_DIR", data)
        .env("XIESHANG_TRUST_PROXY_HEADERS", "true")
        .env_remove("XIESHANG_PERSONAL_DATA_KEY")
        .stdout(Stdio::from(log.try_clone().expect("log")))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start xieshang serve");
    (child, format!("http://127.0.0.1:{port}"))
}

async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server at {base} did not start");
}

/// What one acknowledged submission sent.
pub struct Sent {
    pub code: String,
    pub body: String,
}

/// One resident's submission; `None` unless the server acknowledged it (its
/// tracking page). Errors are expected: the server dies under it.
pub async fn submit(base: &str, seq: u64) -> Option<Sent> {
    let c = resident_at(base, &format!("10.{}.{}.{}", (seq >> 16) & 0xFF, (seq >> 8) & 0xFF, seq & 0xFF));
    let page = c.http.get(format!("{base}/box/hubin")).send().await.ok()?.text().await.ok()?;
    let csrf = extract_csrf(&page)?;
    let body = format!("第{seq}号反映：小区东门路灯坏了两个星期，晚上出行很不方便，请尽快修好。");
    let photo = reqwest::multipart::Part::bytes(distinct_png(seq)).file_name("路灯.png").mime_str("image/png").ok()?;
    let form = reqwest::multipart::Form::new().text("_csrf", csrf).text("body", body.clone()).part("photo", photo);
    let r = c.http.post(format!("{base}/box/hubin")).multipart(form).send().await.ok()?;
    let loc = r.headers().get("location")?.to_str().ok()?;
    let code = loc.strip_prefix("/track/")?.strip_suffix("?new=1")?.to_string();
    (r.status() == 303).then_some(Sent { code, body })
}

async fn crash_and_recover(kind: Kind) {
    let Some((url, _tmp, pg)) = fresh_database(kind) else { return };
    let rounds = setting("XIESHANG_CRASH_ROUNDS", 3);
    let clients = setting("XIESHANG_CRASH_CLIENTS", 6);
    let data = tempfile::tempdir().expect("data");
    let log = data.path().join("serve.log");
    let acked: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let seq = Arc::new(AtomicU64::new(1));
    let mut attempts = 0;
    for round in 0..rounds {
        let (mut server, base) = start(&url, data.path(), &log);
        wait_ready(&base).await;
        let stop = Arc::new(AtomicBool::new(false));
        let before = acked.lock().expect("acks").len();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (base, stop, seq, acked) = (base.clone(), stop.clone(), seq.clone(), acked.clone());
            tasks.push(tokio::spawn(async move {
                let mut tried = 0;
                while !stop.load(Ordering::Relaxed) {
                    tried += 1;
                    if let Some(s) = submit(&base, seq.fetch_add(1, Ordering::Relaxed)).await {
                        acked.lock().expect("acks").push(s);
                    }
                }
                tried
            }));
        }
        // Kill it mid-load: once submissions are landing, at a moment that
        // varies from round to round.
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.lock().expect("acks").len() < before + clients as usize && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(50 + 97 * (round % 7))).await;
        server.kill().expect("SIGKILL");
        server.wait().expect("reaped");
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            attempts += t.await.expect("client");
        }
    }
    // Restarted once more, it comes up on what the kills left behind.
    let (mut server, base) = start(&url, data.path(), &log);
    wait_ready(&base).await;
    server.kill().expect("stop");
    server.wait().expect("reaped");

    let acked = std::mem::take(&mut *acked.lock().expect("acks"));
    let mut c = if kind == Kind::Postgres {
        DbConn::Pg(PgConnection::establish(&url).expect("pg"))
    } else {
        DbConn::Sqlite(SqliteConnection::establish(&url).expect("sqlite"))
    };
    let mut lost = Vec::new();
    for s in &acked {
        let row: Option<(i64, String)> = opinions::table
            .filter(opinions::code.eq(&s.code))
            .select((opinions::id, opinions::body))
            .first(&mut c)
            .optional()
            .expect("read");
        let Some((id, body)) = row else {
            lost.push(s.code.clone());
            continue;
        };
        assert_eq!(body, s.body, "{}: the row as sent", s.code);
        let photos: Vec<(String, i64)> = opinion_files::table
            .inner_join(files::table)
            .filter(opinion_files::opinion_id.eq(id))
            .select((files::sha256, files::size))
            .load(&mut c)
            .expect("photos");
        assert_eq!(photos.len(), 1, "{}: its photo row", s.code);
        let (hash, size) = &photos[0];
        let path = data.path().join("files").join(&hash[..2]).join(&hash[2..]);
        let (found, len) = xieshang::kernel::backup::files::hash_file(&path)
            .unwrap_or_else(|e| panic!("{}: its photo file: {e}", s.code));
        assert_eq!((&found, len as i64), (hash, *size), "{}: the photo as recorded", s.code);
    }
    let stored: i64 = opinions::table.count().get_result(&mut c).expect("count");
    drop(c);
    // The figures bench/crash records (docs/benchmarks.md).
    println!(
        "crash {kind:?}: {rounds} rounds × {clients} clients, {attempts} submits tried, {} acknowledged, {} lost, {stored} opinions stored",
        acked.len(),
        lost.len()
    );
    if let Some(name) = pg {
        drop_pg_database(&name);
    }
    assert!(acked.len() >= (rounds * clients) as usize, "the load ran");
    assert_eq!(lost, Vec::<String>::new(), "acknowledged but lost");
}
