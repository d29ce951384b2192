//! Web plumbing every area uses: page context, CSRF, error pages, assets, probes.

pub mod action;
pub mod assets;
pub mod csrf;
pub mod errors;
pub mod form;
pub mod headers;
pub mod i18n;
pub mod links;
pub mod nul;
pub mod origin;
pub mod page;
pub mod paging;
pub mod prefs;
pub mod probes;
pub mod view;

use axum::response::Html;

use crate::kernel::error::{AppError, AppResult};

pub use page::Page;

/// Renders an askama template into a response.
pub fn render(t: &impl askama::Template) -> AppResult<Html<String>> {
    t.render().map(Html).map_err(|e| AppError::Internal(e.into()))
}

/// Only a path on this site is a valid place to go back to (no open redirects).
/// Browsers drop tabs and line breaks from a `Location` (`/\t/evil` would
/// become `//evil`), so any whitespace or control character refuses it too.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n
        }
        _ => "/",
    }
}

/// A request's path as the log may keep it: a tracking code is a resident's
/// key to their case, so `/track/<code>…` is logged without the code.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/track/") {
        Some(rest) if !rest.is_empty() => {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            format!("/track/…{tail}").into()
        }
        _ => path.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{loggable_path, safe_next};

    #[test]
    fn tracking_codes_stay_out_of_the_log() {
        assert_eq!(loggable_path("/track/ABCDE23456"), "/track/…");
        assert_eq!(loggable_path("/track/ABCDE23456/rate"), "/track/…/rate");
        assert_eq!(loggable_path("/track"), "/track");
        assert_eq!(loggable_path("/opinions/3"), "/opinions/3");
    }

    #[test]
    fn next_must_stay_on_site() {
        assert_eq!(safe_next(Some("/offices")), "/offices");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/", "a tab browsers would drop");
        assert_eq!(safe_next(Some("/ok\r\nSet-Cookie: x")), "/");
        assert_eq!(safe_next(Some("/offices/3#staff")), "/offices/3#staff");
        assert_eq!(safe_next(None), "/");
    }
}
