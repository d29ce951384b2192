//! Notices' pages: staff and recipients (`staff`), the public (`public`).

mod form;
mod public;
mod staff;

use axum::Router;

use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(staff::router()).merge(public::router())
}
