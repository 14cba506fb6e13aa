//! Markdown pipe tables inside text: each cell scanned with its column's
//! name as keyword context, as the cells of a CSV file are.
//!
//! In text, a keyword counts only near a value. A table puts its keywords in
//! the header row and the values in the rows below, often further away than
//! any keyword distance and on other lines, so the values that need a
//! keyword (nine-digit SSNs, dates of birth, national phone numbers) were
//! missed in tables that a CSV file with the same content gives in full:
//!
//! ```text
//! | Name     | SSN       | DOB        |
//! |----------|-----------|------------|
//! | Jane Roe | 219445178 | 1985-03-14 |
//! ```
//!
//! A table is a line with a `|`, followed by a delimiter row (cells of
//! dashes, optionally with `:` for alignment) with as many cells, then the
//! rows up to the first line without a `|` or a blank line (GitHub Flavored
//! Markdown's tables). The tables `psql` and `mysql` print are read the
//! same way: their rule under the header is dashes between `+`. The text pass runs as for any text; then each cell of
//! a column whose name names a rule's keyword is scanned alone with that
//! context, and what it finds that the text pass did not is reported at its
//! line and column. Only Markdown and plain text files read whole are
//! searched for tables (see [`may_hold_tables`]; not streams, nor files
//! large enough to be split among threads).

use std::ops::Range;

use crate::Scratch;
use crate::detect::Context;
use crate::detect::lines::column_utf16_after;
use crate::extract::Extractor;
use crate::report::{Finding, Location, TextLocation};

/// One table: the byte ranges of its header cells and of each row's cells,
/// with the 1-based line of each row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Table {
    pub header: Vec<Range<usize>>,
    pub rows: Vec<(u64, Vec<Range<usize>>)>,
}

/// The cells of a table line starting at offset `at` of its text, trimmed:
/// the text between pipes, without the empty cells a leading or trailing
/// pipe makes. A pipe escaped with a backslash is no separator.
fn cells(line: &[u8], at: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i <= line.len() {
        let end_of_cell = i == line.len() || (line[i] == b'|' && (i == 0 || line[i - 1] != b'\\'));
        if end_of_cell {
            let cell = &line[start..i];
            let lead = cell.len() - cell.trim_ascii_start().len();
            let trimmed = cell.trim_ascii();
            out.push(at + start + lead..at + start + lead + trimmed.len());
            start = i + 1;
        }
        i += 1;
    }
    let trimmed = line.trim_ascii();
    if trimmed.first() == Some(&b'|') && out.first().is_some_and(Range::is_empty) {
        out.remove(0);
    }
    if trimmed.last() == Some(&b'|') && out.last().is_some_and(Range::is_empty) {
        out.pop();
    }
    out
}

/// The number of columns of `line` when it is a delimiter row, else `None`:
/// Markdown's (`|---|:---:|`, cells of at least one `-` with an optional
/// `:` at either end, between pipes), or the rule of `psql` and `mysql`
/// output (`-----+------`, `+-----+------+`: dashes between `+`).
fn delimiter_columns(line: &[u8]) -> Option<usize> {
    let trimmed = line.trim_ascii();
    if !trimmed.contains(&b'-') {
        return None;
    }
    if trimmed.iter().all(|&b| b == b'-' || b == b'+') && trimmed.contains(&b'+') {
        let inner = trimmed.strip_prefix(b"+").unwrap_or(trimmed);
        let inner = inner.strip_suffix(b"+").unwrap_or(inner);
        let parts: Vec<&[u8]> = inner.split(|&b| b == b'+').collect();
        return parts.iter().all(|p| !p.is_empty()).then_some(parts.len());
    }
    let cs = cells(line, 0);
    let markdown = line.contains(&b'|')
        && !cs.is_empty()
        && cs.iter().all(|c| {
            let cell = &line[c.clone()];
            let inner = cell.strip_prefix(b":").unwrap_or(cell);
            let inner = inner.strip_suffix(b":").unwrap_or(inner);
            !inner.is_empty() && inner.iter().all(|&b| b == b'-')
        });
    markdown.then_some(cs.len())
}

