//! The online consultation's pages: staff and members signed in (`staff`),
//! residents without a login (`public`).

mod public;
mod staff;

use axum::Router;

use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(staff::router()).merge(public::router())
}
