//! The query crate's error type: where a query failed (parse, plan, execute) and why.

use panoptes_domain::{ErrorCode, HasErrorCode};
use panoptes_kql::Diagnostic;

/// Result alias for this crate.
pub type Result<T, E = QueryError> = std::result::Result<T, E>;

/// Why a query did not produce a result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The text is not valid KQL.
    #[error("{}", .0.message)]
    Parse(Diagnostic),
    /// Valid KQL that does not bind or plan (unknown column, wrong types, ...).
    #[error("{}", .0.message)]
    Plan(Diagnostic),
    /// The plan failed while running.
    #[error("{0}")]
    Execute(String),
    /// The query ran past its time limit.
    #[error("query timed out after {0:?}; narrow the time range or the tenant scope")]
    Timeout(std::time::Duration),
    /// The query was cancelled by its caller.
    #[error("query cancelled")]
    Cancelled,
    /// The query needed more memory than its pool allows.
    #[error("query exceeded its memory limit: {0}; aggregate or filter earlier")]
    MemoryLimit(String),
}

impl QueryError {
    /// The stage name used by the batch contract: `parse`, `plan` or `execute`.
    pub fn stage(&self) -> &'static str {
        match self {
            Self::Parse(_) => "parse",
            Self::Plan(_) => "plan",
            _ => "execute",
        }
    }

    /// The diagnostic, when the failure has a position in the query text.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            Self::Parse(d) | Self::Plan(d) => Some(d),
            _ => None,
        }
    }

    /// A stable machine-readable code (`QueryTimeout`, `MemoryLimitExceeded`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Parse(d) | Self::Plan(d) => d.code,
            Self::Execute(_) => "ExecutionFailed",
            Self::Timeout(_) => "QueryTimeout",
            Self::Cancelled => "Cancelled",
            Self::MemoryLimit(_) => "MemoryLimitExceeded",
        }
    }
}

impl HasErrorCode for QueryError {
    fn error_code(&self) -> ErrorCode {
        match self {
            Self::Parse(_) | Self::Plan(_) => ErrorCode::BadRequest,
            Self::Execute(_) => ErrorCode::BadRequest,
            Self::Timeout(_) | Self::MemoryLimit(_) | Self::Cancelled => ErrorCode::Unavailable,
        }
    }
}
