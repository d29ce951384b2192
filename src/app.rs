//! Router assembly, shared state, the middleware stack, and `serve`.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Config;
use crate::kernel::audit;
use crate::kernel::auth::{self, session_store::DbSessionStore};
use crate::kernel::db::Db;
use crate::kernel::jobs::{self, Registry, Worker};
use crate::kernel::web::{assets, csrf, errors, prefs, probes};
use crate::{dashboard, org};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: PrometheusHandle,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> AppState {
        AppState { db, config: Arc::new(config), metrics: metrics_handle() }
    }
}

/// The Prometheus recorder is process-global; install it once.
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first (tests); then
            // this handle simply renders nothing.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub fn router(state: AppState) -> Router {
    let cfg = state.config.clone();
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("xs_sid")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(cfg.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(cfg.session_idle_minutes)));

    // Pages: sessions, the current user, error pages, CSRF (outermost first).
    let pages = Router::new()
        .route("/", get(dashboard::routes::home))
        .merge(auth::routes::router())
        .merge(audit::routes::router())
        .merge(org::routes::router())
        .merge(prefs::router())
        .fallback(errors::not_found)
        .route_layer(from_fn(probes::track))
        .layer(
            ServiceBuilder::new()
                .layer(sessions)
                .layer(from_fn_with_state(state.clone(), auth::load_user))
                .layer(from_fn(errors::render_errors))
                .layer(CatchPanicLayer::new())
                .layer(from_fn_with_state(state.clone(), csrf::guard)),
        );

    // Probes and assets need no session.
    let plain = Router::new()
        .route("/healthz", get(probes::healthz))
        .route("/metrics", get(probes::metrics))
        .route("/static/{*path}", get(assets::serve))
        .route_layer(from_fn(probes::track));

    let request_id = HeaderName::from_static("x-request-id");
    Router::new().merge(plain).merge(pages).with_state(state).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }))
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(CatchPanicLayer::new())
            .layer(CompressionLayer::new())
            .layer(RequestBodyLimitLayer::new(cfg.body_limit_bytes))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(cfg.request_timeout_secs),
            )),
    )
}

/// Starts `n` job workers and the periodic scheduler; they stop when `shutdown`
/// turns true.
pub fn spawn_workers(db: &Db, n: usize, shutdown: watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    let registry = Arc::new(Registry::standard());
    let host = std::process::id();
    let mut handles: Vec<_> = (0..n)
        .map(|i| {
            let w = Worker::new(db.clone(), registry.clone(), format!("{host}-{i}"));
            tokio::spawn(w.run(shutdown.clone()))
        })
        .collect();
    let db = db.clone();
    let mut stop = shutdown;
    handles.push(tokio::spawn(async move {
        loop {
            if let Err(e) = jobs::worker::schedule_periodic(&db).await {
                tracing::warn!(error = %e, "could not schedule periodic jobs");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(300)) => {}
                _ = stop.changed() => return,
            }
        }
    }));
    handles
}

/// `xieshang serve`: migrate, optionally load the demo, serve until Ctrl-C or
/// SIGTERM, then finish in-flight requests and the jobs in hand.
pub async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let db = Db::open(&config.database_url, config.db_pool_size)?;
    if demo {
        let loaded = crate::demo::load(&db)?;
        tracing::info!(loaded, "demo committee ready");
    }
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let workers = spawn_workers(&db, config.workers, stop_rx);
    let state = AppState::new(db, config);
    let url = format!("http://{addr}/");
    if demo {
        println!("{}", crate::demo::logins_banner(&url));
    } else {
        println!("xieshang 协商 is running at {url}");
    }
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    let _ = stop_tx.send(true);
    for w in workers {
        let _ = tokio::time::timeout(Duration::from_secs(30), w).await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
