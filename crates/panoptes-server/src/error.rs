use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use panoptes_app::AppError;
use panoptes_domain::{ErrorCode, HasErrorCode};
use serde_json::json;

/// An error answered as a JSON problem body with a stable code (SPEC §6.1).
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    request_id: String,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>, request_id: &str) -> Self {
        Self { code, message: message.into(), request_id: request_id.to_string(), retry_after_secs: None }
    }

    /// From a use case's error; internal details are logged, not sent.
    pub fn from_app(error: AppError, request_id: &str) -> Self {
        let code = error.error_code();
        let message = match code {
            ErrorCode::Internal | ErrorCode::Unavailable => {
                tracing::error!(request_id, error = %error, "request failed");
                "the server could not complete the request; quote the request id to the operator".to_string()
            }
            _ => error.to_string(),
        };
        Self::new(code, message, request_id)
    }

    /// Too many requests; retry after this many seconds.
    pub fn too_many(retry_after_secs: u64, request_id: &str) -> Self {
        let mut error = Self::new(
            ErrorCode::TooManyRequests,
            format!("rate limit reached; retry after {retry_after_secs} s"),
            request_id,
        );
        error.retry_after_secs = Some(retry_after_secs);
        error
    }
}

fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {
            "code": format!("{:?}", self.code),
            "message": self.message,
            "target": null,
            "details": [],
            "requestId": self.request_id,
        }});
        let mut response = (status_of(self.code), Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// Handler result.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
