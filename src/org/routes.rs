//! The organisation's pages: offices, members, localities and liaisons,
//! sectors, Members' Homes, and the sysadmin's accounts.

mod accounts;
mod homes;
mod liaisons;
mod members;
mod offices;
mod sectors;

use axum::Router;
use serde::Deserialize;

use crate::kernel::error::{AppError, AppResult};
use crate::kernel::state::AppState;
use crate::kernel::web::form;
use crate::kernel::web::page::form_done as done;
use crate::org::duty::CountDuty;
use crate::org::model::LocalityKind;
use crate::org::store::localities::LocalityData;

/// `count_duty` counts a member's year for the member page (`org::duty`).
pub fn router(count_duty: CountDuty) -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .merge(offices::router())
        .merge(members::router(count_duty))
        .merge(liaisons::router())
        .merge(sectors::router())
        .merge(homes::router())
        .merge(super::roster::routes::router())
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
