//! The roster's pages: offices, members, localities and liaisons, sectors,
//! Members' Homes.

mod homes;
mod liaisons;
mod members;
mod offices;
mod sectors;

use axum::Router;
use axum::response::Redirect;
use serde::Deserialize;
use tower_sessions::Session;

use crate::app::AppState;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::web::form;
use crate::kernel::web::page::flash;
use crate::org::model::LocalityKind;
use crate::org::store::localities::LocalityData;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(offices::router())
        .merge(members::router())
        .merge(liaisons::router())
        .merge(sectors::router())
        .merge(homes::router())
        .merge(super::roster::routes::router())
}

/// After a form: a user mistake (bad input, a duplicate) is shown as a message
/// on the page the user comes back to; anything else is an error page.
async fn done(session: &Session, result: AppResult<()>, ok_key: &str, back: &str) -> AppResult<Redirect> {
    match result {
        Ok(()) => flash(session, true, ok_key).await,
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => flash(session, false, k).await,
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(back))
}

/// A village or community as its add and edit forms send it.
#[derive(Deserialize)]
struct LocalityForm {
    name: String,
    /// Empty means "decide from the name" (…村 / …社区).
    kind: String,
    address: Option<String>,
    latitude: Option<String>,
    longitude: Option<String>,
}

impl LocalityForm {
    fn data(self) -> AppResult<LocalityData> {
        Ok(LocalityData {
            kind: LocalityKind::parse(&self.kind)
                .or_else(|| LocalityKind::from_name(&self.name))
                .ok_or(AppError::BadRequest("locality.bad_kind"))?,
            address: form::text(&self.address),
            latitude: form::number(&self.latitude)?,
            longitude: form::number(&self.longitude)?,
            name: self.name,
        })
    }
}
