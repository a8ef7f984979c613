use panoptes_domain::{ErrorCode, HasErrorCode};
use panoptes_rbac::Denied;

/// Result of a use case.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Why a use case failed, in the terms the API reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The request is wrong; the message says what and how to fix it.
    #[error("{0}")]
    BadRequest(String),
    /// No valid credentials (deliberately vague).
    #[error("{0}")]
    Unauthenticated(String),
    /// The object is visible but the action is not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Missing, or outside what the caller may see.
    #[error("{0} not found")]
    NotFound(String),
    /// A duplicate or a state that does not allow the change.
    #[error("{0}")]
    Conflict(String),
    /// Something outside Panoptes that the request needs (an identity provider) did not answer.
    #[error("{0}")]
    Unavailable(String),
    /// The operational store failed.
    #[error(transparent)]
    Db(#[from] panoptes_db::DbError),
    /// The event store failed.
    #[error("event store: {0}")]
    EventStore(String),
    /// A broken invariant; logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The refusal for `denied` on an object named `what`.
    pub fn denied(denied: Denied, what: &str) -> AppError {
        match denied {
            Denied::NotVisible | Denied::Expired => AppError::NotFound(what.to_string()),
            Denied::Missing(permission) => AppError::Forbidden(format!(
                "this needs the `{}` permission in the tenant; ask the tenant's administrator for a role that has it",
                permission.name()
            )),
        }
    }
}

impl HasErrorCode for AppError {
    fn error_code(&self) -> ErrorCode {
        match self {
            AppError::BadRequest(_) => ErrorCode::BadRequest,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Db(e) => e.error_code(),
            AppError::EventStore(_) | AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }
}
