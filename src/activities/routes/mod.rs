//! The activities' pages.

mod coverage;
mod export;
mod member;
mod public;
mod staff;

use axum::Router;

use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(coverage::router())
        .merge(staff::router())
        .merge(member::router())
        .merge(public::router())
        .merge(export::router())
}
