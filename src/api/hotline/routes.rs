//! Staff forward a case to the 12345 hotline from its page.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::post;
use tower_sessions::Session;

use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::OpinionId;
use crate::kernel::state::AppState;
use crate::kernel::web::page::flash;
use crate::opinions::store::links;

pub fn router() -> Router<AppState> {
    Router::new().route("/opinions/{id}/hotline", post(forward))
}

async fn forward(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    let connected = st.config.hotline_url.as_deref().is_some_and(|u| !u.trim().is_empty());
    match st.db.write(move |c| links::forward_to_hotline(c, &me, OpinionId(id), connected)).await {
        Ok(()) => flash(&session, true, "hotline.forwarded").await,
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => flash(&session, false, k).await,
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("/opinions/{id}")))
}
