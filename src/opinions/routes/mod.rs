//! The opinion box's pages.

mod posters;
mod public;
mod settings;
mod staff;
mod stats;

use axum::Router;

use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(public::router())
        .merge(staff::router())
        .merge(settings::router())
        .merge(posters::router())
        .merge(stats::router())
        .merge(crate::opinions::reports::routes::router())
}
