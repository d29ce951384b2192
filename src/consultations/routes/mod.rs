//! The consultations' pages.

mod departments;
mod items;
mod public;
mod staff;

use axum::Router;

use crate::consultations::store::Consultations;
use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(staff::router())
        .merge(items::router())
        .merge(departments::router())
        .merge(crate::meetings::routes::router::<Consultations>())
        .merge(public::router())
}

/// Form pairs (repeated fields such as `member` arrive more than once).
pub(super) fn pairs(raw: &[u8]) -> crate::kernel::error::AppResult<Vec<(String, String)>> {
    serde_urlencoded::from_bytes(raw).map_err(|_| crate::kernel::error::AppError::BadRequest("form.bad_choice"))
}

/// Every value of a repeated id field.
pub(super) fn ids(
    pairs: &[(String, String)],
    key: &str,
    bad: &'static str,
) -> crate::kernel::error::AppResult<Vec<i64>> {
    pairs
        .iter()
        .filter(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim().parse().map_err(|_| crate::kernel::error::AppError::BadRequest(bad)))
        .collect()
}
