//! A second guard for state-changing requests, besides the CSRF token: a
//! browser says where a request comes from (`Sec-Fetch-Site`, `Origin`), and
//! one sent by another site is refused with a 403 page. A request with
//! neither header (an old browser, curl, a script) is left to the token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::errors::edge_page;

pub const MESSAGE_KEY: &str = "error.cross_site";

/// The site's own origin from `public_base_url` (`https://xs.example.gov.cn`),
/// lower-cased, without a path: what a browser sends as `Origin`.
pub fn configured_origin(public_base_url: Option<&str>) -> Option<String> {
    let url = public_base_url?.trim();
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next().filter(|a| !a.is_empty())?;
    Some(format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// Whether the request's `Sec-Fetch-Site` and `Origin` allow it: not from
/// another site, and an `Origin` (when sent) that is this site's, as the
/// `Host` header or the configured address names it.
pub fn allowed(headers: &HeaderMap, own: Option<&str>) -> bool {
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}").trim().to_ascii_lowercase());
    match text(header::HeaderName::from_static("sec-fetch-site")).as_deref() {
        Some("cross-site") => return false,
        // The browser's own word, which a page cannot forge; its `Origin` may
        // then be `null` (a page whose referrer policy withholds it).
        Some("same-origin") => return true,
        _ => {}
    }
    let Some(origin) = text(header::ORIGIN) else { return true };
    if own.is_some_and(|o| o == origin) {
        return true;
    }
    // `null` (a sandboxed frame, a redirect from elsewhere) is no site's.
    let authority = origin.split_once("://").map(|(_, a)| a);
    authority.is_some_and(|a| !a.is_empty() && text(header::HOST).is_some_and(|host| host == a))
}

pub async fn check(State(own): State<Option<String>>, req: Request, next: Next) -> Response {
    let changes = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    if !changes || allowed(req.headers(), own.as_deref()) {
        return next.run(req).await;
    }
    let (parts, _) = req.into_parts();
    tracing::warn!(
        path = %super::loggable_path(parts.uri.path()),
        origin = ?parts.headers.get(header::ORIGIN),
        "refused: a state-changing request from another site"
    );
    edge_page(&parts, StatusCode::FORBIDDEN, MESSAGE_KEY).await
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_site_passes_other_sites_do_not() {
        let own = configured_origin(Some("https://XS.example.gov.cn/"));
        assert_eq!(own.as_deref(), Some("https://xs.example.gov.cn"));
        let own = own.as_deref();
        assert!(allowed(&headers(&[]), own), "curl, old browsers");
        assert!(allowed(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]), None));
        assert!(
            allowed(&headers(&[("host", "10.0.0.5"), ("origin", "https://xs.example.gov.cn")]), own),
            "behind a proxy"
        );
        assert!(allowed(&headers(&[("sec-fetch-site", "same-origin")]), own));
        assert!(!allowed(&headers(&[("sec-fetch-site", "cross-site")]), own));
        assert!(!allowed(&headers(&[("host", "127.0.0.1:8080"), ("origin", "https://evil.example")]), own));
        assert!(!allowed(&headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]), own));
        assert!(allowed(&headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")]), own));
        assert!(!allowed(&headers(&[("origin", "http://127.0.0.1:8080")]), None), "no Host to compare with");
    }
}
