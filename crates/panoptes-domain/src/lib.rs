//! Vocabulary shared by every Panoptes crate: identifiers, the outward error codes and the KQL
//! scalar types. No I/O, no clock, no async.
//!
//! Map: [`ErrorCode`] is what every crate error reduces to at the API edge; [`KqlType`] names
//! the scalar types of the KQL dialect; [`TenantId`] identifies the unit of isolation and
//! [`TenantScope`] is the set of tenants a piece of work may touch.

mod error_code;
mod ids;
mod kql_type;
mod scope;

pub use error_code::{ErrorCode, HasErrorCode};
pub use ids::TenantId;
pub use kql_type::KqlType;
pub use scope::TenantScope;
