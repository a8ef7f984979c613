//! `panoptes serve --config FILE`: the instance's settings in TOML. A flag or environment
//! variable given for the same setting wins over the file; secrets (the first administrator's
//! password) come only from flags or the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use panoptes_server::ServerConfig;
use serde::Deserialize;

/// The file's settings; unknown keys are refused, so a typo is reported, not ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ServeFile {
    /// Data directory.
    pub(crate) data: Option<PathBuf>,
    /// Listen address.
    pub(crate) listen: Option<SocketAddr>,
    /// Operational store URL.
    pub(crate) database: Option<String>,
    /// The URL browsers reach the server at.
    pub(crate) public_url: Option<String>,
    /// Secure cookies.
    pub(crate) secure_cookies: Option<bool>,
    /// Name of the provider tenant a new instance gets.
    pub(crate) provider: Option<String>,
    /// Largest request body, bytes.
    pub(crate) max_body_bytes: Option<usize>,
    /// Largest telemetry submission over the API, bytes.
    pub(crate) max_ingest_bytes: Option<usize>,
    /// Requests per principal per minute.
    pub(crate) requests_per_minute: Option<u32>,
    /// Sign-in attempts per source address per minute.
    pub(crate) sign_ins_per_minute: Option<u32>,
}

impl ServeFile {
    /// Reads `path`; errors name the file, and the line and key at fault.
    pub(crate) fn read(path: &Path) -> anyhow::Result<ServeFile> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading the config file {}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))
    }

    /// The server settings: the file's, over the defaults.
    pub(crate) fn server_config(
        &self,
        listen: SocketAddr,
        secure_cookies: bool,
        public_url: Option<String>,
    ) -> ServerConfig {
        let defaults = ServerConfig::default();
        ServerConfig {
            max_body_bytes: self.max_body_bytes.unwrap_or(defaults.max_body_bytes),
            max_ingest_bytes: self.max_ingest_bytes.unwrap_or(defaults.max_ingest_bytes),
            requests_per_minute: self.requests_per_minute.unwrap_or(defaults.requests_per_minute),
            sign_ins_per_minute: self.sign_ins_per_minute.unwrap_or(defaults.sign_ins_per_minute),
            secure_cookies: secure_cookies || self.secure_cookies.unwrap_or(false),
            public_url: public_url.or_else(|| self.public_url.clone()).unwrap_or_else(|| format!("http://{listen}")),
        }
    }
}
