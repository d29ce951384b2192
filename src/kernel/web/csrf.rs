//! CSRF: every state-changing request carries a token, either in the `_csrf`
//! field of a form (urlencoded or multipart) or in the `X-CSRF-Token` header
//! (htmx). Checked here for every route, so no handler can forget it.
//!
//! Signed-in users' pages carry their session's token. Anonymous visitors (a
//! resident at the opinion box, the login form) get no session at all: their
//! token is an HMAC of a random `xs_form` cookie under a server key (a signed
//! double-submit cookie), so a public page view writes nothing to the database.
//! Another site can neither read that cookie nor compute the HMAC.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::page::CSRF_KEY;
use crate::kernel::auth::password::random_token;
use crate::kernel::error::{AppError, ErrorPage};
use crate::kernel::state::AppState;

pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";
/// The anonymous visitor's random value behind their form token.
pub const FORM_COOKIE: &str = "xs_form";
const NONCE_LEN: usize = 24;

/// The anonymous form token of this request (see the module doc), for the page
/// to put in its forms.
#[derive(Clone)]
pub struct FormToken(pub String);

/// Gives every page request its `FormToken`, and a new visitor its `xs_form`
/// cookie (for the browser session; no database row).
pub async fn form_token(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let known = jar
        .get(FORM_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == NONCE_LEN && v.bytes().all(|b| b.is_ascii_alphanumeric()));
    let nonce = known.clone().unwrap_or_else(|| random_token(NONCE_LEN));
    req.extensions_mut().insert(FormToken(sign(&st.form_key, &nonce)));
    let res = next.run(req).await;
    if known.is_some() {
        return res;
    }
    let cookie = Cookie::build((FORM_COOKIE, nonce))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(st.config.secure_cookies)
        .build();
    (CookieJar::new().add(cookie), res).into_response()
}

fn sign(key: &[u8; 32], nonce: &str) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key) else { return String::new() };
    mac.update(nonce.as_bytes());
    mac.finalize().into_bytes().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

pub async fn guard(State(st): State<AppState>, session: Session, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // Either token will do: the session's (signed in) or the form cookie's.
    let mut expected: Vec<String> = session.get::<String>(CSRF_KEY).await.ok().flatten().into_iter().collect();
    expected.extend(req.extensions().get::<FormToken>().map(|t| t.0.clone()).filter(|t| !t.is_empty()));
    if expected.is_empty() {
        // No token can match: refuse before buffering a body (up to an upload's
        // size) for nothing.
        tracing::warn!(path = %req.uri().path(), "csrf check failed: no token to compare with");
        return AppError::Csrf.into_response();
    }
    let header_token = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let multipart = is_multipart(req.headers()).then(|| content_type.to_owned());
    let (parts, body) = req.into_parts();
    let (given, body) = match (header_token, multipart) {
        (Some(t), _) => (Some(t), body),
        (None, Some(content_type)) => {
            // An upload form without JavaScript: the whole body is buffered (the
            // body-limit layer already capped it) to find the field, then
            // handed on untouched.
            let Ok(bytes) = to_bytes(body, st.config.upload_limit_bytes).await else {
                return too_large("file.form_too_large");
            };
            (multipart_token(&content_type, bytes.clone()).await, Body::from(bytes))
        }
        (None, None) if is_form => {
            let Ok(bytes) = to_bytes(body, st.config.body_limit_bytes).await else {
                return too_large("error.too_large");
            };
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
            let t = fields.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v);
            (t, Body::from(bytes))
        }
        (None, None) => (None, body),
    };
    let ok = given.is_some_and(|g| expected.iter().any(|e| e.as_bytes().ct_eq(g.as_bytes()).into()));
    if !ok {
        tracing::warn!(path = %parts.uri.path(), "csrf check failed");
        return AppError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The `_csrf` text field of a buffered multipart body, wherever it is among
/// the parts (our forms put it first; nothing relies on that).
async fn multipart_token(content_type: &str, bytes: Bytes) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let mut mp = multer::Multipart::new(Body::from(bytes).into_data_stream(), boundary);
    // Parts before it are skipped by `next_field`; a malformed body is no token.
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some(FIELD) && field.file_name().is_none() {
            return field.text().await.ok();
        }
    }
    None
}

/// A 413 that the error-page middleware renders with `key`.
fn too_large(key: &'static str) -> Response {
    let mut res = AppError::BadRequest(key).into_response();
    *res.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    res.extensions_mut().insert(ErrorPage { status: StatusCode::PAYLOAD_TOO_LARGE, message_key: key });
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, Option<&str>, &str)]) -> Bytes {
        let mut b = String::new();
        for (name, file, value) in parts {
            b.push_str("--XyZ\r\n");
            match file {
                Some(f) => b.push_str(&format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/png\r\n\r\n"
                )),
                None => b.push_str(&format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")),
            }
            b.push_str(value);
            b.push_str("\r\n");
        }
        b.push_str("--XyZ--\r\n");
        Bytes::from(b)
    }

    #[tokio::test]
    async fn finds_the_token_in_any_part() {
        let ct = "multipart/form-data; boundary=XyZ";
        let first = body(&[("_csrf", None, "tok1"), ("photo", Some("a.png"), "....")]);
        assert_eq!(multipart_token(ct, first).await.as_deref(), Some("tok1"));
        let last = body(&[("note", None, "hi"), ("photo", Some("a.png"), "...."), ("_csrf", None, "tok2")]);
        assert_eq!(multipart_token(ct, last).await.as_deref(), Some("tok2"));
        // A file part named _csrf is not a token.
        let file = body(&[("_csrf", Some("x.txt"), "tok3")]);
        assert_eq!(multipart_token(ct, file).await, None);
        assert_eq!(multipart_token("multipart/form-data", body(&[("_csrf", None, "t")])).await, None);
        assert_eq!(multipart_token(ct, Bytes::from_static(b"garbage")).await, None);
    }

    #[test]
    fn multipart_by_content_type() {
        let mut h = HeaderMap::new();
        assert!(!is_multipart(&h));
        h.insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static("Multipart/Form-Data; boundary=x"));
        assert!(is_multipart(&h));
    }
}
