//! Parser tests over the real corpora in ../shared and random input.

mod corpus;
mod fuzz;
