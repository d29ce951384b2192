//! The 12345 hotline's work orders coming in: a case once per order number,
//! followed back to the hotline at every public step (`api::hotline`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::Errors;
use super::cases::{CaseDetail, Intake, take};
use crate::api::caller::{Caller, Hotline};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::ApiJson;
use crate::kernel::state::AppState;
use crate::opinions::store::links::{self, HOTLINE};

/// A work order (工单) the hotline passes on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HotlineOrder {
    /// 工单号: the same number sent again answers the case made before.
    #[schema(min_length = 1, max_length = 64)]
    pub order_no: String,
    /// 诉求内容.
    #[schema(min_length = 1, max_length = 2000)]
    pub content: String,
    /// 事发地址, added to the text staff read.
    pub address: Option<String>,
    /// 来电人, kept encrypted.
    pub caller_name: Option<String>,
    /// 来电号码 (a mobile number), kept encrypted.
    #[schema(pattern = "^1[3-9][0-9]{9}$")]
    pub caller_phone: Option<String>,
    /// The office it concerns, when the hotline knows (`GET /api/v1/offices`).
    pub office_id: Option<i64>,
    #[serde(default)]
    pub urgent: bool,
}

/// 12345工单 · A work order from the 12345 hotline, taken as a case; its
/// later public steps are posted back to the hotline with the order number.
/// Needs the `hotline` scope, which only the hotline's own token should have.
#[utoipa::path(
    post, path = "/api/v1/hotline/orders", tag = "cases", security(("token" = [])), request_body = HotlineOrder,
    responses(
        (status = 201, description = "Made", body = CaseDetail),
        (status = 200, description = "Already made for this order number", body = CaseDetail),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        Errors
    )
)]
pub async fn order(
    State(st): State<AppState>,
    Caller(me, ..): Caller<Hotline>,
    ApiJson(o): ApiJson<HotlineOrder>,
) -> ApiResult<(StatusCode, Json<CaseDetail>)> {
    let order_no = o.order_no.trim().to_string();
    if !links::valid_external_id(&order_no) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "api.bad_external_id"));
    }
    let body = match o.address.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => format!("{}\n地址：{a}", o.content.trim()),
        None => o.content.trim().to_string(),
    };
    let intake = Intake {
        body,
        office_id: o.office_id,
        locality_id: None,
        category_id: None,
        urgent: o.urgent,
        name: o.caller_name,
        phone: o.caller_phone,
    };
    take(&st, me, intake, HOTLINE.to_string(), Some(order_no)).await
}
