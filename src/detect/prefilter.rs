//! The literal anchors that the keyword walk cannot find at its word starts
//! (see `keywords::word_literal_lead`: literals of user rules that may follow
//! an ASCII letter or digit; the built-in rules have none), all found with
//! one search over the raw bytes: Teddy (SIMD) when there are at most 64 of
//! them, an Aho-Corasick automaton otherwise.

use aho_corasick::packed;
use aho_corasick::{AhoCorasick, MatchKind};

use crate::detect::keywords::norm_byte;

/// A literal occurrence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Index of the literal.
    pub id: u32,
    /// Offset of its first byte.
    pub start: usize,
    /// Offset one past its last byte.
    pub end: usize,
}

enum Engine {
    /// Teddy, with an automaton for haystacks shorter than Teddy reads at
    /// once (a value scanned alone: Teddy falls back to Rabin-Karp there,
    /// which hashes every position against every literal).
    Teddy(packed::Searcher, AhoCorasick),
    Automaton(AhoCorasick),
}

/// The compiled literal search.
pub struct Literals {
    engine: Engine,
}

impl std::fmt::Debug for Literals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.engine {
            Engine::Teddy(..) => "Literals(teddy)",
            Engine::Automaton(_) => "Literals(aho-corasick)",
        })
    }
}

/// Whether a literal makes a usable anchor: not mostly digits, spaces and
/// punctuation (`+44` or `0044` occur in every list of numbers).
pub fn literal_is_distinctive(lit: &[u8]) -> bool {
    let letters = lit.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let rare =
        lit.iter().any(|b| matches!(b, b'_' | b'@' | b'^' | b'%' | b'~' | b'`' | b'|' | b'{' | b'}' | b'$' | b'#'));
    letters >= 2 || (letters >= 1 && rare) || lit.iter().filter(|&&b| norm_byte(b) == b' ').count() * 2 > lit.len()
}

impl Literals {
    /// Builds the search for `literals`; `None` when there are none.
    pub fn new(literals: &[Vec<u8>]) -> Option<Literals> {
        if literals.is_empty() {
            return None;
        }
        let teddy = if literals.len() <= 64 {
            packed::Config::new().match_kind(packed::MatchKind::LeftmostFirst).builder().extend(literals).build()
        } else {
            None
        };
        let automaton = || {
            AhoCorasick::builder().match_kind(MatchKind::Standard).build(literals).expect("anchors are short literals")
        };
        let engine = match teddy {
            Some(t) => Engine::Teddy(t, automaton()),
            None => Engine::Automaton(automaton()),
        };
        Some(Literals { engine })
    }

    /// Calls `f` for every literal occurrence in `hay`, overlapping ones included.
    pub fn for_each(&self, hay: &[u8], mut f: impl FnMut(Hit)) {
        match &self.engine {
            Engine::Teddy(t, short) if hay.len() < t.minimum_len() => each_overlapping(short, hay, f),
            Engine::Teddy(t, _) => {
                let mut at = 0;
                while let Some(m) = t.find_in(hay, aho_corasick::Span::from(at..hay.len())) {
                    f(Hit { id: m.pattern().as_u32(), start: m.start(), end: m.end() });
                    at = m.start() + 1;
                }
            }
            Engine::Automaton(ac) => each_overlapping(ac, hay, f),
        }
    }
}

/// Calls `f` for every literal occurrence that `ac` finds in `hay`. No
/// literal is a prefix of another (the engine folds those), so at most one
/// starts at any offset, as in the Teddy search.
fn each_overlapping(ac: &AhoCorasick, hay: &[u8], mut f: impl FnMut(Hit)) {
    for m in ac.find_overlapping_iter(hay) {
        f(Hit { id: m.pattern().as_u32(), start: m.start(), end: m.end() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(l: &Literals, hay: &str) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        l.for_each(hay.as_bytes(), |h| out.push((h.id, hay[h.start..h.end].to_string())));
        out
    }

    #[test]
    fn finds_overlapping_literals() {
        let l = Literals::new(&[b"AKIA".to_vec(), b"-----BEGIN ".to_vec(), b"IAZ".to_vec()]).unwrap();
        assert_eq!(
            hits(&l, "x AKIAZZ -----BEGIN RSA"),
            vec![(0, "AKIA".to_string()), (2, "IAZ".to_string()), (1, "-----BEGIN ".to_string())]
        );
        assert!(hits(&l, "akia").is_empty());
    }

    #[test]
    fn short_haystacks_find_what_long_ones_find() {
        let lits: Vec<Vec<u8>> = ["AKIA", "ASIA", "ghp_", "gho_", "eyJ", "sk-", "xox", "-----BEGIN ", "hf_", "glpat-"]
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect();
        let l = Literals::new(&lits).unwrap();
        assert!(format!("{l:?}").contains("teddy"));
        for hay in ["AKIA", "x ghp_ eyJ", "sk-xoxhf_", "-----BEGIN x", "glpat-ASIAgho_", "nothing", ""] {
            let mut long: Vec<(u32, String)> = hits(&l, &format!("{hay}{}", " ".repeat(200)));
            long.sort();
            let mut short = hits(&l, hay);
            short.sort();
            assert_eq!(short, long, "{hay:?}");
        }
        assert_eq!(hits(&l, "x ghp_ eyJ").len(), 2);
    }

    #[test]
    fn many_literals_use_an_automaton() {
        let lits: Vec<Vec<u8>> = (0..100).map(|i| format!("lit{i:03}_").into_bytes()).collect();
        let l = Literals::new(&lits).unwrap();
        assert!(format!("{l:?}").contains("aho-corasick"));
        assert_eq!(hits(&l, "a lit042_ b"), vec![(42, "lit042_".to_string())]);
    }

    #[test]
    fn distinctive_literals() {
        assert!(literal_is_distinctive(b"AKIA"));
        assert!(literal_is_distinctive(b"-----BEGIN "));
        assert!(literal_is_distinctive(b"hf_"));
        assert!(!literal_is_distinctive(b"+44"));
        assert!(!literal_is_distinctive(b"0044"));
    }
}
