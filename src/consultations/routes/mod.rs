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
        .merge(crate::consultations::online::routes::router())
}
