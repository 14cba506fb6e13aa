//! The literal anchors of literal-anchored rules (`AKIA`, `ghp_`,
//! `-----BEGIN `...), all found with one search over the raw bytes: Teddy
//! (SIMD) when there are at most 64 of them, an Aho-Corasick automaton otherwise.

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
    Teddy(packed::Searcher),
    Automaton(AhoCorasick),
}

/// The compiled literal search.
pub struct Literals {
    engine: Engine,
}

impl std::fmt::Debug for Literals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.engine {
            Engine::Teddy(_) => "Literals(teddy)",
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
        let engine = match teddy {
            Some(t) => Engine::Teddy(t),
            None => Engine::Automaton(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(literals)
                    .expect("anchors are short literals"),
            ),
        };
        Some(Literals { engine })
    }

    /// Calls `f` for every literal occurrence in `hay`, overlapping ones included.
    pub fn for_each(&self, hay: &[u8], mut f: impl FnMut(Hit)) {
        match &self.engine {
            Engine::Teddy(t) => {
                let mut at = 0;
                while let Some(m) = t.find_in(hay, aho_corasick::Span::from(at..hay.len())) {
                    f(Hit { id: m.pattern().as_u32(), start: m.start(), end: m.end() });
                    at = m.start() + 1;
                }
            }
            Engine::Automaton(ac) => {
                for m in ac.find_overlapping_iter(hay) {
                    f(Hit { id: m.pattern().as_u32(), start: m.start(), end: m.end() });
                }
            }
        }
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
