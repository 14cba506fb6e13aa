//! JSON documents and JSON Lines: findings placed at record and JSON path,
//! path elements acting as keywords for the values below them.
//!
//! The data is read in blocks, tokenized by `json_lexer.rs` (iteratively,
//! so deep nesting cannot overflow the stack, and resumably, so a document of
//! any size streams through), and scanned as described in `blocks.rs`: the
//! block as text, matches placed in the string or number they start in, and
//! values whose path carries keywords (`$.customer.ssn`) scanned alone with
//! that context. Every string and number value is covered.
//!
//! A JSON Lines file is read line by line: a line that is not JSON is reported
//! (naming the line) and scanned as text, and the other lines are unaffected.
//! A line is first only checked (no token is written out); its tokens are
//! read again only when one of its values is scanned alone for its keyword
//! context or when the block's text pass finds a match in it, which few
//! lines of a large file are.
//! In a document, a syntax error or nesting deeper than [`MAX_DEPTH`] is
//! reported and the rest of the document is scanned as text.

use std::io::Read;
use std::ops::Range;

use crate::Scratch;
use crate::detect::quiet::QuietStarts;
use crate::detect::{Context, Scanner};
use crate::extract::blocks::{self, Emitter, Hit, Place, Unit, Units, Window};
use crate::extract::json_lexer::{self, Lexer, MAX_DEPTH, Outcome, PathTrie, Token, Tokens};
use crate::extract::json_shape::Shapes;
use crate::extract::{Extractor, Format, MAX_WARNINGS, Nesting, scanned_records};
use crate::report::{Location, Problem, RecordLocation, Sink};

/// The longest JSON Lines line, or single token of a document, read as JSON;
/// longer ones are read as text (bounding memory).
pub(crate) const MAX_TOKEN: u64 = 16 << 20;

/// Scans an in-memory JSON document or JSONL file.
pub(crate) fn scan_bytes(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    bytes: &[u8],
    format: Format,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    scan_limited(x, scratch, Window::over(bytes), format, source, MAX_TOKEN, sink)
}

/// Scans a streamed JSON document or JSONL file.
pub(crate) fn scan_stream(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    format: Format,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    // Nothing nests inside JSON; the budget is charged by the container that decompressed it.
    let _ = nest;
    scan_limited(x, scratch, Window::new(reader), format, source, MAX_TOKEN, sink)
}

/// As [`scan_stream`], reading lines and tokens longer than `max_token` bytes as text.
fn scan_limited(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    w: Window<'_>,
    format: Format,
    source: &str,
    max_token: u64,
    sink: &mut dyn Sink,
) -> bool {
    let s = JsonScan::new(x, source, format == Format::Jsonl, max_token);
    scan_with(s, scratch, w, format, source, sink)
}

/// Runs the scan `s` over `w`, then reports read errors, malformed lines and
/// what was scanned.
fn scan_with(
    mut s: JsonScan<'_>,
    scratch: &mut Scratch,
    mut w: Window<'_>,
    format: Format,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    let go_on =
        if s.lines { s.scan_lines(scratch, &mut w, sink) } else { s.scan_document(scratch, &mut w, None, sink) };
    if let Some(e) = w.take_error() {
        sink.problem(Problem::partial(source, format!("read error after {} bytes: {e}", w.end())));
    }
    scanned_records(sink, source, format, w.end(), s.emit.findings, (s.malformed, "lines"));
    go_on
}

/// Scans the JSON Lines in `span` of a larger file, read through `w` (the
/// span with context on both sides; the span starts at a line start and ends
/// after a newline or at the end of the file). Lines are numbered from the
/// span's start: record 0 and line 1 are the span's first line, in findings
/// and in warnings alike, for the caller to renumber once the lines before
/// the span are known (`parallel::Shift`); offsets are those of the file.
/// Every malformed line is reported (the caller caps them); no
/// [`Scanned`](crate::report::Scanned) is sent. Returns whether the sink
/// wants more, the read error that cut the span short, if one did, and the
/// lines the span holds (when it was read to its end).
pub(crate) fn scan_lines_segment(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    mut w: Window<'_>,
    span: Range<u64>,
    source: &str,
    sink: &mut dyn Sink,
) -> (bool, Option<std::io::Error>, u64) {
    let mut s = JsonScan::new(x, source, true, MAX_TOKEN);
    s.emit.lines = blocks::Lines::from_line(span.start, 1);
    (s.span, s.max_warnings) = (span, u64::MAX);
    let go_on = s.scan_lines(scratch, &mut w, sink);
    (go_on, w.take_error(), s.lines_read)
}

/// How the scan of a segment of a JSON document ended.
pub(crate) struct DocumentSegment {
    /// The document was read as text from an error on, to the end of the
    /// data (so the segments after this one are not wanted).
    pub to_end: bool,
    /// The read error that cut the scan short, if one did.
    pub error: Option<std::io::Error>,
}

/// Scans the segment `span` of a JSON document read through `w` (the
/// segment with context on both sides, readable to the end of the file):
/// from the document's start when `cut` is `None`, else from a cut (the
/// containers open there, and the lines before it). Findings, records and
/// lines are those of the whole file; an error ends the JSON reading as in
/// a whole scan, and the rest of the file is then read as text. No
/// [`Scanned`](crate::report::Scanned) is sent.
pub(crate) fn scan_document_segment(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    mut w: Window<'_>,
    span: Range<u64>,
    cut: Option<(&[json_lexer::Container], blocks::Lines)>,
    source: &str,
    sink: &mut dyn Sink,
) -> DocumentSegment {
    let mut s = JsonScan::new(x, source, false, MAX_TOKEN);
    s.span = span;
    let open = cut.map(|(open, lines)| {
        s.emit.lines = lines;
        open
    });
    s.scan_document(scratch, &mut w, open, sink);
    DocumentSegment { to_end: s.as_text, error: w.take_error() }
}

