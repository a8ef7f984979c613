use std::fmt;

use serde::{Deserialize, Serialize};

/// A tenant's identifier: the unit of isolation. Opaque text (a UUID in production, any
/// non-empty identifier in tests and fixtures).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TenantId(String);

impl TenantId {
    /// Wraps an identifier; callers validate its provenance (authorization makes scopes).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