/// Whether a source so named is searched for tables: Markdown and plain
/// text files (`.md`, `.markdown`, `.mdx`, `.txt`, `.text`, `.rst`), and
/// files without an extension; not logs, code or configuration, where a
/// pipe next to a dash is something else and the search would cost a pass.
pub(crate) fn may_hold_tables(source: &str) -> bool {
    let file = source.rsplit(['/', '\\', '!']).next().unwrap_or(source);
    match file.rsplit_once('.') {
        None => true,
        Some((stem, ext)) => {
            stem.is_empty()
                || ["md", "markdown", "mdx", "txt", "text", "rst"].iter().any(|e| ext.eq_ignore_ascii_case(e))
        }
    }
}

/// The Markdown tables of `text`.
pub(crate) fn find(text: &[u8]) -> Vec<Table> {
    let mut tables = Vec::new();
    // Most texts hold no table: one pass finds whether a pipe or a plus is
    // followed by a dash (`|-`, `| -`, `|:-`, `| :-`, `-+-`), as in every
    // delimiter row.
    let delimiter_like = memchr::memchr2_iter(b'|', b'+', text).any(|p| {
        let rest = &text[p + 1..];
        let rest = if text[p] == b'|' { rest.strip_prefix(b" ").unwrap_or(rest) } else { rest };
        let rest = if text[p] == b'|' { rest.strip_prefix(b":").unwrap_or(rest) } else { rest };
        rest.first() == Some(&b'-')
    });
    if !delimiter_like {
        return tables;
    }
    // Lines with their offsets and 1-based numbers.
    let mut lines: Vec<(usize, &[u8])> = Vec::new();
    let mut at = 0;
    for line in text.split(|&b| b == b'\n') {
        lines.push((at, line.strip_suffix(b"\r").unwrap_or(line)));
        at += line.len() + 1;
    }
    let mut i = 0;
    while i + 1 < lines.len() {
        let (head_at, head) = lines[i];
        let (_, delim) = lines[i + 1];
        let columns = if head.contains(&b'|') { delimiter_columns(delim) } else { None };
        let Some(columns) = columns else {
            i += 1;
            continue;
        };
        let header = cells(head, head_at);
        if header.len() != columns || header.len() < 2 {
            i += 1;
            continue;
        }
        let mut rows = Vec::new();
        let mut j = i + 2;
        while j < lines.len() {
            let (row_at, row) = lines[j];
            if row.trim_ascii().is_empty() || !row.contains(&b'|') {
                break;
            }
            rows.push((j as u64 + 1, cells(row, row_at)));
            j += 1;
        }
        tables.push(Table { header, rows });
        i = j;
    }
    tables
}

