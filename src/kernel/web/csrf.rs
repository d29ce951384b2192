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
use futures_util::{StreamExt, stream};
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
        // No token can match: refuse before reading a body for nothing.
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
        (None, Some(content_type)) => match multipart_prefix_token(&content_type, body).await {
            Ok(found) => found,
            Err(res) => return res,
        },
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

/// How far into a multipart body the `_csrf` field must be: our forms put it
/// first, before any file, so that it is found without reading the files.
const TOKEN_WITHIN: usize = 64 * 1024;

/// Reads a multipart body only as far as its `_csrf` field, and gives back
/// the token with the body as it was (the bytes read, then the rest still to
/// come): memory holds that start, never the files. A file part before the
/// token is refused (403, with a message saying to reload the form).
pub(crate) async fn multipart_prefix_token(content_type: &str, body: Body) -> Result<(Option<String>, Body), Response> {
    let mut rest = body.into_data_stream();
    let mut prefix = Vec::new();
    // The start is parsed again each time it has doubled, not at every chunk:
    // a client dripping the body a byte at a time made the parses quadratic
    // (seconds of CPU for one 64 KB prefix); doubling keeps them linear.
    let mut look_at = 0;
    let token = loop {
        let complete = match rest.next().await {
            Some(Ok(chunk)) => {
                prefix.extend_from_slice(&chunk);
                false
            }
            // Over the upload limit, or the client went away.
            Some(Err(_)) => return Err(too_large("file.form_too_large")),
            None => true,
        };
        if !complete && prefix.len() < look_at.min(TOKEN_WITHIN) {
            continue;
        }
        look_at = (prefix.len() * 2).max(1024);
        match prefix_token(content_type, Bytes::from(prefix.clone()), complete).await {
            Prefix::Token(t) => break Some(t),
            Prefix::AfterFile => return Err(refused("error.csrf_after_file")),
            Prefix::NotYet if !complete && prefix.len() < TOKEN_WITHIN => {}
            Prefix::NotYet | Prefix::Missing => break None,
        }
    };
    let read = stream::once(async move { Ok::<Bytes, axum::Error>(Bytes::from(prefix)) });
    Ok((token, Body::from_stream(read.chain(rest))))
}

#[derive(Debug, PartialEq, Eq)]
enum Prefix {
    Token(String),
    /// A file part came first.
    AfterFile,
    /// The field may be in what has not arrived yet.
    NotYet,
    /// Not there (or not a multipart body).
    Missing,
}

/// The `_csrf` text field in the start of a multipart body (`complete`: the
/// whole body). Text fields before it are skipped.
async fn prefix_token(content_type: &str, prefix: Bytes, complete: bool) -> Prefix {
    let Ok(boundary) = multer::parse_boundary(content_type) else { return Prefix::Missing };
    let mut mp = multer::Multipart::new(stream::once(async move { Ok::<Bytes, std::io::Error>(prefix) }), boundary);
    let cut_short = if complete { Prefix::Missing } else { Prefix::NotYet };
    loop {
        match mp.next_field().await {
            Ok(Some(field)) if field.file_name().is_some() => return Prefix::AfterFile,
            Ok(Some(field)) if field.name() == Some(FIELD) => {
                return field.text().await.map(Prefix::Token).unwrap_or(cut_short);
            }
            Ok(Some(_)) => {}
            Ok(None) => return Prefix::Missing,
            Err(_) => return cut_short,
        }
    }
}

