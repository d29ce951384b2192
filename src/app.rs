//! Router assembly, the middleware stack, the job workers, and `serve`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::get;
use tokio::sync::watch;
use tower::{Layer, ServiceBuilder, ServiceExt};
use tower_http::CompressionLevel;
use tower_http::body::Limited;
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
use crate::kernel::jobs::{Registry, Worker};
use crate::kernel::state::AppState;
use crate::kernel::web::{assets, csrf, errors, headers, nul, origin, prefs, probes};
use crate::org;

pub fn router(state: AppState) -> Router {
    let cfg = state.config.clone();
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("xs_sid")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(cfg.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(cfg.session_idle_minutes)))
        // Every request moves a signed-in session's idle expiry on (the store
        // writes it only when it lags by a minute); empty sessions are never saved.
        .with_always_save(true);

    // Pages: sessions, the current user, error pages, CSRF (outermost first).
    let pages = Router::new()
        .route("/", get(crate::front::routes::root))
        .merge(auth::routes::router())
        .merge(audit::routes::router())
        .merge(crate::kernel::calendar::routes::router())
        .merge(org::routes::router(crate::duty::counts))
        .merge(crate::opinions::routes::router())
        .merge(crate::activities::routes::router())
        .merge(crate::consultations::routes::router())
        .merge(crate::proposals::routes::router())
        .merge(crate::duty::routes::router())
        .merge(crate::funds::routes::router())
        .merge(crate::notices::routes::router())
        .merge(crate::inspections::routes::router())
        .merge(crate::archive::routes::router())
        .merge(crate::dashboard::leaders::router())
        .merge(crate::workbench::routes::router())
        .merge(crate::api::tokens::routes::router())
        .merge(crate::kernel::notify::routes::router())
        .merge(crate::api::hotline::routes::router())
        .merge(prefs::router())
        .fallback(errors::not_found)
        .route_layer(from_fn(probes::track))
        .layer(
            ServiceBuilder::new()
                .layer(sessions)
                .layer(from_fn_with_state(state.clone(), csrf::form_token))
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

    // Other systems: a bearer token on every call, no session, no cookie,
    // so no CSRF token either; errors come as JSON.
    let api = crate::api::v1::router()
        .merge(crate::api::open311::routes::router())
        .route_layer(from_fn(probes::track))
        .layer(CatchPanicLayer::new());

    let request_id = HeaderName::from_static("x-request-id");
    let limits = BodyLimits { body: cfg.body_limit_bytes, upload: cfg.upload_limit_bytes };
    let own_origin = origin::configured_origin(cfg.public_base_url.as_deref());
    Router::new().merge(plain).merge(api).merge(pages).with_state(state).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                let path = crate::kernel::web::loggable_path(req.uri().path());
                tracing::info_span!("request", method = %req.method(), %path, request_id = %id)
            }))
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(from_fn_with_state(cfg.secure_cookies, headers::set))
            .layer(CatchPanicLayer::new())
            // gzip's fastest level: the default (6) was a fifth of a staff
            // page's CPU for ~10 % fewer bytes (docs/benchmarks.md, issue 21).
            .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
            .layer(from_fn_with_state(limits, body_limit))
            // Outside the edge checks: the NUL check reads whole form bodies,
            // which a slow client must not be able to stretch forever.
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(cfg.request_timeout_secs),
            ))
            // The edge checks, before any session, CSRF check or handler.
            .layer(from_fn_with_state(own_origin, origin::check))
            .layer(from_fn(nul::refuse)),
    )
}

#[derive(Clone, Copy)]
struct BodyLimits {
    body: usize,
    upload: usize,
}

/// What `metrics_listen` serves: `/metrics` alone, without a token.
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(probes::metrics_open)).with_state(state)
}

/// The body limit by kind of request: `upload_limit_bytes` for multipart forms
/// (photos), `body_limit_bytes` for everything else. tower-http's layer does the
/// work (413 at once from `Content-Length`, or when a streamed body runs over);
/// only the number is chosen here. axum's own per-extractor default (2 MB) is
/// switched off: it would refuse uploads, and this limit already holds.
async fn body_limit(State(limits): State<BodyLimits>, req: Request<Body>, next: Next) -> Response {
    let multipart = csrf::is_multipart(req.headers());
    let limit = if multipart { limits.upload } else { limits.body };
    let (parts, body) = req.into_parts();
    let inner = DefaultBodyLimit::disable().layer(next.map_request(|r: Request<Limited<Body>>| r.map(Body::new)));
    let res =
        match RequestBodyLimitLayer::new(limit).layer(inner).oneshot(Request::from_parts(parts.clone(), body)).await {
            Ok(res) => res.map(Body::new),
            Err(never) => match never {},
        };
    // tower-http's own 413 is a line of English: the user gets a page in their
    // language saying what to do (a page the app rendered is left alone).
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !errors::is_html(&res) {
        let key = if multipart { "error.upload_too_large" } else { "error.too_large" };
        return errors::edge_page(&parts, StatusCode::PAYLOAD_TOO_LARGE, key).await;
    }
    res
}

