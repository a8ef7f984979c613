//! The KQL front end: lexer, hand-written recursive-descent parser, spanned AST and diagnostics.
//! No DataFusion here, so parser tests and fuzzing build in seconds.
//!
//! Map: [`lexer`] turns text into tokens; [`parser`] builds an [`ast::Query`]; every failure is a
//! [`Diagnostic`] with a span, rendered with a caret excerpt by [`Diagnostic::render`].
//! The parser never panics: nesting depth is bounded and every token access is checked.

pub mod ast;
mod diagnostic;
pub mod lexer;
mod parser;

pub use diagnostic::{Diagnostic, Severity, Span, closest, line_column};
pub use parser::parse;
