//! Who may do what in which tenant: permissions, roles, a principal's grants and the one
//! `authorize` check. Pure policy: no I/O, no clock (the caller passes `now`).
//!
//! Map: [`Permission`] and [`PermissionSet`] are the fixed vocabulary (SPEC §2);
//! [`BuiltInRole`] names the shipped roles; [`Grant`] is one way a principal holds permissions
//! in one tenant (membership, guest account, delegation, service principal); [`Access`] is all
//! of a principal's grants, and [`Access::authorize`] / [`Access::tenants_with`] decide.

mod access;
mod permission;

pub use access::{Access, Denied, Grant, GrantSource, TenantDecision};
pub use permission::{BuiltInRole, Permission, PermissionSet, UnknownName};

#[cfg(test)]
mod tests;
