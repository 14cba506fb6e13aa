//! Overlap resolution: one value is reported once, under its best rule.

use std::collections::BTreeMap;

use crate::detect::engine::Match;

/// Keeps, among overlapping matches, the one with the highest `rank`; the
/// survivors are left sorted by start.
///
/// Greedy by rank: the best match is kept, every match overlapping it is
/// dropped, and so on (ties go to the earlier start, then to the earlier
/// match). Matches that overlap no other (nearly all of them, even in
/// match-dense data) are kept at once; the greedy choice runs within each
/// cluster of overlapping matches, which cannot affect another cluster.
pub fn resolve<K: Ord>(matches: &mut Vec<Match>, rank: impl Fn(&Match) -> K) {
    if matches.len() < 2 {
        return;
    }
    if matches.len() <= FEW {
        resolve_few(matches, rank);
    } else {
        resolve_clusters(matches, rank);
    }
}

/// [`resolve`] of any number of matches, cluster by cluster.
fn resolve_clusters<K: Ord>(matches: &mut Vec<Match>, rank: impl Fn(&Match) -> K) {
    // An empty match occupies its start.
    let end = |m: &Match| m.end.max(m.start + 1);
    let mut by_start: Vec<usize> = (0..matches.len()).collect();
    by_start.sort_by_key(|&i| matches[i].start);
    let mut keep = vec![false; matches.len()];
    let mut at = 0;
    while at < by_start.len() {
        let mut reach = end(&matches[by_start[at]]);
        let mut next = at + 1;
        while next < by_start.len() && matches[by_start[next]].start < reach {
            reach = reach.max(end(&matches[by_start[next]]));
            next += 1;
        }
        match &mut by_start[at..next] {
            [alone] => keep[*alone] = true,
            cluster => greedy(matches, cluster, &rank, &mut keep),
        }
        at = next;
    }
    let mut i = 0;
    matches.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    matches.sort_by_key(|m| (m.start, m.end));
}

/// Matches that [`resolve_few`] takes: a value scanned alone (a table
/// cell, a JSON value) has a few, often overlapping (a card number found by
/// two rules), and the general way's three allocations and B-tree were
/// most of its cost.
const FEW: usize = 16;

/// [`resolve`] of at most [`FEW`] matches, without an allocation: the
/// same greedy choice over all of them at once, each checked against the
/// kept ones (clusters of overlapping matches cannot affect each other, so
/// taking them together chooses as taking them one by one does).
fn resolve_few<K: Ord>(matches: &mut Vec<Match>, rank: impl Fn(&Match) -> K) {
    let n = matches.len();
    let end = |m: &Match| m.end.max(m.start + 1);
    let mut order = [0usize; FEW];
    for (i, o) in order[..n].iter_mut().enumerate() {
        *o = i;
    }
    let order = &mut order[..n];
    order.sort_by(|&a, &b| {
        rank(&matches[b]).cmp(&rank(&matches[a])).then(matches[a].start.cmp(&matches[b].start)).then(a.cmp(&b))
    });
    let (mut kept, mut keep) = ([0usize; FEW], [false; FEW]);
    let mut count = 0;
    for &i in order.iter() {
        let m = &matches[i];
        if kept[..count].iter().all(|&k| end(&matches[k]) <= m.start || end(m) <= matches[k].start) {
            kept[count] = i;
            count += 1;
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

/// The greedy choice among the matches of one cluster (indexes into
/// `matches`, in any order). The kept matches are held by start in a
/// B-tree, so each overlap check is two neighbour lookups and a large
/// cluster stays O(n log n).
fn greedy<K: Ord>(matches: &[Match], cluster: &mut [usize], rank: &impl Fn(&Match) -> K, keep: &mut [bool]) {
    cluster.sort_by(|&a, &b| {
        rank(&matches[b]).cmp(&rank(&matches[a])).then(matches[a].start.cmp(&matches[b].start)).then(a.cmp(&b))
    });
    let mut kept: BTreeMap<usize, usize> = BTreeMap::new(); // start -> end of kept matches
    for &i in cluster.iter() {
        let m = &matches[i];
        let clash_prev = kept.range(..m.start).next_back().is_some_and(|(_, &end)| end > m.start);
        let clash_next = kept.range(m.start..).next().is_some_and(|(&start, _)| start < m.end.max(m.start + 1));
        if !clash_prev && !clash_next {
            kept.insert(m.start, m.end);
            keep[i] = true;
        }
    }
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

    /// `resolve` keeps what checking every kept match keeps, for matches
    /// `(start, length, validated)` ranked by validation, then length.
    fn resolves_like_naive(spans: &[(usize, usize, bool)]) {
        let v: Vec<Match> = spans.iter().enumerate().map(|(i, &(s, len, val))| m(i, s, s + len, val)).collect();
        let rank = |x: &Match| (x.validated, x.end - x.start);
        let want = naive(&v, rank);
        let mut got = v.clone();
        resolve(&mut got, rank);
        let mut got: Vec<usize> = got.iter().map(|x| x.rule).collect();
        got.sort_by_key(|&r| v[r].start);
        assert_eq!(got, want);
    }

    proptest::proptest! {
        /// A few matches, empty ones among them, crowded together: the
        /// allocation-free way keeps what the cluster by cluster way keeps.
        #[test]
        fn few_matches_resolve_as_clusters_do(
            spans in proptest::collection::vec((0usize..40, 0usize..12, proptest::bool::ANY, 0usize..3), 2..=FEW),
        ) {
            let v: Vec<Match> = spans.iter().enumerate().map(|(i, &(s, len, val, _))| m(i, s, s + len, val)).collect();
            let rank = |x: &Match| (x.validated, spans[x.rule].3, x.end - x.start);
            let (mut few, mut clusters) = (v.clone(), v);
            resolve_few(&mut few, rank);
            resolve_clusters(&mut clusters, rank);
            proptest::prop_assert_eq!(few, clusters);
        }

        #[test]
        fn same_as_checking_every_kept_match(spans in proptest::collection::vec((0usize..300, 1usize..40, proptest::bool::ANY), 0..200)) {
            resolves_like_naive(&spans);
        }

        #[test]
        fn sparse_matches_resolve_as_dense_ones(spans in proptest::collection::vec((0usize..3000, 1usize..40, proptest::bool::ANY), 0..200)) {
            // Mostly lone matches and small clusters.
            resolves_like_naive(&spans);
        }
    }
}
