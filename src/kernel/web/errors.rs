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
        None if res.status() == StatusCode::NOT_FOUND || res.status().is_server_error() => ErrorPage {
            status: res.status(),
            message_key: if res.status() == StatusCode::NOT_FOUND { "error.not_found" } else { "error.internal" },
        },
        None => return res,
    };
    let page = Page::from_parts_and_session(&parts, Some(&session)).await;
    let message = page.t(info.message_key);
    let tpl = ErrorTemplate { page, status: info.status.as_u16(), message };
    match tpl.render() {
        Ok(html) => (info.status, Html(html)).into_response(),
        Err(_) => res,
    }
}

/// The router's fallback: an unknown path.
pub async fn not_found() -> Response {
    crate::kernel::error::AppError::NotFound.into_response()
}
