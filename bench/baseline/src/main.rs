//! `xieshang-baseline`: what the hardware and the stack give before any of our
//! code runs, measured in the same run as the app so that the app's figures
//! can be read as ratios (the machines are shared and noisy).
//!
//! - `GET /hello`: a bare axum handler — the HTTP limit.
//! - `POST /insert`: one row durably committed with group commit — the storage
//!   limit (SQLite in WAL with `synchronous = FULL` like the app, or PostgreSQL).

mod store;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use clap::Parser;

#[derive(Parser)]
#[command(name = "xieshang-baseline", about = "bench baselines: hello-world and a durable group-commit insert")]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
    /// A SQLite file or postgres://… URL; without it only /hello and /healthz are served.
    #[arg(long)]
    database_url: Option<String>,
    /// Writer threads, each committing the batches it drains. SQLite has one
    /// writer at a time anyway; PostgreSQL can overlap commits.
    #[arg(long, default_value_t = 1)]
    writers: usize,
    /// The largest batch one commit takes.
    #[arg(long, default_value_t = 1024)]
    max_batch: usize,
}

#[derive(Clone)]
struct AppState {
    writer: Option<store::Writer>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let writer = match &cli.database_url {
        Some(url) => Some(store::Writer::start(url, cli.writers.max(1), cli.max_batch.max(1))?),
        None => None,
    };
    let app = Router::new()
        .route("/hello", get(hello))
        .route("/healthz", get(hello))
        .route("/insert", post(insert))
        .with_state(AppState { writer });
    tokio::runtime::Runtime::new()?.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(&cli.listen).await.with_context(|| format!("bind {}", cli.listen))?;
        println!("xieshang-baseline listening on http://{}/", listener.local_addr()?);
        axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
        Ok(())
    })
}

async fn hello() -> &'static str {
    "Hello, world!"
}

/// The request body is the row's text (an opinion is ~200 characters); the
/// answer comes only after the commit that holds the row.
async fn insert(State(st): State<AppState>, body: Bytes) -> (StatusCode, String) {
    let Some(writer) = st.writer else {
        return (StatusCode::NOT_FOUND, "no database configured".into());
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    match writer.insert(text).await {
        Ok(()) => (StatusCode::OK, "stored".into()),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