/// A valid JSON Lines line whose tokens were not written out (see
/// [`Lexer::set_emit`]): its bytes and its 0-based index.
struct Unread {
    span: Range<u64>,
    line: u64,
}

/// A block's tokens as units: a value's unit carries its path's keyword
/// context, and is scanned alone when it has one (keys never are). The
/// tokens of the block's `unread` lines are read when a match reaches them.
struct TokenUnits<'t, 's, 'w> {
    tokens: &'t mut Tokens,
    trie: &'t mut PathTrie<'s>,
    unread: &'t [Unread],
    lexer: &'t mut Lexer,
    w: &'t Window<'w>,
    /// The quiet word starts of the block's lines (JSON Lines only).
    quiet: Option<&'t QuietStarts>,
}

impl TokenUnits<'_, '_, '_> {
    fn ctx(&self, t: &Token) -> u32 {
        if t.key { 0 } else { self.trie.ctx(t.node) }
    }
}

impl Units for TokenUnits<'_, '_, '_> {
    fn count(&self) -> usize {
        self.tokens.items.len()
    }

    fn span(&self, i: usize) -> Range<u64> {
        self.tokens.items[i].span.clone()
    }

    fn unit(&self, i: usize) -> Unit {
        let t = &self.tokens.items[i];
        // A value right after its key (a member's value, an array's first
        // element) comes with that key; any other value with its opening
        // quote only (see `Unit::lead`).
        let own = match i.checked_sub(1).map(|j| &self.tokens.items[j]) {
            Some(k) if k.key && k.record == t.record => k.span.start,
            _ => t.span.start,
        };
        let lead = (t.content().start - own).min(blocks::LEAD);
        Unit { content: t.content(), escaped: t.escaped, ctx: self.ctx(t), lead }
    }

    fn forced(&self, out: &mut Vec<usize>) {
        // Contexts[0] is "none": without another, no token has one.
        if self.trie.contexts().len() > 1 {
            out.extend(self.tokens.items.iter().enumerate().filter(|(_, t)| self.ctx(t) != 0).map(|(i, _)| i));
        }
    }

    fn context(&self, ctx: u32) -> &Context {
        &self.trie.contexts()[ctx as usize]
    }

    fn quiet(&self) -> Option<&QuietStarts> {
        self.quiet
    }

    fn materialize(&mut self, spans: &[Range<u64>]) -> bool {
        let mut lines: Vec<usize> = Vec::new();
        for s in spans {
            let mut k = self.unread.partition_point(|l| l.span.end <= s.start);
            while k < self.unread.len() && self.unread[k].span.start < s.end {
                lines.push(k);
                k += 1;
            }
        }
        if lines.is_empty() {
            return false;
        }
        lines.sort_unstable();
        lines.dedup();
        for k in lines {
            let Unread { span, line } = &self.unread[k];
            read_tokens(self.lexer, self.w, span.clone(), *line, self.trie, self.tokens);
        }
        self.tokens.items.sort_unstable_by_key(|t| t.span.start);
        true
    }
}

/// Writes out the tokens of a line already checked (valid, not blank), at
/// `span` of `w`, with `lexer` writing tokens out.
fn read_tokens(
    lexer: &mut Lexer,
    w: &Window<'_>,
    span: Range<u64>,
    line: u64,
    trie: &mut PathTrie<'_>,
    tokens: &mut Tokens,
) {
    lexer.reset();
    let data = &w.bytes()[..w.rel(span.end)];
    let outcome = lexer.run(data, w.rel(span.start), true, w.base(), line, trie, tokens);
    debug_assert!(matches!(outcome, Outcome::Done(_)), "a line checked before reads alike: {outcome:?}");
}

/// Something read as text instead of JSON, reported when the scan reaches it.
struct Warning {
    at: u64,
    reason: String,
    /// Read as text for being over the length limit, not for being invalid:
    /// what follows loses its JSON paths, so the source is partly scanned.
    over_limit: bool,
}

impl Warning {
    /// JSON that does not parse at `at`.
    fn invalid(at: u64, reason: String) -> Warning {
        // Nesting past the depth limit is a limit too: the values below it lose their paths.
        let over_limit = reason == json_lexer::TOO_DEEP;
        Warning { at, reason, over_limit }
    }

    /// A line or value at `at` over the `max` byte limit.
    fn over_limit(at: u64, what: &str, max: u64) -> Warning {
        Warning { at, reason: format!("{what}longer than {max} bytes"), over_limit: true }
    }
}

struct JsonScan<'a> {
    scanner: &'a Scanner,
    chunk: u64,
    /// Lines and tokens longer than this are read as text.
    max_token: u64,
    /// JSON Lines (else one document, or several back to back).
    lines: bool,
    /// Where the lines to scan start and end (a segment of a larger file; the
    /// whole data otherwise).
    span: Range<u64>,
    /// The lines read, once the span was read to its end.
    lines_read: u64,
    /// Malformed lines reported one by one (the rest are counted).
    max_warnings: u64,
    emit: Emitter<'a>,
    trie: PathTrie<'a>,
    tokens: Tokens,
    /// The valid lines of the current block whose tokens were not written out.
    unread: Vec<Unread>,
    /// Reads the tokens of those lines when a match reaches them.
    relex: Lexer,
    /// Whether JSON Lines lines are only checked until something needs
    /// their tokens (else every line's tokens are written out as it is read).
    lazy: bool,
    /// Record shapes that check most lines without the tokenizer.
    shapes: Shapes<'a>,
    malformed: u64,
    /// A document is read as text from an error on, to the end of the data.
    as_text: bool,
}

