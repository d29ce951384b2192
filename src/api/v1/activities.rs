//! Activities to read: what each office planned and held.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Errors;
use super::cases::utc;
use crate::activities::model::{Kind, Status};
use crate::activities::store::activities::{self, Activity, Filter};
use crate::api::caller::{Caller, Read};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{ApiPath, ApiQuery};
use crate::kernel::error::AppError;
use crate::kernel::ids::{ActivityId, OfficeId};
use crate::kernel::state::AppState;

/// An activity (履职活动).
#[derive(Serialize, ToSchema)]
pub struct ActivityOut {
    pub id: i64,
    pub office_id: i64,
    /// liaison, study, training, consultation, research, other.
    pub kind: String,
    pub title: String,
    /// planned, held, cancelled.
    pub status: String,
    pub venue: String,
    pub locality_id: Option<i64>,
    pub planned_at: DateTime<Utc>,
    pub held_at: Option<DateTime<Utc>>,
    pub duration_minutes: Option<i32>,
    pub topic: String,
    pub residents_count: i32,
}

/// An activity whole, with its record.
#[derive(Serialize, ToSchema)]
pub struct ActivityDetail {
    #[serde(flatten)]
    pub activity: ActivityOut,
    pub findings: String,
    pub minutes: String,
    pub outcomes: String,
    pub other_participants: String,
}

fn out(a: &Activity) -> ActivityOut {
    ActivityOut {
        id: a.id.0,
        office_id: a.office_id.0,
        kind: a.kind.as_str().into(),
        title: a.title.clone(),
        status: a.status.as_str().into(),
        venue: a.venue.clone(),
        locality_id: a.locality_id.map(|l| l.0),
        planned_at: utc(a.planned_at),
        held_at: a.held_at.map(utc),
        duration_minutes: a.duration_minutes,
        topic: a.topic.clone(),
        residents_count: a.residents_count,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    pub office: Option<i64>,
    /// The year it was held (or is planned) in.
    pub year: Option<i32>,
    /// liaison, study, training, consultation, research, other.
    pub kind: Option<String>,
    /// planned, held, cancelled.
    pub status: Option<String>,
}

/// 履职活动 · The activities, newest first (at most 500).
#[utoipa::path(
    get, path = "/api/v1/activities", tag = "activities", params(ActivityQuery), security(("token" = [])),
    responses((status = 200, description = "The activities", body = Vec<ActivityOut>), Errors)
)]
pub async fn list(
    State(st): State<AppState>,
    Caller(me, ..): Caller<Read>,
    ApiQuery(q): ApiQuery<ActivityQuery>,
) -> ApiResult<Json<Vec<ActivityOut>>> {
    let bad = || ApiError::new(StatusCode::BAD_REQUEST, "form.bad_choice");
    let pick = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let f = Filter {
        office: q.office.map(OfficeId),
        year: match q.year {
            Some(y) if !(2000..=2100).contains(&y) => return Err(bad()),
            y => y,
        },
        kind: match pick(&q.kind) {
            Some(k) => Some(Kind::parse(&k).ok_or_else(bad)?),
            None => None,
        },
        status: match pick(&q.status) {
            Some(s) => Some(Status::parse(&s).ok_or_else(bad)?),
            None => None,
        },
        ..Filter::default()
    };
    let rows = st.db.read(move |c| activities::list(c, &me, &f)).await?;
    Ok(Json(rows.iter().map(|r| out(&r.activity)).collect()))
}

/// 活动详情 · One activity with its record.
#[utoipa::path(
    get, path = "/api/v1/activities/{id}", tag = "activities", security(("token" = [])),
    params(("id" = i64, Path, description = "The activity's id")),
    responses((status = 200, description = "The activity", body = ActivityDetail), Errors)
)]
pub async fn read(
    State(st): State<AppState>,
    Caller(me, ..): Caller<Read>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ActivityDetail>> {
    let a = st.db.read(move |c| activities::get(c, &me, ActivityId(id))?.ok_or(AppError::NotFound)).await?;
    Ok(Json(ActivityDetail {
        activity: out(&a),
        findings: a.findings,
        minutes: a.minutes,
        outcomes: a.outcomes,
        other_participants: a.other_participants,
    }))
}