/// Scans the cells of `tables` (found in `text`) whose column names give a
/// keyword context, and returns what it finds that was not already found at
/// the byte ranges of `known` (the text pass's findings).
pub(crate) fn scan(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    text: &[u8],
    tables: &[Table],
    known: &[Range<u64>],
    source: &str,
) -> Vec<Finding> {
    let scanner = x.scanner();
    let show = x.options().text.show_values;
    let mut findings = Vec::new();
    for table in tables {
        let contexts: Vec<Context> =
            table.header.iter().map(|h| scanner.context_for(&String::from_utf8_lossy(&text[h.clone()]))).collect();
        if contexts.iter().all(Context::is_empty) {
            continue;
        }
        for (line, row) in &table.rows {
            let line_start =
                text[..row.first().map_or(0, |c| c.start)].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            for (cell, ctx) in row.iter().zip(&contexts) {
                if ctx.is_empty() || cell.is_empty() {
                    continue;
                }
                let value = &text[cell.clone()];
                let mut found = Vec::new();
                scanner.find(scratch, value, 0..value.len(), ctx, &mut |m| {
                    found.push(*m);
                    true
                });
                for m in found {
                    let (start, end) = ((cell.start + m.start) as u64, (cell.start + m.end) as u64);
                    if known.iter().any(|k| k.start < end && start < k.end) {
                        continue;
                    }
                    let location = Location::Text(TextLocation {
                        line: *line,
                        column: (cell.start + m.start - line_start) as u64 + 1,
                        column_utf16: column_utf16_after(&text[line_start..cell.start + m.start]),
                        byte_start: start,
                        byte_end: end,
                        page: None,
                    });
                    let info = scanner.rule_info(m.rule);
                    findings.push(Finding::from_match(&info, &m, source, location, &value[m.start..m.end], show));
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any mix of table-like pieces: no panic, and every cell lies in the text.
        #[test]
        fn tables_of_any_text_stay_in_bounds(pieces in proptest::collection::vec(0usize..9, 0..200)) {
            const PIECES: [&[u8]; 9] = [b"|", b"-", b":", b"+", b" ", b"\n", b"\r\n", b"ssn", b"\\"];
            let text: Vec<u8> = pieces.iter().flat_map(|&i| PIECES[i].iter().copied()).collect();
            for t in find(&text) {
                for c in t.header.iter().chain(t.rows.iter().flat_map(|(_, r)| r.iter())) {
                    proptest::prop_assert!(c.start <= c.end && c.end <= text.len());
                }
            }
        }
    }

    #[test]
    fn which_files_are_searched() {
        for name in ["README.md", "docs/x.MARKDOWN", "notes.txt", "a.zip!b/c.rst", "LICENSE", "dir/.profile"] {
            assert!(may_hold_tables(name), "{name}");
        }
        for name in ["app.log", "main.rs", "config.yaml", "x.md.gz.log"] {
            assert!(!may_hold_tables(name), "{name}");
        }
    }

    #[test]
    fn cells_of_table_lines() {
        let line = b"| Name | SSN  |";
        let got: Vec<&[u8]> = cells(line, 0).into_iter().map(|r| &line[r]).collect();
        assert_eq!(got, [&b"Name"[..], b"SSN"]);
        let line = b"a | b\\|c | ";
        let got: Vec<&[u8]> = cells(line, 0).into_iter().map(|r| &line[r]).collect();
        assert_eq!(got, [&b"a"[..], b"b\\|c"]);
        assert_eq!(delimiter_columns(b"|---|:---:|--:|"), Some(3));
        assert_eq!(delimiter_columns(b" --- | --- "), Some(2));
        assert_eq!(delimiter_columns(b"----------+-----------+------"), Some(3));
        assert_eq!(delimiter_columns(b"+------+-----+"), Some(2));
        assert_eq!(delimiter_columns(b"| a | --- |"), None);
        assert_eq!(delimiter_columns(b"----"), None);
        assert_eq!(delimiter_columns(b"--++--"), None);
    }

    #[test]
    fn tables_are_found_with_their_rows() {
        let text =
            b"intro | not a table\n\n| Name | SSN |\n|---|---|\n| Jane | 219445178 |\n| John | 512483921 |\n\nafter\n";
        let tables = find(text);
        assert_eq!(tables.len(), 1);
        let t = &tables[0];
        assert_eq!(&text[t.header[1].clone()], b"SSN");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].0, 6);
        assert_eq!(&text[t.rows[1].1[1].clone()], b"512483921");
        assert!(find(b"a | b\nc | d\n").is_empty());
        assert!(find(b"| a | b |\n|---|\n| 1 | 2 |\n").is_empty(), "a delimiter row of another width");
        // psql and mysql output.
        let psql = b"   name   |    ssn    \n----------+-----------\n Jane Roe | 219445178\n(1 row)\n";
        let t = &find(psql)[0];
        assert_eq!((&psql[t.header[1].clone()], t.rows.len()), (&b"ssn"[..], 1));
        let mysql = b"+------+-----------+\n| name | ssn       |\n+------+-----------+\n| Jane | 219445178 |\n+------+-----------+\n";
        let t = &find(mysql)[0];
        assert_eq!((&mysql[t.rows[0].1[1].clone()], t.rows.len()), (&b"219445178"[..], 1));
    }
}
