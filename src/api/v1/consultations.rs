//! Consultations to read: topics, sessions, what was agreed and how far it got.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Errors;
use super::cases::utc;
use crate::api::caller::{Caller, Read};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{ApiPath, ApiQuery};
use crate::consultations::model::Status;
use crate::consultations::store::consultations::{self, Consultation, Filter};
use crate::consultations::store::items;
use crate::kernel::error::AppError;
use crate::kernel::ids::ConsultationId;
use crate::kernel::state::AppState;

/// A consultation (协商议事).
#[derive(Serialize, ToSchema)]
pub struct ConsultationOut {
    pub id: i64,
    pub office_id: i64,
    pub title: String,
    /// proposed, approved, rejected, planned, held, closed.
    pub status: String,
    pub planned_at: Option<DateTime<Utc>>,
    pub held_at: Option<DateTime<Utc>>,
    pub place: String,
    pub closed_at: Option<DateTime<Utc>>,
}

/// An agreed item (协商成果) and how far it got.
#[derive(Serialize, ToSchema)]
pub struct AgreedItem {
    pub id: i64,
    pub text: String,
    /// Who carries it out: a department's or an office's name.
    pub owner: String,
    /// open, done, explained.
    pub status: String,
    pub deadline: chrono::NaiveDate,
    /// Open past its deadline.
    pub overdue: bool,
    /// Why it cannot be done as agreed (status explained).
    pub explanation: String,
}

/// A consultation whole.
#[derive(Serialize, ToSchema)]
pub struct ConsultationDetail {
    #[serde(flatten)]
    pub consultation: ConsultationOut,
    pub background: String,
    pub record: String,
    pub residents_count: i32,
    /// 协商成果.
    pub results: String,
    pub items: Vec<AgreedItem>,
}

fn out(c: &Consultation) -> ConsultationOut {
    ConsultationOut {
        id: c.id.0,
        office_id: c.office_id.0,
        title: c.title.clone(),
        status: c.status.as_str().into(),
        planned_at: c.planned_at.map(utc),
        held_at: c.held_at.map(utc),
        place: c.place.clone(),
        closed_at: c.closed_at.map(utc),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultationQuery {
    /// proposed, approved, rejected, planned, held, closed.
    pub status: Option<String>,
}

/// 协商议事 · The consultations, newest first (at most 500).
#[utoipa::path(
    get, path = "/api/v1/consultations", tag = "consultations", params(ConsultationQuery), security(("token" = [])),
    responses((status = 200, description = "The consultations", body = Vec<ConsultationOut>), Errors)
)]
pub async fn list(
    State(st): State<AppState>,
    Caller(me, ..): Caller<Read>,
    ApiQuery(q): ApiQuery<ConsultationQuery>,
) -> ApiResult<Json<Vec<ConsultationOut>>> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or(ApiError::new(StatusCode::BAD_REQUEST, "form.bad_choice"))?),
    };
    let f = Filter { status, ..Filter::default() };
    let rows = st.db.read(move |c| consultations::list(c, &me, &f)).await?;
    Ok(Json(rows.iter().map(|r| out(&r.c)).collect()))
}

/// 协商详情 · One consultation with its agreed items.
#[utoipa::path(
    get, path = "/api/v1/consultations/{id}", tag = "consultations", security(("token" = [])),
    params(("id" = i64, Path, description = "The consultation's id")),
    responses((status = 200, description = "The consultation", body = ConsultationDetail), Errors)
)]
pub async fn read(
    State(st): State<AppState>,
    Caller(me, ..): Caller<Read>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ConsultationDetail>> {
    let (c, rows) = st
        .db
        .read(move |conn| {
            let c = consultations::get(conn, &me, ConsultationId(id))?.ok_or(AppError::NotFound)?;
            let rows = items::of_consultation(conn, &me, c.id)?;
            Ok((c, rows))
        })
        .await?;
    Ok(Json(ConsultationDetail {
        consultation: out(&c),
        items: rows
            .into_iter()
            .map(|r| AgreedItem {
                id: r.item.id.0,
                text: r.item.body,
                owner: r.owner,
                status: r.item.status.as_str().into(),
                deadline: r.item.deadline,
                overdue: r.overdue,
                explanation: r.item.explanation,
            })
            .collect(),
        background: c.background,
        record: c.record,
        residents_count: c.residents_count,
        results: c.results,
    }))
}