impl<'a> JsonScan<'a> {
    /// A scan of the whole data (JSON Lines when `lines`) for `source`.
    fn new(x: &Extractor<'a>, source: &'a str, lines: bool, max_token: u64) -> JsonScan<'a> {
        let opts = x.options();
        JsonScan {
            scanner: x.scanner(),
            chunk: opts.text.chunk_size.max(1) as u64,
            max_token,
            lines,
            span: 0..u64::MAX,
            lines_read: 0,
            max_warnings: MAX_WARNINGS,
            emit: Emitter::new(source, opts.text.show_values),
            trie: PathTrie::new(Some(x.scanner())),
            tokens: Tokens::default(),
            unread: Vec::new(),
            relex: Lexer::new(MAX_DEPTH),
            lazy: true,
            shapes: Shapes::with_scanner(x.scanner()),
            malformed: 0,
            as_text: false,
        }
    }
}

impl JsonScan<'_> {
    /// Reads the first block; returns where the data starts (after a UTF-8 BOM).
    fn begin(&self, w: &mut Window<'_>, context: u64) -> u64 {
        w.fill_to(self.chunk.max(64 * 1024) + context);
        if w.bytes().starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 }
    }

    /// Scans a document from its start, or from a cut inside it (`resume`,
    /// the containers open there) to the end of `self.span`; once the
    /// document is read as text (after an error), to the end of the data,
    /// setting `self.as_text`.
    fn scan_document(
        &mut self,
        scratch: &mut Scratch,
        w: &mut Window<'_>,
        resume: Option<&[json_lexer::Container]>,
        sink: &mut dyn Sink,
    ) -> bool {
        let context = self.scanner.context_len() as u64;
        let (mut pos, mut lexer) = match resume {
            None => (self.begin(w, context), Lexer::new(MAX_DEPTH)),
            Some(open) => (self.span.start, Lexer::resume(MAX_DEPTH, open, &mut self.trie)),
        };
        let mut record = 0;
        loop {
            w.fill_to(pos + self.chunk + context);
            if pos >= w.end() && w.eof() {
                return true;
            }
            if pos >= self.span.end && !self.as_text {
                return true;
            }
            let block_start = pos;
            self.tokens.clear();
            let mut text = Vec::new();
            let mut warnings = Vec::new();
            if self.as_text {
                pos = (pos + self.chunk).min(w.end());
                text.push(block_start..pos);
            } else {
                let mut limit = (pos + self.chunk).min(w.end()).min(self.span.end);
                loop {
                    let eof = w.eof() && limit == w.end();
                    let data = &w.bytes()[..w.rel(limit)];
                    match lexer.run(data, w.rel(pos), eof, w.base(), record, &mut self.trie, &mut self.tokens) {
                        Outcome::Done(end) => {
                            pos = w.base() + end as u64;
                            record += 1;
                            lexer.reset();
                        }
                        Outcome::Empty => {
                            pos = limit;
                            break;
                        }
                        Outcome::NeedMore(at) => {
                            let at = w.base() + at as u64;
                            if at > block_start {
                                pos = at;
                                break;
                            }
                            // One token longer than a block: read on, up to the limit.
                            // A cut follows a comma, so no token of a valid document crosses the span's end.
                            let cap = (at + self.max_token + 1).min(self.span.end);
                            if limit < w.end().min(cap) {
                                limit = w.end().min(cap);
                            } else if limit < cap && !w.eof() {
                                w.fill_to(w.end() + (w.end() - at).max(self.chunk));
                                limit = w.end().min(cap);
                            } else {
                                warnings.push(Warning::over_limit(at, "a value ", self.max_token));
                                self.as_text = true;
                                pos = at;
                                break;
                            }
                        }
                        Outcome::Error(at, reason) => {
                            let at = w.base() + at as u64;
                            warnings.push(Warning::invalid(at, reason.to_string()));
                            self.as_text = true;
                            pos = at;
                            break;
                        }
                    }
                }
            }
            // A token over the limit ends the JSON reading wherever it was
            // found, so that the result does not depend on read sizes.
            if self.tokens.longest > self.max_token
                && let Some(i) = self.tokens.items.iter().position(|t| t.span.end - t.span.start > self.max_token)
            {
                let at = self.tokens.items[i].span.start;
                self.tokens.items.truncate(i);
                // Tokens may share their indexes: keep those of the tokens kept.
                let kept = self.tokens.items.last().map_or(0, |t| t.indexes.end as usize);
                self.tokens.indexes.truncate(kept);
                warnings.retain(|x| x.at < at);
                warnings.push(Warning::over_limit(at, "a value ", self.max_token));
                text.push(at..pos);
                self.as_text = true;
            }
            if !self.scan_block(scratch, w, block_start..pos, &text, &warnings, sink) {
                return false;
            }
            if self.trie.is_full() {
                lexer.clear_trie(&mut self.trie);
            }
            w.release_before(pos.saturating_sub(context), &mut self.emit.lines);
        }
    }

    fn scan_lines(&mut self, scratch: &mut Scratch, w: &mut Window<'_>, sink: &mut dyn Sink) -> bool {
        let context = self.scanner.context_len() as u64;
        let mut pos = if self.span.start == 0 { self.begin(w, context) } else { self.span.start };
        let mut lexer = Lexer::new(MAX_DEPTH);
        // Lines are checked without writing tokens out (see `TokenUnits`),
        // most of them by the shape of a record before them (`json_shape`).
        lexer.set_emit(!self.lazy);
        // 0-based index of the line at `pos`.
        let mut line = 0;
        loop {
            w.fill_to(pos + self.chunk + context);
            if (pos >= w.end() && w.eof()) || pos >= self.span.end {
                self.lines_read = line;
                return true;
            }
            let block_start = pos;
            self.tokens.clear();
            self.unread.clear();
            self.shapes.quiet.reset(block_start);
            let mut text = Vec::new();
            let mut warnings = Vec::new();
            let mut long_line = false;
            while pos < w.end().min(self.span.end) {
                // Most lines: a record of a shape seen before, its newline
                // found as its bytes are checked (see `json_shape`).
                let shaped = if self.lazy { self.shapes.line_end(w.bytes(), w.base(), w.rel(pos)) } else { None };
                let shaped = shaped.map(|rel| w.base() + rel as u64);
                let end = match shaped.filter(|&end| end <= self.span.end && end - pos <= self.max_token) {
                    Some(end) => {
                        self.unread.push(Unread { span: pos..end, line });
                        end
                    }
                    None => {
                        let end = match memchr::memchr(b'\n', &w.bytes()[w.rel(pos)..]) {
                            Some(k) => pos + k as u64 + 1,
                            None if w.eof() => w.end(),
                            None if pos > block_start => break,
                            None if w.end() - pos >= self.max_token => {
                                long_line = true;
                                break;
                            }
                            None => {
                                w.fill_to(w.end() + (w.end() - pos).max(self.chunk));
                                continue;
                            }
                        };
                        self.check_line(&mut lexer, w, pos..end, line, &mut text, &mut warnings);
                        end
                    }
                };
                pos = end;
                line += 1;
                if pos - block_start >= self.chunk {
                    break;
                }
            }
            if long_line {
                self.warn(w, &Warning::over_limit(pos, "", self.max_token), sink);
                let (end, go_on) =
                    blocks::scan_long_line(self.scanner, scratch, w, pos, self.chunk, &mut self.emit, sink);
                if !go_on {
                    return false;
                }
                pos = end;
                line += 1;
                continue;
            }
            if !self.scan_block(scratch, w, block_start..pos, &text, &warnings, sink) {
                return false;
            }
            if self.trie.is_full() {
                self.trie.clear();
            }
            // `pos` starts line `line` (0-based): no newline before it needs counting.
            self.emit.lines.skip_to(pos, line + 1);
            w.release_before(pos.saturating_sub(context), &mut self.emit.lines);
        }
    }

    /// Checks the JSON Lines line `span` with the tokenizer: a malformed
    /// line is listed to be read as text, with its warning; the tokens of a
    /// line with a value scanned alone for its context are written out; the
    /// other lines are left unread (lazily), their shape learnt.
    fn check_line(
        &mut self,
        lexer: &mut Lexer,
        w: &Window<'_>,
        span: Range<u64>,
        line: u64,
        text: &mut Vec<Range<u64>>,
        warnings: &mut Vec<Warning>,
    ) {
        let (pos, end) = (span.start, span.end);
        let (items, indexes) = (self.tokens.items.len(), self.tokens.indexes.len());
        lexer.reset();
        let data = &w.bytes()[..w.rel(end)];
        // A line of whitespace holds no token.
        let mut blank = false;
        let bad = if end - pos > self.max_token {
            // As if it had not ended within the limit (whatever was buffered).
            Some(Warning::over_limit(pos, "", self.max_token))
        } else {
            match lexer.run(data, w.rel(pos), true, w.base(), line, &mut self.trie, &mut self.tokens) {
                Outcome::Empty => {
                    blank = true;
                    None
                }
                Outcome::Done(e) if data[e..].iter().all(u8::is_ascii_whitespace) => None,
                Outcome::Done(_) => Some(Warning::invalid(pos, "more data after the JSON value".to_string())),
                Outcome::Error(_, reason) => Some(Warning::invalid(pos, reason.to_string())),
                Outcome::NeedMore(_) => Some(Warning::invalid(pos, "unexpected end of data".to_string())),
            }
        };
        if let Some(warning) = bad {
            self.tokens.items.truncate(items);
            self.tokens.indexes.truncate(indexes);
            text.push(span);
            warnings.push(warning);
        } else if lexer.forced() {
            // A value scanned alone for its context: the line's tokens are needed.
            lexer.set_emit(true);
            read_tokens(lexer, w, span, line, &mut self.trie, &mut self.tokens);
            lexer.set_emit(false);
        } else if self.lazy && !blank {
            self.shapes.learn(w.bytes(), w.rel(pos), w.rel(end));
            self.unread.push(Unread { span, line });
        }
    }

    /// Scans the block with the tokens found in it, and emits its findings
    /// and warnings in file order.
    fn scan_block(
        &mut self,
        scratch: &mut Scratch,
        w: &mut Window<'_>,
        block: Range<u64>,
        text: &[Range<u64>],
        warnings: &[Warning],
        sink: &mut dyn Sink,
    ) -> bool {
        w.fill_to(block.end + self.scanner.context_len() as u64);
        let mut units = TokenUnits {
            tokens: &mut self.tokens,
            trie: &mut self.trie,
            unread: &self.unread,
            lexer: &mut self.relex,
            w,
            quiet: self.lines.then_some(&self.shapes.quiet),
        };
        let hits =
            blocks::scan_block(self.scanner, scratch, w, block, 0..u64::MAX, &mut units, text, &json_lexer::unescape);
        let mut pending = warnings.iter().peekable();
        for hit in &hits {
            while let Some(warning) = pending.next_if(|x| x.at <= hit.start) {
                self.warn(w, warning, sink);
            }
            let location = self.locate(w, hit);
            if !self.emit.send(self.scanner, w, hit, location, sink) {
                return false;
            }
        }
        for warning in pending {
            self.warn(w, warning, sink);
        }
        true
    }

    fn locate(&mut self, w: &Window<'_>, hit: &Hit) -> Location {
        match hit.place {
            Place::Text => self.emit.text_location(w, hit),
            Place::Unit(u) => {
                let t = &self.tokens.items[u];
                let indexes = &self.tokens.indexes[t.indexes.start as usize..t.indexes.end as usize];
                // A JSON Lines record is its line (0-based), so its newlines
                // need no count; a document's records are not lines.
                let line = if self.lines { t.record + 1 } else { self.emit.lines.at(w, hit.start).0 };
                debug_assert_eq!(line, self.emit.lines.at(w, hit.start).0, "the line of a record");
                Location::Record(RecordLocation {
                    record: t.record,
                    json_path: self.trie.path(t.node, indexes),
                    row_group: None,
                    line: Some(line),
                    byte_start: Some(hit.start),
                    byte_end: Some(hit.end),
                })
            }
        }
    }

    /// Reports a malformed line or document. A JSON Lines line's warning
    /// names it first (`line 12 ...`): segments of a file scanned by several
    /// threads renumber it so (`parallel::Shift`).
    fn warn(&mut self, w: &Window<'_>, warning: &Warning, sink: &mut dyn Sink) {
        let (line, _) = self.emit.lines.at(w, warning.at);
        let reason = &warning.reason;
        let msg = if self.lines {
            self.malformed += 1;
            if self.malformed > self.max_warnings {
                return;
            }
            if warning.over_limit && reason == json_lexer::TOO_DEEP {
                format!(
                    "line {line} is not read as JSON ({reason}, the depth limit); scanned as text, without its JSON paths"
                )
            } else if warning.over_limit {
                format!("line {line} is {reason}, the record limit; scanned as text, without its JSON paths")
            } else {
                format!("line {line} is not valid JSON ({reason}); scanned as text")
            }
        } else if warning.over_limit {
            let limit = if reason == json_lexer::TOO_DEEP { "the depth limit" } else { "the record limit" };
            format!(
                "{reason} ({limit}) at line {line} (byte {}); the rest of the document is scanned as text, without its JSON paths",
                warning.at
            )
        } else {
            format!("{reason} at line {line} (byte {}); the rest of the document is scanned as text", warning.at)
        };
        // Text without its paths can miss values that need a key as keyword.
        let problem = if warning.over_limit { Problem::partial } else { Problem::warning };
        sink.problem(problem(self.emit.source, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Options;
    use crate::report::{Collect, Severity};
    use crate::testutil::{Dribble, builtin as scanner};

    /// Scans `data` with `chunk`-byte blocks, reading it `step` bytes at a
    /// time, or in place when `step` is 0 (as for a file in memory).
    fn scan(data: &[u8], format: Format, chunk: usize, step: usize, max_token: u64) -> Collect {
        scan_lazy(data, format, chunk, step, max_token, true)
    }

    /// [`scan`], reading every JSON Lines line's tokens as it is read when
    /// not `lazy`.
    fn scan_lazy(data: &[u8], format: Format, chunk: usize, step: usize, max_token: u64, lazy: bool) -> Collect {
        let mut opts = Options::default();
        opts.text.chunk_size = chunk;
        opts.text.show_values = true;
        let x = Extractor::new(scanner(), &opts);
        let mut scratch = scanner().scratch();
        let mut out = Collect::default();
        let mut reader = Dribble { data, step };
        let w = if step == 0 { Window::over(data) } else { Window::new(&mut reader) };
        let mut s = JsonScan::new(&x, "t.json", format == Format::Jsonl, max_token);
        s.lazy = lazy;
        scan_with(s, &mut scratch, w, format, "t.json", &mut out);
        out
    }

    /// `TYPE value @ record path` or `TYPE value @ line:column` for text.
    fn found(c: &Collect) -> Vec<String> {
        c.findings
            .iter()
            .map(|f| format!("{} {} @ {}", f.data_type, f.value.as_deref().unwrap_or(""), f.location.display_short()))
            .collect()
    }

    const DOC: &str = r#"{
  "customer": {"order_id": 409227781, "name": "Jane", "ssn": "512483921"},
  "shipment": {"tracking": "4954255503491068"},
  "items": [
    {"sku": 1, "card": "4954255503491068"},
    {"sku": 2, "label": "gift wrap"},
    {"sku": 3, "card": "4549 1210 3503 4465", "note": "ssn 671-30-2285 on file"}
  ],
  "first name": "jane@example.com",
  "escaped": "a\"b 233-71-0458",
  "birthDate": "1979-11-02",
  "ssn\u0041": "\u0035\u0031\u0032483921"
}"#;

    #[test]
    fn paths_and_path_keywords() {
        let out = scan(DOC.as_bytes(), Format::Json, 1 << 20, usize::MAX, MAX_TOKEN);
        assert_eq!(
            found(&out),
            [
                "USA_SOCIAL_SECURITY_NUMBER 512483921 @ record 0 $.customer.ssn",
                "CREDIT_CARD_NUMBER_(NO_KEYWORD) 4954255503491068 @ record 0 $.shipment.tracking",
                "CREDIT_CARD_NUMBER 4954255503491068 @ record 0 $.items[0].card",
                "CREDIT_CARD_NUMBER 4549 1210 3503 4465 @ record 0 $.items[2].card",
                "USA_SOCIAL_SECURITY_NUMBER 671-30-2285 @ record 0 $.items[2].note",
                "EMAIL_ADDRESS jane@example.com @ record 0 $['first name']",
                "USA_SOCIAL_SECURITY_NUMBER 233-71-0458 @ record 0 $.escaped",
                "DATE_OF_BIRTH 1979-11-02 @ record 0 $.birthDate",
                "USA_SOCIAL_SECURITY_NUMBER 512483921 @ record 0 $.ssnA",
            ]
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let at = |needle: &str| DOC.find(needle).unwrap() as u64;
        let loc = |i: usize| match &out.findings[i].location {
            Location::Record(r) => (r.line, r.byte_start, r.byte_end),
            other => panic!("{other:?}"),
        };
        assert_eq!(loc(0), (Some(2), Some(at("512483921")), Some(at("512483921") + 9)));
        assert_eq!(loc(6), (Some(10), Some(at("233-71")), Some(at("233-71") + 11)));
        // An escaped value that matches only once decoded: the whole string.
        let s = at(r#"\u0035"#);
        assert_eq!(loc(8), (Some(12), Some(s), Some(s + 24)));
        assert_eq!(out.scanned[0].format, "json");
    }

    #[test]
    fn a_trie_filled_by_unique_keys_starts_over_and_keeps_contexts() {
        // More distinct paths than the trie holds, each line a new key: the
        // trie is cleared (more than once) and `ssn` keeps its context
        // (the nine-digit value has no dashes: only its key makes it one).
        let lines = crate::extract::json_lexer::MAX_NODES * 2 + 10;
        let data: String = (0..lines).map(|i| format!("{{\"id_{i}\":1,\"ssn\":\"512483921\"}}\n")).collect();
        let out = scan(data.as_bytes(), Format::Jsonl, 1 << 20, usize::MAX, MAX_TOKEN);
        let found = found(&out);
        assert_eq!(found.len(), lines);
        for (i, f) in found.iter().enumerate() {
            assert_eq!(f, &format!("USA_SOCIAL_SECURITY_NUMBER 512483921 @ record {i} $.ssn"));
        }
    }

    #[test]
    fn a_value_scanned_alone_for_its_context_comes_with_its_own_key_only() {
        // `021000021` is a valid routing number and no SSN. Under `ssn` it
        // is scanned alone with that key's context; the routing rule's
        // keyword counts in its own key or value, not in another member
        // of its record, nor in the record before it.
        let lines = concat!(
            "{\"label\":\"routing number\",\"ssn\":\"021000021\"}\n",
            "{\"routing_number\":\"021000021\"}\n",
            "{\"ssn\":\"021000021\",\"label\":\"routing number\"}\n",
            "{\"ssn\":[\"021000021\",\"021000021 routing number\"]}\n",
        );
        for step in [0, 7] {
            let out = scan(lines.as_bytes(), Format::Jsonl, 1 << 20, step, MAX_TOKEN);
            assert_eq!(
                found(&out),
                [
                    "USA_ABA_ROUTING_NUMBER 021000021 @ record 1 $.routing_number",
                    "USA_ABA_ROUTING_NUMBER 021000021 @ record 3 $.ssn[1]",
                ],
                "read {step} bytes at a time"
            );
        }
    }

    #[test]
    fn block_and_read_sizes_do_not_change_findings() {
        let lines: String = DOC.lines().map(str::trim).collect::<Vec<_>>().join("");
        let jsonl = format!("{lines}\n{{broken 512-48-3921\n\n{lines}\r\n");
        for (data, format) in [(DOC.to_string(), Format::Json), (jsonl, Format::Jsonl)] {
            let whole = scan(data.as_bytes(), format, 1 << 20, usize::MAX, MAX_TOKEN);
            assert!(whole.findings.len() >= 9, "{format:?}");
            for chunk in [1, 7, 64, 4096] {
                for step in [0, 1, 13, 1000] {
                    let got = scan(data.as_bytes(), format, chunk, step, MAX_TOKEN);
                    assert_eq!(got.findings, whole.findings, "{format:?} chunk {chunk}, step {step}");
                    assert_eq!(got.problems, whole.problems, "{format:?} chunk {chunk}, step {step}");
                }
            }
        }
    }

    #[test]
    fn malformed_lines_are_scanned_as_text() {
        let data = b"\xEF\xBB\xBF{\"ssn\": 512483921}\r\n{\"ssn\": 409227781,}\r\n\r\n[{\"card\": \"4954255503491068\"}] x\n{\"a\": [\"jane@example.com\"]}";
        let out = scan(data, Format::Jsonl, 1 << 20, usize::MAX, MAX_TOKEN);
        assert_eq!(
            found(&out),
            [
                "USA_SOCIAL_SECURITY_NUMBER 512483921 @ record 0 $.ssn",
                "USA_SOCIAL_SECURITY_NUMBER 409227781 @ 2:9",
                "CREDIT_CARD_NUMBER 4954255503491068 @ 4:12",
                "EMAIL_ADDRESS jane@example.com @ record 4 $.a[0]",
            ]
        );
        let reasons: Vec<&str> = out.problems.iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "line 2 is not valid JSON (expected a key); scanned as text",
                "line 4 is not valid JSON (more data after the JSON value); scanned as text",
            ]
        );
        assert!(out.problems.iter().all(|p| p.severity == Severity::Warning));
    }

    #[test]
    fn deep_nesting_is_reported_not_fatal() {
        for depth in [300, 200_000] {
            let doc = format!(
                "{{\"ssn\": 512483921, \"a\": {}\"jane@example.com\"{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let out = scan(doc.as_bytes(), Format::Json, 1 << 20, usize::MAX, MAX_TOKEN);
            assert_eq!(
                found(&out),
                ["USA_SOCIAL_SECURITY_NUMBER 512483921 @ record 0 $.ssn", "EMAIL_ADDRESS jane@example.com @ 1:{}"]
                    .map(|s| s.replace("{}", &(depth + 26).to_string())),
            );
            assert_eq!(out.problems.len(), 1);
            assert_eq!(
                out.problems[0].reason,
                "nesting deeper than 256 levels (the depth limit) at line 1 (byte 279); the rest of the document is scanned as text, without its JSON paths"
            );
            // Values below the limit lose their paths (a key's keyword): partly scanned.
            assert_eq!(out.problems[0].severity, Severity::Partial);
            let line = format!("{doc}\n{{\"ssn\": 409227781}}\n");
            let out = scan(line.as_bytes(), Format::Jsonl, 1 << 20, usize::MAX, MAX_TOKEN);
            assert_eq!(out.findings.len(), 3);
            assert_eq!(
                out.problems[0].reason,
                "line 1 is not read as JSON (nesting deeper than 256 levels, the depth limit); scanned as text, without its JSON paths"
            );
            assert_eq!(out.problems[0].severity, Severity::Partial);
            assert_eq!(found(&out)[2], "USA_SOCIAL_SECURITY_NUMBER 409227781 @ record 1 $.ssn");
        }
    }

    #[test]
    fn long_values_and_lines() {
        let long = "x".repeat(5000);
        let doc = format!("{{\"ssn\": \"512483921\", \"blob\": \"{long} jane@example.com\", \"n\": \"409-22-7781\"}}");
        for chunk in [64, 1 << 20] {
            // A value longer than the token limit: the rest of the document is text.
            let out = scan(doc.as_bytes(), Format::Json, chunk, 100, 1000);
            assert_eq!(
                found(&out),
                [
                    "USA_SOCIAL_SECURITY_NUMBER 512483921 @ record 0 $.ssn",
                    "EMAIL_ADDRESS jane@example.com @ 1:5032",
                    "USA_SOCIAL_SECURITY_NUMBER 409-22-7781 @ 1:5057",
                ],
                "chunk {chunk}"
            );
            assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
            // Its paths are lost to the limit: partly scanned.
            assert_eq!(out.problems[0].severity, Severity::Partial, "{:?}", out.problems);
            // Inside an array, the values before the long one share its
            // array indexes, and keep them when it is dropped.
            let array = format!("[{doc}]");
            let out = scan(array.as_bytes(), Format::Json, chunk, 100, 1000);
            assert_eq!(found(&out)[0], "USA_SOCIAL_SECURITY_NUMBER 512483921 @ record 0 $[0].ssn", "chunk {chunk}");
            assert_eq!(out.findings.len(), 3, "{:?}", found(&out));
            // Under the limit, the long value is located normally.
            let out = scan(doc.as_bytes(), Format::Json, chunk, 100, MAX_TOKEN);
            assert_eq!(found(&out)[1], "EMAIL_ADDRESS jane@example.com @ record 0 $.blob");
            assert!(out.problems.is_empty());
            // A JSON Lines line longer than the limit is text; the next line is not.
            let data = format!("{doc}\n{{\"ssn\": 409227781}}\n");
            let out = scan(data.as_bytes(), Format::Jsonl, chunk, 100, 1000);
            assert_eq!(out.findings.len(), 4, "{:?}", found(&out));
            assert_eq!(found(&out)[3], "USA_SOCIAL_SECURITY_NUMBER 409227781 @ record 1 $.ssn");
            assert_eq!(
                out.problems[0].reason,
                "line 1 is longer than 1000 bytes, the record limit; scanned as text, without its JSON paths"
            );
            assert_eq!(out.problems[0].severity, Severity::Partial);
        }
    }

    #[test]
    fn concatenated_documents_and_invalid_utf8() {
        let data = b"{\"ssn\": 512483921}\n{\"ssn\": \"\xff\xfe 409227781\"}";
        let out = scan(data, Format::Json, 1 << 20, usize::MAX, MAX_TOKEN);
        assert_eq!(
            found(&out),
            [
                "USA_SOCIAL_SECURITY_NUMBER 512483921 @ record 0 $.ssn",
                "USA_SOCIAL_SECURITY_NUMBER 409227781 @ record 1 $.ssn"
            ]
        );
        assert!(out.problems.is_empty());
    }

    /// Pieces that make structured-looking garbage: any mix must scan without
    /// panicking, and give the same result in any block size.
    const PIECES: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b":",
        b",",
        b"\\",
        b"\n",
        b"\r\n",
        b" ",
        b"\"ssn\":",
        b"512483921",
        b"jane@example.com",
        b"\\u00",
        b"tru",
        b"null",
        b"-1.5e3",
        b"\xff",
        b"\"card\": \"4954255503491068\"",
    ];

    /// JSON Lines lines: findings in keys and values, in values scanned
    /// alone for their path (`ssn`, `card`), in arrays, escaped, spanning
    /// values, at the ends of lines; lines without any; malformed lines.
    const LINES: &[&str] = &[
        r#"{"ts":"2025-02-12T08:58:01.109Z","msg":"build like through","user_id":3669710}"#,
        r#"{"msg":"mail jane@example.com now","n":[1,2,{"x":"512-48-3921"}]}"#,
        r#"{"ssn":"512483921","name":"Jane"}"#,
        r#"{"ssn":{"pad":"a long value that puts the key out of reach of the text pass","v":"512483921"}}"#,
        r#"{"jane@example.com":1,"a":"4954 2555 0349 1068"}"#,
        r#"{"card":"4954255503491068","note":"ssn 671-30-2285"}"#,
        r#"{"e":"a"b 233-71-0458","f":"512483921"}"#,
        r#"{"phone":"+1 (415) 555","rest":"0132 x"}"#,
        r#"[{"ip":"10.1.2.3"},"call 415-555-0132"]"#,
        r#"{"broken": 512-48-3921"#,
        r#"{"a":1} trailing 233-71-0458"#,
        "",
        "   ",
        r#""AKIAIOSFODNN7EXAMPLE""#,
        // Lines of the first one's shape (checked without the tokenizer
        // once a line of that shape was read), and lines almost of it.
        r#"{"ts":"2025-02-12T08:58:02.321Z","msg":"call 415-555-0132 now","user_id":3669710}"#,
        r#"{"ts":"2025-02-12T08:58:03.001Z","user_id":"512483921"}"#,
        r#"{"ts":"x","msg":"y","ssn":"512483921"}"#,
        r#"{"ts":"x","msg":1.}"#,
        r#"{"ts":"x","msg":{"card":"4954255503491068"}}"#,
        r#"{"ts":"x","msg":"jane@example.com"} 233-71-0458"#,
    ];

    #[test]
    fn lines_of_a_repeated_record_are_checked_by_their_shape() {
        let data: String = (0..300)
            .map(|k| match k % 4 {
                0 => format!(r#"{{"ts":"{k}","msg":"m {k}","n":{k}}}"#),
                1 => format!(r#"{{"ts":"{k}","n":{k}}}"#),
                2 => format!(r#"{{"ts":"{k}","msg":"call 415-555-{:04} or jane{k}@example.com"}}"#, k + 100),
                _ => format!(r#"{{"ts":"{k}","phone":"415-555-{:04}"}}"#, k + 100),
            })
            .map(|line| line + "\n")
            .collect();
        let (out, hits, _) = scan_with_shapes(&data);
        // All but the first line and the lines with a `phone` (a keyword context).
        assert_eq!(hits, 300 - 1 - 75);
        assert_eq!(out.findings.len(), 75 * 3, "{:?}", found(&out));
    }

    /// Scans JSON Lines `data` lazily, with record shapes, and checks that
    /// it finds what a read of every line's tokens finds; returns the
    /// findings, the lines a shape checked, and the quiet word starts
    /// marked in the last block.
    fn scan_with_shapes(data: &str) -> (Collect, u64, usize) {
        let mut opts = Options::default();
        opts.text.show_values = true;
        let x = Extractor::new(scanner(), &opts);
        let mut s = JsonScan::new(&x, "t.json", true, MAX_TOKEN);
        let mut out = Collect::default();
        assert!(s.scan_lines(&mut scanner().scratch(), &mut Window::over(data.as_bytes()), &mut out));
        let whole = scan_lazy(data.as_bytes(), Format::Jsonl, 1 << 20, 0, MAX_TOKEN, false);
        assert!(out.findings == whole.findings, "{} findings against {}", out.findings.len(), whole.findings.len());
        let marked = (0..data.len() as u64).filter(|&i| s.shapes.quiet.bits(i) & 1 == 1).count();
        (out, s.shapes.hits, marked)
    }

    #[test]
    fn keys_the_keyword_walk_skips_change_no_finding() {
        // Enough lines of one record for its shape to mark the quiet word
        // starts of its keys (`trace`, `user` and `id` begin keywords or
        // share their trigrams), with values whose findings need keywords.
        let data: String = (0..1000)
            .map(|k| {
                format!(
                    r#"{{"trace_id":"{k:032x}","user_id":{k},"msg":"ssn {:03}-{:02}-{:04} card 4111 1111 1111 1111 dob 1990-01-{:02}"}}"#,
                    100 + k % 600,
                    10 + k % 80,
                    1000 + k,
                    1 + k % 28
                ) + "\n"
            })
            .collect();
        let (out, hits, marked) = scan_with_shapes(&data);
        assert_eq!(hits, 999);
        assert!(marked > 1000, "{marked} quiet starts marked");
        assert!(out.findings.len() >= 1900, "{} findings", out.findings.len());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn lines_read_lazily_give_what_lines_read_whole_give(
            picks in proptest::collection::vec(0..LINES.len(), 1..40),
            chunk in proptest::sample::select(vec![1usize, 40, 200, 1 << 20]),
            step in proptest::sample::select(vec![0usize, 13]),
            crlf in proptest::bool::ANY,
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let data: String = picks.iter().map(|&i| format!("{}{eol}", LINES[i])).collect();
            let lazy = scan_lazy(data.as_bytes(), Format::Jsonl, chunk, step, MAX_TOKEN, true);
            let whole = scan_lazy(data.as_bytes(), Format::Jsonl, chunk, step, MAX_TOKEN, false);
            proptest::prop_assert!(!whole.findings.is_empty() || !picks.iter().any(|i| (1..=6).contains(i)));
            proptest::prop_assert_eq!(&lazy.findings, &whole.findings);
            proptest::prop_assert_eq!(&lazy.problems, &whole.problems);
        }

        #[test]
        fn arbitrary_input_never_panics(picks in proptest::collection::vec(0..PIECES.len(), 0..80)) {
            let data: Vec<u8> = picks.iter().flat_map(|&i| PIECES[i].iter().copied()).collect();
            for format in [Format::Json, Format::Jsonl] {
                let whole = scan(&data, format, 1 << 20, usize::MAX, MAX_TOKEN);
                let small = scan(&data, format, 5, 3, 40);
                let tiny = scan(&data, format, 1, 1, MAX_TOKEN);
                proptest::prop_assert_eq!(&whole.findings, &tiny.findings);
                proptest::prop_assert_eq!(&whole.problems, &tiny.problems);
                proptest::prop_assert_eq!(small.scanned.len(), 1);
            }
        }
    }
}
