use serde::{Deserialize, Serialize};

/// The small, stable set of outward error codes. Each crate error maps to one of these and the
/// server maps them to HTTP statuses in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request itself is wrong (bad KQL, failed validation).
    BadRequest,
    /// No valid credentials.
    Unauthenticated,
    /// The object is visible but the action is not allowed.
    Forbidden,
    /// Missing, or belonging to a tenant the caller cannot see.
    NotFound,
    /// A concurrent change or a duplicate.
    Conflict,
    /// A rate or concurrency limit was hit.
    TooManyRequests,
    /// A dependency is down or a limit such as a timeout was reached.
    Unavailable,
    /// A broken invariant; details are logged, never sent.
    Internal,
}

/// Implemented by every crate error so the API edge can map it without knowing the crate.
pub trait HasErrorCode {
    /// The outward code of this error.
    fn error_code(&self) -> ErrorCode;
}
