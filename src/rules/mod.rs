//! Rules as data: the rule model, loading (built-in and user files) and the linter.
//!
//! This module knows nothing about how rules are matched; `detect/` compiles
//! a [`Rules`] set into a [`Scanner`](crate::Scanner).

mod allow;
mod builtin;
pub mod check;
mod load;
pub mod syntax;

pub use allow::AllowList;
pub use check::{CheckReport, check};
pub use load::{Rule, RuleError, Rules};
pub use syntax::{CustomDataIdentifier, KeywordPosition, RuleFile, RuleSyntax};
