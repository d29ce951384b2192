//! Web plumbing every area uses: page context, CSRF, error pages, assets, probes.

pub mod action;
pub mod assets;
pub mod csrf;
pub mod errors;
pub mod form;
pub mod i18n;
pub mod links;
pub mod page;
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
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_stay_on_site() {
        assert_eq!(safe_next(Some("/offices")), "/offices");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
