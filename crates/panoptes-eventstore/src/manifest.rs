//! The manifest: the committed set of Parquet files and how far the write-ahead log is
//! covered by them. Each commit writes a new file and renames it over the old one, so a crash
//! leaves either the old or the new manifest, never half of one.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use panoptes_domain::TenantId;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// The manifest format this build writes.
const FORMAT: u32 = 1;

/// The committed state of the store's files.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version.
    pub format: u32,
    /// Increments on every commit.
    pub generation: u64,
    /// Write-ahead log segments up to this number are in the files below.
    pub flushed_through: u64,
    /// The data files.
    pub files: Vec<DataFile>,
}

/// One Parquet file of one table, tenant and day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFile {
    /// Path relative to the data directory.
    pub path: String,
    /// Table name.
    pub table: String,
    /// Owning tenant.
    pub tenant: TenantId,
    /// `YYYY-MM-DD` partition.
    pub day: String,
    /// Rows in the file.
    pub rows: u64,
    /// Size on disk.
    pub bytes: u64,
    /// Earliest event time (Unix ns).
    pub min_time: i64,
    /// Latest event time (Unix ns).
    pub max_time: i64,
}

impl Manifest {
    /// Reads the manifest, or an empty one for a new store.
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Manifest { format: FORMAT, ..Manifest::default() });
            }
            Err(e) => return Err(StoreError::Io { path: path.to_path_buf(), source: e }),
        };
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| StoreError::CorruptManifest { path: path.to_path_buf(), reason: e.to_string() })?;
        if manifest.format > FORMAT {
            return Err(StoreError::CorruptManifest {
                path: path.to_path_buf(),
                reason: format!(
                    "format {} is newer than this build understands ({FORMAT}); upgrade panoptes",
                    manifest.format
                ),
            });
        }
        Ok(manifest)
    }

    /// Writes this manifest as the next generation, atomically and durably.
    pub fn commit(&mut self, path: &Path) -> Result<()> {
        self.format = FORMAT;
        self.generation += 1;
        let text = serde_json::to_vec_pretty(self).map_err(StoreError::engine)?;
        let temporary = path.with_extension("json.tmp");
        let mut file = File::create(&temporary).map_err(StoreError::io(&temporary))?;
        file.write_all(&text).and_then(|()| file.sync_all()).map_err(StoreError::io(&temporary))?;
        std::fs::rename(&temporary, path).map_err(StoreError::io(path))?;
        sync_dir(path.parent().unwrap_or(Path::new(".")))
    }
}

/// Makes renames and new files in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(StoreError::io(dir))
}
