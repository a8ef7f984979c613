//! Generator tests: determinism, coverage of every table, and injected attacks found by real
//! hunting queries through the real store and KQL engine — and only inside their own tenant.

mod attacks;
mod determinism;
