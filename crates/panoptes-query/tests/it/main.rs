//! Integration tests of the query engine: multi-tenant hunting and isolation, data-driven plugins,
//! query limits.

mod data_driven;
mod fixtures;
mod hunt;
mod limits;
mod order;
