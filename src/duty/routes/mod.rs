//! The duty pages: a member's record as xlsx, scores and rankings, the
//! district's scoring table.

mod record;
mod scores;

use axum::Router;

use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(record::router()).merge(scores::router())
}
