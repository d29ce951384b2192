//! One error type for the whole app. Each variant maps to a status and a message
//! key (translated when the error page is rendered); database and internal errors
//! are logged and never shown to the user.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// The request was well-formed but not acceptable; the key names the message.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A form came without the session's CSRF token (or with a stale one).
    #[error("csrf token missing or wrong")]
    Csrf,
    /// No room for the work now (the photo decode budget): try again shortly.
    #[error("busy")]
    Busy,
    #[error("internal: {0:#}")]
    Internal(anyhow::Error),
}

/// Attached to an error response; the `render_errors` middleware turns it into a
/// page in the user's language (it knows the request, the error does not).
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub message_key: &'static str,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "error.not_found",
            AppError::Forbidden => "error.forbidden",
            AppError::Csrf => "error.csrf",
            AppError::Busy => "error.busy",
            AppError::BadRequest(k) | AppError::Conflict(k) => k,
            AppError::Internal(_) => "error.internal",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        let page = ErrorPage { status: self.status(), message_key: self.message_key() };
        let mut res = (page.status, page.message_key).into_response();
        res.extensions_mut().insert(page);
        res
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            e => AppError::Internal(e.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;
