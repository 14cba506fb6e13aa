//! Overlap resolution: one value is reported once, under its best rule.

use std::collections::BTreeMap;

use crate::detect::engine::Match;

/// Keeps, among overlapping matches, the one with the highest `rank`; the
/// survivors are left sorted by start.
///
/// Greedy by rank: the best match is kept, every match overlapping it is
/// dropped, and so on. The kept matches are held by start in a B-tree, so
/// each overlap check is two neighbour lookups: a match-dense haystack
/// (tens of thousands of matches per chunk) stays O(n log n).
pub fn resolve<K: Ord>(matches: &mut Vec<Match>, rank: impl Fn(&Match) -> K) {
    if matches.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..matches.len()).collect();
    order.sort_by(|&a, &b| rank(&matches[b]).cmp(&rank(&matches[a])).then(matches[a].start.cmp(&matches[b].start)));
    let mut kept: BTreeMap<usize, usize> = BTreeMap::new(); // start -> end of kept matches
    let mut keep = vec![false; matches.len()];
    for i in order {
        let m = &matches[i];
        let clash_prev = kept.range(..m.start).next_back().is_some_and(|(_, &end)| end > m.start);
        let clash_next = kept.range(m.start..).next().is_some_and(|(&start, _)| start < m.end.max(m.start + 1));
        if !clash_prev && !clash_next {
            kept.insert(m.start, m.end);
            keep[i] = true;
        }
    }
    let mut i = 0;
    matches.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    matches.sort_by_key(|m| (m.start, m.end));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Confidence;

    fn m(rule: usize, start: usize, end: usize, validated: bool) -> Match {
        Match { rule, start, end, validated, keyword: false, confidence: Confidence::Low }
    }

    #[test]
    fn best_rank_wins_overlaps() {
        let mut v = vec![m(0, 0, 10, false), m(1, 2, 12, true), m(2, 20, 25, false), m(3, 11, 21, false)];
        resolve(&mut v, |x| (x.validated, x.end - x.start));
        let rules: Vec<usize> = v.iter().map(|x| x.rule).collect();
        assert_eq!(rules, vec![1, 2]);
    }

    #[test]
    fn disjoint_all_kept_in_order() {
        let mut v = vec![m(0, 30, 40, false), m(1, 0, 10, false), m(2, 10, 20, false)];
        resolve(&mut v, |x| x.rule);
        let starts: Vec<usize> = v.iter().map(|x| x.start).collect();
        assert_eq!(starts, vec![0, 10, 30]);
    }

    /// The same greedy rule, checked against every kept match (quadratic).
    fn naive(matches: &[Match], rank: impl Fn(&Match) -> (bool, usize)) -> Vec<usize> {
        let mut order: Vec<usize> = (0..matches.len()).collect();
        order.sort_by(|&a, &b| rank(&matches[b]).cmp(&rank(&matches[a])).then(matches[a].start.cmp(&matches[b].start)));
        let mut kept: Vec<usize> = Vec::new();
        for i in order {
            let x = &matches[i];
            if kept.iter().all(|&k| matches[k].end <= x.start || x.end <= matches[k].start) {
                kept.push(i);
            }
        }
        let mut rules: Vec<usize> = kept.iter().map(|&k| matches[k].rule).collect();
        rules.sort_by_key(|&r| matches[r].start);
        rules
    }

    proptest::proptest! {
        #[test]
        fn same_as_checking_every_kept_match(spans in proptest::collection::vec((0usize..300, 1usize..40, proptest::bool::ANY), 0..200)) {
            let v: Vec<Match> = spans.iter().enumerate().map(|(i, &(s, len, val))| m(i, s, s + len, val)).collect();
            let rank = |x: &Match| (x.validated, x.end - x.start);
            let want = naive(&v, rank);
            let mut got = v.clone();
            resolve(&mut got, rank);
            let mut got: Vec<usize> = got.iter().map(|x| x.rule).collect();
            got.sort_by_key(|&r| v[r].start);
            proptest::prop_assert_eq!(got, want);
        }
    }
}