/// A 403 that the error-page middleware renders with `key`.
fn refused(key: &'static str) -> Response {
    let mut res = AppError::Csrf.into_response();
    res.extensions_mut().insert(ErrorPage { status: StatusCode::FORBIDDEN, message_key: key });
    res
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

    const CT: &str = "multipart/form-data; boundary=XyZ";

    #[tokio::test]
    async fn the_token_comes_before_any_file() {
        let first = body(&[("_csrf", None, "tok1"), ("photo", Some("a.png"), "....")]);
        assert_eq!(prefix_token(CT, first, true).await, Prefix::Token("tok1".into()));
        let after_text = body(&[("note", None, "hi"), ("_csrf", None, "tok2"), ("photo", Some("a.png"), "..")]);
        assert_eq!(prefix_token(CT, after_text, true).await, Prefix::Token("tok2".into()));
        let last = body(&[("note", None, "hi"), ("photo", Some("a.png"), "...."), ("_csrf", None, "tok2")]);
        assert_eq!(prefix_token(CT, last, true).await, Prefix::AfterFile);
        // A file part named _csrf is a file, not a token.
        assert_eq!(prefix_token(CT, body(&[("_csrf", Some("x.txt"), "tok3")]), true).await, Prefix::AfterFile);
        assert_eq!(prefix_token(CT, body(&[("note", None, "hi")]), true).await, Prefix::Missing);
        assert_eq!(prefix_token("multipart/form-data", body(&[("_csrf", None, "t")]), true).await, Prefix::Missing);
        assert_eq!(prefix_token(CT, Bytes::from_static(b"garbage"), true).await, Prefix::Missing);
    }

    #[tokio::test]
    async fn a_token_cut_by_a_chunk_waits_for_the_rest() {
        let whole = body(&[("note", None, "hi"), ("_csrf", None, "abcdef123456"), ("photo", Some("a.png"), "..")]);
        let at = whole.windows(6).position(|w| w == b"abcdef").expect("token") + 6;
        for cut in [5, 40, at, at + 2] {
            let got = prefix_token(CT, whole.slice(..cut), false).await;
            assert_eq!(got, Prefix::NotYet, "cut at {cut}");
        }
        assert_eq!(prefix_token(CT, whole.slice(..at + 2), true).await, Prefix::Missing, "and the body ended");
    }

    #[tokio::test]
    async fn the_body_is_handed_on_whole_after_the_token() {
        let whole = body(&[("_csrf", None, "tok"), ("photo", Some("a.png"), &"x".repeat(200_000))]);
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            whole.chunks(1000).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let (token, rest) = multipart_prefix_token(CT, Body::from_stream(stream::iter(chunks))).await.expect("read");
        assert_eq!(token.as_deref(), Some("tok"));
        assert_eq!(axum::body::to_bytes(rest, usize::MAX).await.expect("rest"), whole);
        // A token after a file is refused.
        let late = body(&[("photo", Some("a.png"), "...."), ("_csrf", None, "tok")]);
        let Err(res) = multipart_prefix_token(CT, Body::from(late)).await else {
            panic!("a token after a file must be refused")
        };
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }

    #[tokio::test]
    async fn a_body_sent_a_byte_at_a_time_is_read_whole() {
        // A long text field first: the token comes late, each byte its own chunk.
        let whole = body(&[("body", None, &"路".repeat(5000)), ("_csrf", None, "tok"), ("photo", Some("a.png"), "..")]);
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            whole.chunks(1).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let (token, rest) = multipart_prefix_token(CT, Body::from_stream(stream::iter(chunks))).await.expect("read");
        assert_eq!(token.as_deref(), Some("tok"));
        assert_eq!(axum::body::to_bytes(rest, usize::MAX).await.expect("rest"), whole);
        // No token within the first 64 KB: none, and the body still whole.
        let late = body(&[("body", None, &"x".repeat(TOKEN_WITHIN + 10)), ("_csrf", None, "tok")]);
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            late.chunks(7).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let (token, rest) = multipart_prefix_token(CT, Body::from_stream(stream::iter(chunks))).await.expect("read");
        assert_eq!(token, None);
        assert_eq!(axum::body::to_bytes(rest, usize::MAX).await.expect("rest"), late);
    }

    /// The guard reads a multipart form only up to `_csrf`: every upload form
    /// must put it before its file inputs.
    #[test]
    fn upload_forms_put_the_token_before_the_files() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).expect("templates").flatten() {
                let p = e.path();
                if p.is_dir() { walk(&p, out) } else { out.push(p) }
            }
        }
        let mut files = vec![];
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"), &mut files);
        let mut forms = 0;
        for f in files {
            let html = std::fs::read_to_string(&f).unwrap_or_default();
            for (at, _) in html.match_indices("multipart/form-data") {
                let form = &html[at..html[at..].find("</form>").map_or(html.len(), |e| at + e)];
                let token = form.find("name=\"_csrf\"");
                let file = form.find("type=\"file\"");
                assert!(token.is_some() && (file.is_none() || token < file), "{}: _csrf after a file", f.display());
                forms += 1;
            }
        }
        assert!(forms >= 6, "found the upload forms ({forms})");
    }

    #[test]
    fn multipart_by_content_type() {
        let mut h = HeaderMap::new();
        assert!(!is_multipart(&h));
        h.insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static("Multipart/Form-Data; boundary=x"));
        assert!(is_multipart(&h));
    }
}
