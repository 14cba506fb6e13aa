//! Overlap resolution: one value is reported once, under its best rule.

use crate::detect::engine::Match;

/// Keeps, among overlapping matches, the one with the highest `rank`; the
/// survivors are left sorted by start.
///
/// Greedy by rank: the best match is kept, every match overlapping it is
/// dropped, and so on. Matches are few per haystack, so the quadratic worst
/// case over a sorted list is not a concern; the common case is linear.
pub fn resolve<K: Ord>(matches: &mut Vec<Match>, rank: impl Fn(&Match) -> K) {
    if matches.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..matches.len()).collect();
    order.sort_by(|&a, &b| rank(&matches[b]).cmp(&rank(&matches[a])).then(matches[a].start.cmp(&matches[b].start)));
    let mut kept: Vec<(usize, usize)> = Vec::new(); // sorted (start, end) of kept matches
    let mut keep = vec![false; matches.len()];
    for i in order {
        let m = &matches[i];
        let pos = kept.partition_point(|&(s, _)| s < m.start);
        let clash_prev = pos > 0 && kept[pos - 1].1 > m.start;
        let clash_next = pos < kept.len() && kept[pos].0 < m.end;
        if !clash_prev && !clash_next {
            kept.insert(pos, (m.start, m.end));
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
}
