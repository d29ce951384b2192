//! The activities' pages.

mod coverage;
mod export;
mod public;
mod staff;

use axum::Router;

use crate::activities::store::Activities;
use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(coverage::router())
        .merge(staff::router())
        .merge(crate::meetings::routes::router::<Activities>())
        .merge(public::router())
        .merge(export::router())
}
