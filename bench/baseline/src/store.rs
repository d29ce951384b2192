//! The bare durable insert with group commit: requests hand their row to a
//! channel; a writer thread takes everything waiting (up to `max_batch`),
//! inserts it in one transaction, commits (one fsync for the batch), then
//! acknowledges each request. Under concurrency the fsync is shared, which is
//! the best a single durable writer can do — the storage limit the app's
//! submit is compared with.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use tokio::sync::{mpsc, oneshot};

diesel::table! {
    bench_rows (id) {
        id -> BigInt,
        created_at -> BigInt,
        body -> Text,
    }
}

#[derive(diesel::MultiConnection)]
enum Conn {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

struct Pending {
    body: String,
    ack: oneshot::Sender<Result<(), String>>,
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<Pending>,
}

impl Writer {
    /// Opens `writers` connections (creating the table) and starts one thread
    /// per connection. All threads drain the same queue.
    pub fn start(url: &str, writers: usize, max_batch: usize) -> anyhow::Result<Writer> {
        let (tx, rx) = mpsc::unbounded_channel::<Pending>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..writers {
            let mut conn = open(url)?;
            if i == 0 {
                create_table(&mut conn)?;
            }
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("writer-{i}"))
                .spawn(move || run(&mut conn, &rx, max_batch))
                .context("spawn writer thread")?;
        }
        Ok(Writer { tx })
    }

    pub async fn insert(&self, body: String) -> Result<(), String> {
        let (ack, done) = oneshot::channel();
        self.tx.send(Pending { body, ack }).map_err(|_| "writer stopped".to_string())?;
        done.await.map_err(|_| "writer dropped the request".to_string())?
    }
}

fn open(url: &str) -> anyhow::Result<Conn> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Conn::Pg(diesel::PgConnection::establish(url)?));
    }
    let mut c = diesel::SqliteConnection::establish(url)?;
    // As the app's writer: WAL, and FULL so that an acknowledged row survives a
    // power cut (one fsync of the WAL per commit).
    c.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
    Ok(Conn::Sqlite(c))
}

fn create_table(conn: &mut Conn) -> anyhow::Result<()> {
    let ddl = match conn {
        Conn::Sqlite(_) => {
            "CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, created_at BIGINT NOT NULL, body TEXT NOT NULL)"
        }
        Conn::Pg(_) => {
            "CREATE TABLE IF NOT EXISTS bench_rows (id BIGSERIAL PRIMARY KEY, created_at BIGINT NOT NULL, body TEXT NOT NULL)"
        }
    };
    conn.batch_execute(ddl)?;
    Ok(())
}

fn run(conn: &mut Conn, rx: &Mutex<mpsc::UnboundedReceiver<Pending>>, max_batch: usize) {
    let mut batch: Vec<Pending> = Vec::with_capacity(max_batch);
    loop {
        {
            // Holding the lock while waiting is fine: another writer can only
            // take the next batch once this one has its own.
            let Ok(mut rx) = rx.lock() else { return };
            let Some(first) = rx.blocking_recv() else { return };
            batch.push(first);
            while batch.len() < max_batch {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
        // One row per request, as each request would insert it: the batch
        // shares the transaction and its fsync, not the statement.
        let result = conn
            .transaction(|c| {
                for p in &batch {
                    diesel::insert_into(bench_rows::table)
                        .values((bench_rows::created_at.eq(now), bench_rows::body.eq(&p.body)))
                        .execute(c)?;
                }
                diesel::QueryResult::Ok(())
            })
            .map_err(|e| e.to_string());
        for p in batch.drain(..) {
            let _ = p.ack.send(result.clone());
        }
    }
}
