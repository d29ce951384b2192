//! What an outside system gets when a call fails: JSON with a stable code and
//! the message in Chinese and English, never an HTML page or internals.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::tokens::model::Refusal;
use crate::kernel::error::AppError;
use crate::kernel::web::errors::json_error;

/// An error body, as `kernel::web::errors::json_error` writes it (described
/// here for the document): `code` is the message key (stable, for
/// programs), the two messages are for the people who read the other
/// system's logs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `api.token_no_scope`, `opinion.empty`, `error.not_found`.
    pub code: String,
    /// 中文说明。
    pub message: String,
    /// The same in English.
    pub message_en: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub key: &'static str,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, key: &'static str) -> ApiError {
        ApiError { status, key }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        if let AppError::Internal(e) = &e {
            tracing::error!(error = %format!("{e:#}"), "internal error in an API call");
        }
        ApiError { status: e.status(), key: e.message_key() }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> ApiError {
        let status = match r {
            Refusal::Unknown | Refusal::Revoked | Refusal::Expired => StatusCode::UNAUTHORIZED,
            Refusal::NoScope => StatusCode::FORBIDDEN,
            Refusal::TooMany => StatusCode::TOO_MANY_REQUESTS,
        };
        ApiError { status, key: r.message_key() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = json_error(self.status, self.key);
        let h = res.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"xieshang\""));
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        res
    }
}
