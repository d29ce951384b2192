//! Friendly error pages: any response that carries an `ErrorPage` (from
//! `AppError`) or is a bare 404/500 is rendered in the user's language.

use askama::Template;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tower_sessions::Session;

use super::page::Page;
use crate::kernel::error::ErrorPage;

#[derive(Template)]
#[template(path = "kernel/error.html")]
struct ErrorTemplate {
    page: Page,
    status: u16,
    message: String,
}

pub async fn render_errors(session: Session, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let res = next.run(Request::from_parts(parts.clone(), body)).await;
    let info = match res.extensions().get::<ErrorPage>() {
        Some(p) => *p,
        // Bare errors from the framework (a form that does not parse, an unknown
        // route or method, a body too large) get the same friendly page.
        None if (res.status().is_client_error() || res.status().is_server_error()) && !answered(&res) => {
            ErrorPage { status: res.status(), message_key: bare_error_key(res.status()) }
        }
        None => return res,
    };
    if is_api_path(parts.uri.path()) {
        return json_error(info.status, info.message_key);
    }
    let page = Page::from_parts_and_session(&parts, Some(&session)).await;
    let message = page.t(info.message_key);
    let tpl = ErrorTemplate { page, status: info.status.as_u16(), message };
    match tpl.render() {
        Ok(html) => (info.status, Html(html)).into_response(),
        Err(_) => res,
    }
}

/// An error page from a layer outside the pages router (no session there):
/// the edge checks refuse a request with this before any handler runs.
/// A call to the JSON API (`/api/…`) gets the API's JSON error instead: its
/// callers are programs, which read `code` (`crate::api::error`).
pub async fn edge_page(parts: &axum::http::request::Parts, status: StatusCode, message_key: &'static str) -> Response {
    if is_api_path(parts.uri.path()) {
        return json_error(status, message_key);
    }
    let page = Page::from_parts_and_session(parts, None).await;
    let message = page.t(message_key);
    let tpl = ErrorTemplate { page, status: status.as_u16(), message };
    match tpl.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message_key).into_response(),
    }
}

/// Where other systems call (the JSON API, Open311): errors there are
/// JSON, never a page.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/open311/")
}

/// The API's error body: a stable code and the message in both languages.
pub fn json_error(status: StatusCode, message_key: &str) -> Response {
    use super::i18n::Lang;
    let body = serde_json::json!({
        "code": message_key,
        "message": Lang::Zh.t(message_key),
        "message_en": Lang::En.t(message_key),
    });
    (status, axum::Json(body)).into_response()
}

/// A handler that answers with its own page (a form shown again with its
/// errors, status 400) is left alone.
pub(crate) fn is_html(res: &Response) -> bool {
    content_type(res).starts_with("text/html")
}

/// Left alone too: a handler's own page, or its own JSON to a script (the
/// workbench's refusal of a draft, which its script shows).
fn answered(res: &Response) -> bool {
    is_html(res) || content_type(res).starts_with("application/json")
}

fn content_type(res: &Response) -> &str {
    res.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn bare_error_key(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => "error.not_found",
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => "error.forbidden",
        StatusCode::PAYLOAD_TOO_LARGE => "error.too_large",
        s if s.is_server_error() => "error.internal",
        _ => "error.bad_request",
    }
}

/// The router's fallback: an unknown path.
pub async fn not_found() -> Response {
    crate::kernel::error::AppError::NotFound.into_response()
}
