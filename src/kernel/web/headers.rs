//! Security headers on every response, set in one place.
//!
//! - The content security policy allows scripts, styles and images from this
//!   site only (and `data:` images): no inline script or style anywhere, so an
//!   injected `<script>` or `style=` does nothing.
//! - Pages are never framed (clickjacking) nor sniffed as another type.
//! - The tracking pages carry a resident's code in the address, and the
//!   sign-in pages a meeting's token: they send a `Referer` only within the
//!   site (`same-origin`, which keeps the `Origin` of their own forms); other
//!   pages send only the origin to other sites.
//! - No page uses the camera, microphone or location through the browser's
//!   APIs (the file input's `capture` opens the phone's camera app, which the
//!   policy does not govern), so all are denied.
//! - A response that chose no caching of its own (every page: they show
//!   personal data or carry a form token) is `no-store`; static assets and
//!   file downloads keep the caching their handlers set, except under a
//!   secret address (a photo on a tracking page), which is never stored.
//! - HSTS only when the site runs behind TLS (`secure_cookies`).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
pub const PERMISSIONS: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
const HSTS: &str = "max-age=31536000";

/// Whether the address itself is a secret: a tracking code, a sign-in token,
/// or a sign-in form.
pub fn private_address(path: &str) -> bool {
    path == "/track"
        || path.starts_with("/track/")
        || path == "/login"
        || path == "/forgot"
        || path.starts_with("/forgot/")
        || path.ends_with("/signin")
}

/// `secure_cookies` from the config: the site is served over TLS.
pub async fn set(State(tls): State<bool>, req: Request, next: Next) -> Response {
    let private = private_address(req.uri().path());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, if private { "same-origin" } else { "strict-origin-when-cross-origin" }),
        (header::HeaderName::from_static("permissions-policy"), PERMISSIONS),
        (header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    for (name, value) in fixed {
        h.insert(name, HeaderValue::from_static(value));
    }
    if private || !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if tls {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::private_address;

    #[test]
    fn secret_addresses() {
        assert!(private_address("/track"));
        assert!(private_address("/track/ABCDE23456"));
        assert!(private_address("/login"));
        assert!(private_address("/forgot/reset"));
        assert!(private_address("/activities/3/signin"));
        assert!(!private_address("/tracker"));
        assert!(!private_address("/opinions"));
    }
}
