//! Integration tests of the query engine: schema fidelity, multi-tenant hunting and isolation,
//! query limits.

mod data_driven;
mod fixtures;
mod hunt;
mod limits;
mod schema;
