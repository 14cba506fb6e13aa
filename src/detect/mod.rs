//! Detection: compiling rules into a [`Scanner`] and running it over bytes.
//!
//! `engine.rs` holds the scanner; `analyze.rs`, `keywords.rs` and `digits.rs`
//! are its prefilters, working on the byte-class masks of `classify.rs`
//! (computed with the processor's widest vector unit, `vectors.rs`);
//! `stream.rs` scans readers in chunks and places matches in lines and
//! columns.

mod analyze;
pub(crate) mod classify;
mod compile;
mod digits;
mod engine;
pub(crate) mod escapes;
mod factor;
mod group_lanes;
mod keywords;
pub(crate) mod lines;
mod lookups;
mod prefilter;
pub(crate) mod quiet;
mod resolve;
mod shapes;
mod starts;
pub mod stream;
pub(crate) mod vectors;
mod word_lanes;

pub use analyze::MAX_MATCH_LEN;

/// Changes whenever a change to the engine itself (not to the rule files,
/// which the rules' fingerprint covers) changes what a scan finds: an
/// incremental S3 sweep records it with its settings, so that such a change
/// (whitespace escapes decoded, Markdown tables read) rescans every object.
pub const DETECTION_EPOCH: u32 = 2;
pub use engine::{Context, EngineStats, Match, RuleInfo, Scanner, Scratch};
pub(crate) use engine::{Hay, NameBuffers};

/// How the engine would find candidates for `rule`: `literal`, `digits`,
/// `keyword` or `full` (no anchor: the regex runs over every byte).
///
/// # Errors
/// The rule does not compile; the message says why.
pub(crate) fn analyze_rule(rule: &crate::rules::Rule) -> Result<&'static str, String> {
    let c = compile::CompiledRule::compile(rule).map_err(|e| format!("{:#}", anyhow::Error::from(e)))?;
    c.build_regex().map_err(|e| format!("{:#}", anyhow::Error::from(crate::rules::RuleError::regex(rule, e))))?;
    Ok(match c.anchor {
        compile::AnchorKind::Literal(_) => "literal",
        compile::AnchorKind::Digits(_) => "digits",
        compile::AnchorKind::Keyword => "keyword",
        compile::AnchorKind::CountryCode(_) => "country-code",
        compile::AnchorKind::Full => "full",
    })
}