/// Every job kind the app runs, and which run periodically: the kernel's and
/// the areas'.
pub fn job_registry(state: &AppState) -> Registry {
    let mut r = Registry::standard();
    crate::opinions::jobs::register(
        &mut r,
        state.personal.clone(),
        state.sms.clone(),
        state.config.public_base_url.clone(),
    );
    crate::kernel::auth::reset::register(&mut r, state.personal.clone(), state.sms.clone());
    crate::activities::jobs::register(&mut r);
    crate::consultations::jobs::register(&mut r);
    crate::duty::jobs::register(&mut r);
    crate::notices::jobs::register(&mut r, state.personal.clone(), state.sms.clone());
    crate::inspections::jobs::register(&mut r);
    crate::archive::bundle::register(&mut r, state.files.clone());
    crate::kernel::notify::robots::register(&mut r, state.personal.clone());
    crate::api::hotline::jobs::register(
        &mut r,
        Arc::new(crate::api::hotline::jobs::Hotline::from_config(&state.config)),
    );
    r
}

/// Starts `n` job workers and the periodic scheduler; they stop when `shutdown`
/// turns true.
pub fn spawn_workers(state: &AppState, n: usize, shutdown: watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    let db = &state.db;
    let registry = Arc::new(job_registry(state));
    let schedules = registry.clone();
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
            if let Err(e) = schedules.schedule(&db, crate::kernel::time::now()).await {
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
pub async fn serve(mut config: Config, demo: bool) -> anyhow::Result<()> {
    config.demo = demo;
    if demo {
        // The demo's administrators sign in with the shared demo password.
        config.require_two_factor = false;
    }
    let db = Db::open(&config.database_url, config.db_pool_size)?;
    let state = AppState::new(db.clone(), config)?;
    // Uploads a killed process was receiving.
    let swept = state.files.spool().sweep();
    if swept > 0 {
        tracing::info!(swept, "removed leftover upload temporaries");
    }
    if demo {
        let loaded = crate::demo::load(&db)?;
        tracing::info!(loaded, "demo committee ready");
    }
    // Off the startup path: the server answers while the dictionary loads.
    tokio::task::spawn_blocking(crate::kernel::search::text::warm_up);
    let listener = tokio::net::TcpListener::bind(&state.config.listen).await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let workers = spawn_workers(&state, state.config.workers, stop_rx.clone());
    if let Some(addr) = state.config.metrics_listen.as_deref().filter(|a| !a.trim().is_empty()) {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        tracing::info!(addr = %listener.local_addr()?, "metrics served on their own address");
        let app = metrics_router(state.clone());
        let mut stop = stop_rx;
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.changed().await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
                tracing::error!(error = %e, "the metrics address stopped");
            }
        });
    }
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

#[cfg(test)]
mod tests {
    use axum::extract::Multipart;
    use axum::routing::post;

    use super::*;
    use crate::kernel::files::FileStore;

    async fn upload(mp: Multipart) -> Result<String, crate::kernel::error::AppError> {
        let dir = tempfile::tempdir().map_err(|e| crate::kernel::error::AppError::Internal(e.into()))?;
        let (fields, files) = FileStore::new(dir.path()).read_multipart(mp, 2).await?;
        Ok(format!("{} {} {}", fields["note"], files.len(), files.iter().map(|f| f.len()).sum::<u64>()))
    }

    fn app() -> Router {
        let limits = BodyLimits { body: 1024, upload: 8 * 1024 * 1024 };
        Router::new()
            .route("/up", post(upload))
            .route("/form", post(|body: String| async move { body.len().to_string() }))
            .layer(from_fn_with_state(limits, body_limit))
    }

    fn multipart(files: &[usize]) -> Request<Body> {
        let mut b = b"--B\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n".to_vec();
        for (i, n) in files.iter().enumerate() {
            b.extend_from_slice(
                // A browser sends an input left empty with no file name.
                match n {
                    0 => "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n".to_string(),
                    _ => format!("--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"{i}.jpg\"\r\n\r\n"),
                }
                .as_bytes(),
            );
            b.extend(std::iter::repeat_n(b'x', *n));
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"--B--\r\n");
        Request::post("/up")
            .header("content-type", "multipart/form-data; boundary=B")
            .body(Body::from(b))
            .expect("request")
    }

    async fn send(req: Request<Body>) -> (StatusCode, String) {
        let res = app().oneshot(req).await.expect("infallible");
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn uploads_get_their_own_limit() {
        // 3 MiB in two files: over the small limit and over axum's 2 MB default.
        let (status, body) = send(multipart(&[2 * 1024 * 1024, 1024 * 1024])).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "hi 2 3145728"));
        // An empty file input (nothing chosen) is not a file.
        assert_eq!(send(multipart(&[0, 5])).await.1, "hi 1 5");
        assert_eq!(send(multipart(&[1, 1, 1])).await.1, "file.too_many");
        // Over the upload limit: at once when the length is declared (browsers
        // do), else when the parser runs into it.
        let mut big = multipart(&[9 * 1024 * 1024]);
        assert_eq!(send(multipart(&[9 * 1024 * 1024])).await.1, "file.form_too_large");
        let n = axum::body::to_bytes(std::mem::take(big.body_mut()), usize::MAX).await.expect("body");
        big.headers_mut().insert("content-length", n.len().into());
        *big.body_mut() = Body::from(n);
        assert_eq!(send(big).await.0, StatusCode::PAYLOAD_TOO_LARGE);
        // Everything else keeps the small limit.
        let form = |n: usize| Request::post("/form").body(Body::from("x".repeat(n))).expect("request");
        assert_eq!(send(form(1000)).await, (StatusCode::OK, "1000".to_string()));
        let (status, page) = send(form(2000)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(page.contains("提交的内容太大"), "a page in the user's language: {page}");
    }
}
