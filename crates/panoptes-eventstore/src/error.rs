//! The event store's one error type.

use std::path::PathBuf;

use panoptes_domain::{ErrorCode, HasErrorCode};

/// What went wrong in the event store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The write-ahead log holds a damaged record followed by good ones: acknowledged data
    /// may be damaged, so the store refuses to open rather than drop it silently.
    #[error(
        "write-ahead log {path} is corrupt at byte {offset}: {reason}; move the file aside to open the store without it, \
         then re-ingest its source"
    )]
    CorruptWal {
        /// The log segment.
        path: PathBuf,
        /// Where the damage starts.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A data file the manifest lists is missing or unreadable.
    #[error("data file {path} is damaged: {reason}; restore it from backup")]
    CorruptFile {
        /// The Parquet file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The manifest does not parse.
    #[error("manifest {path} is unreadable: {reason}")]
    CorruptManifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Another process has the data directory open.
    #[error(
        "data directory {0} is in use by another panoptes process; stop it first (one process owns a data directory)"
    )]
    Busy(PathBuf),
    /// The table is not in the schema.
    #[error("unknown table `{0}`; tables come from the Defender schema (see `panoptes kql run 'getschema'`)")]
    UnknownTable(String),
    /// A tenant id that cannot name a partition folder.
    #[error("tenant id `{0}` is not valid: use letters, digits, `-`, `_` or `.` (at most 128, not starting with `.`)")]
    InvalidTenant(String),
    /// A write needs exactly one tenant in its scope.
    #[error("a write needs a scope of exactly one tenant, this one has {0}")]
    WriteScope(usize),
    /// A batch does not have the table's schema.
    #[error("batch for `{table}` does not match the table schema: {reason}")]
    SchemaMismatch {
        /// The table.
        table: String,
        /// What differs.
        reason: String,
    },
    /// Arrow, Parquet or DataFusion failed.
    #[error("{0}")]
    Engine(String),
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }

    pub(crate) fn engine(error: impl std::fmt::Display) -> StoreError {
        StoreError::Engine(error.to_string())
    }
}

impl HasErrorCode for StoreError {
    fn error_code(&self) -> ErrorCode {
        match self {
            StoreError::UnknownTable(_)
            | StoreError::InvalidTenant(_)
            | StoreError::WriteScope(_)
            | StoreError::SchemaMismatch { .. } => ErrorCode::BadRequest,
            StoreError::Io { .. } | StoreError::Busy(_) => ErrorCode::Unavailable,
            StoreError::CorruptWal { .. }
            | StoreError::CorruptFile { .. }
            | StoreError::CorruptManifest { .. }
            | StoreError::Engine(_) => ErrorCode::Internal,
        }
    }
}

/// The event store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
