//! CSRF: every state-changing request carries the session's token, either in
//! the `_csrf` field of a form or in the `X-CSRF-Token` header (htmx). Checked
//! here for every route, so no handler can forget it.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::page::CSRF_KEY;
use crate::app::AppState;
use crate::kernel::error::AppError;

pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";

pub async fn guard(State(st): State<AppState>, session: Session, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let expected: Option<String> = session.get(CSRF_KEY).await.ok().flatten();
    let header_token = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = req.into_parts();
    let (given, body) = match header_token {
        Some(t) => (Some(t), body),
        None if is_form => {
            let Ok(bytes) = to_bytes(body, st.config.body_limit_bytes).await else {
                return AppError::BadRequest("error.too_large").into_response();
            };
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
            let t = fields.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v);
            (t, Body::from(bytes))
        }
        None => (None, body),
    };
    let ok = match (expected, given) {
        (Some(e), Some(g)) => e.as_bytes().ct_eq(g.as_bytes()).into(),
        _ => false,
    };
    if !ok {
        tracing::warn!(path = %parts.uri.path(), "csrf check failed");
        return AppError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}
