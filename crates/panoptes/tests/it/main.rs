//! End-to-end tests of the `panoptes` binary: the batch contract scored by the shared scorer
//! against the real corpora, and the CLI's error output.

mod bench;
mod cli;
mod conformance;
mod console;
mod content;
mod demo;
mod file_ingest;
mod ingest;
mod tidy;
