use panoptes_domain::{ErrorCode, HasErrorCode};

/// Result of an operational-store call.
pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// What went wrong in the operational store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The row does not exist (or is outside the scope, which reads the same).
    #[error("{0} not found")]
    NotFound(String),
    /// A unique name or id is taken, or the row changed underneath.
    #[error("{0}")]
    Conflict(String),
    /// A stored value does not parse (a corrupted or hand-edited database).
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A migration failed; the database is left at the previous version.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        /// The migration's number.
        version: i64,
        /// Its file name.
        name: &'static str,
        /// Why.
        source: sqlx::Error,
    },
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                DbError::Conflict(format!("already exists: {}", db.message()))
            }
            sqlx::Error::RowNotFound => DbError::NotFound("row".into()),
            _ => DbError::Database(error),
        }
    }
}

impl HasErrorCode for DbError {
    fn error_code(&self) -> ErrorCode {
        match self {
            DbError::NotFound(_) => ErrorCode::NotFound,
            DbError::Conflict(_) => ErrorCode::Conflict,
            DbError::Database(_) => ErrorCode::Unavailable,
            DbError::Corrupt(_) | DbError::Migration { .. } => ErrorCode::Internal,
        }
    }
}
