use panoptes_domain::{ErrorCode, HasErrorCode};

/// Why a rule or a triage change is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DetectError {
    /// A field value is not one the model allows; the message names the field and the choices.
    #[error("{0}")]
    Invalid(String),
}

impl HasErrorCode for DetectError {
    fn error_code(&self) -> ErrorCode {
        ErrorCode::BadRequest
    }
}

/// This crate's result.
pub type Result<T, E = DetectError> = std::result::Result<T, E>;
