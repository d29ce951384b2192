//! `/healthz` for load balancers and `/metrics` for Prometheus.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use subtle::ConstantTimeEq;

use crate::kernel::state::AppState;

pub async fn healthz(State(st): State<AppState>) -> Response {
    match st.db.read(crate::kernel::db::ping).await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `/metrics` on the site's address: only for a scraper that shows the
/// configured `metrics_token`; anyone else finds no such page.
pub async fn metrics(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let token = st.config.metrics_token.as_deref().filter(|t| !t.is_empty());
    match (token, given) {
        (Some(t), Some(g)) if bool::from(t.as_bytes().ct_eq(g.trim().as_bytes())) => exposition(&st).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/metrics` on the separate `metrics_listen` address, which only the
/// monitoring network reaches: no token asked.
pub async fn metrics_open(State(st): State<AppState>) -> String {
    exposition(&st)
}

/// The recorder's metrics, and the statements run (counted by the
/// connections themselves, outside the recorder: bench/run divides it by the
/// requests it sent).
fn exposition(st: &AppState) -> String {
    format!(
        "{}# HELP xieshang_db_statements_total Statements run on every database connection.\n\
         # TYPE xieshang_db_statements_total counter\nxieshang_db_statements_total {}\n",
        st.metrics.render(),
        crate::kernel::db::statements::total()
    )
}

/// Counts requests and their latency by route pattern (not raw path: ids would
/// explode the label set).
pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}
