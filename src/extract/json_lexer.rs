//! An iterative JSON tokenizer that locates values: the byte range of every
//! string, number and key, and the path to each, with nesting bounded by a
//! depth limit rather than by the call stack.
//!
//! It checks the structure (brackets, commas, colons, literals, number
//! characters) but is lenient inside strings: invalid UTF-8 and raw control
//! bytes are kept as they are, since the bytes are scanned, not decoded. It
//! can stop before a token cut by the end of the data and resume there once
//! more data is read, so a document of any size streams through it.
//!
//! Paths are kept in a [`PathTrie`]: one node per path with array indexes
//! replaced by `[*]` (`$.items[*].card`), each holding the keyword context of
//! that path, so that contexts are computed once per path and file, not once
//! per value. Concrete indexes travel with each token.

use std::collections::HashMap;
use std::fmt::Write;
use std::ops::Range;

use crate::detect::classify::eq_mask;
use crate::detect::{Context, NameBuffers, Scanner};

/// The deepest nesting read as JSON; deeper documents are reported and read as text.
pub(crate) const MAX_DEPTH: usize = 256;

/// Why nesting stopped the tokenizer.
pub(crate) const TOO_DEEP: &str = "nesting deeper than 256 levels";

/// Keys are kept (for paths) up to this many bytes.
const MAX_KEY: usize = 4096;

/// Distinct paths remembered per file before the trie starts over. A file
/// keyed by IDs (every record's keys new: 2,000 lines of 2,000 unique keys,
/// 85 MB) peaked at 58 MiB on one thread and 130 MiB on two (each of a
/// split file's jobs has a trie) with 100,000; with 50,000, 42 and 86 MiB,
/// and 20% faster (a smaller trie stays in cache). Files with fewer
/// distinct paths (nearly all) never fill it.
pub(crate) const MAX_NODES: usize = 50_000;

/// The root node (`$`).
pub(crate) const ROOT: u32 = 0;

const NONE: u32 = u32::MAX;

/// A string, number or key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    /// The raw token (a string with its quotes), at absolute offsets.
    pub span: Range<u64>,
    /// Whether it is a string (else a number).
    pub string: bool,
    /// Whether the string holds backslash escapes.
    pub escaped: bool,
    /// Whether it is an object key (its node is the member it names).
    pub key: bool,
    /// Its path's node in the trie.
    pub node: u32,
    /// The array indexes along its path, in [`Tokens::indexes`].
    pub indexes: Range<u32>,
    /// The top-level value (record) it belongs to.
    pub record: u64,
}

impl Token {
    /// The value: inside the quotes of a string, the whole of a number.
    pub fn content(&self) -> Range<u64> {
        if self.string { self.span.start + 1..self.span.end - 1 } else { self.span.clone() }
    }
}

/// Tokens found so far, with their array indexes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tokens {
    /// The tokens, in order.
    pub items: Vec<Token>,
    /// Array indexes of all tokens (each token has a range of them).
    pub indexes: Vec<u64>,
    /// At least the length of the longest token written since the last
    /// [`Tokens::clear`] (tokens dropped since may have been longer): a
    /// block whose tokens are all under a limit is known so without a
    /// pass over them.
    pub longest: u64,
}

impl Tokens {
    /// Forgets all tokens.
    pub fn clear(&mut self) {
        self.items.clear();
        self.indexes.clear();
        self.longest = 0;
    }
}

/// Where the tokenizer stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A token is cut by the end of the data: resume at this offset with more data.
    NeedMore(usize),
    /// A top-level value ended at this offset.
    Done(usize),
    /// Only whitespace up to the end of the data.
    Empty,
    /// Not JSON at this offset, for this reason.
    Error(usize, &'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting a top-level value; nothing read yet.
    Start,
    Value,
    /// After `[`: a value or `]`.
    ValueOrEnd,
    /// After `{`: a key or `}`.
    KeyOrEnd,
    Key,
    Colon,
    CommaOrEnd,
    /// The top-level value is complete.
    Done,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    array: bool,
    /// The node of the array or object itself.
    container: u32,
    /// The node of its current member (`[*]` for arrays, the key for objects).
    member: u32,
    index: u64,
    /// Where the current key starts in `Lexer::keys`.
    key_start: usize,
    /// Objects: the slot among the container's children where the next
    /// key is looked for first (see [`PathTrie::key_child_from`]).
    next_slot: u32,
}

/// A container open where a tokenizer resumes ([`Lexer::resume`]): whether
/// it is an array, its current element's index (arrays), its current key
/// (objects).
pub(crate) type Container = (bool, u64, Vec<u8>);

/// A resumable JSON tokenizer for one top-level value at a time.
#[derive(Clone, Debug)]
pub(crate) struct Lexer {
    stack: Vec<Frame>,
    /// How many of the open containers are arrays.
    arrays: usize,
    state: State,
    /// The current keys of the open objects, back to back, between
    /// [`Lexer::resume`] or [`Lexer::clear_trie`] and [`Lexer::rebind`]
    /// (while reading, the trie holds them: each member's node has its key).
    keys: Vec<u8>,
    max_depth: usize,
    tmp: Vec<u8>,
    stops: Stops,
    /// Whether tokens are written out; when not, the tokenizer only checks
    /// the value and notes whether one of its values has a keyword context
    /// ([`Lexer::forced`]).
    emit: bool,
    /// Whether a value read since the last [`Lexer::reset`] has a path with a
    /// keyword context (noted only while tokens are not written out).
    forced: bool,
    /// The range of [`Tokens::indexes`] written for the last token inside
    /// an array, while no array index has changed since in this call of
    /// [`Lexer::run`]: the next such token shares it rather than writing
    /// the same indexes again (every member of `[{...}, {...}]`'s records
    /// has the same one).
    shared: Option<(u32, u32)>,
}

impl Lexer {
    /// A tokenizer expecting a top-level value, nesting up to `max_depth`.
    pub fn new(max_depth: usize) -> Lexer {
        Lexer {
            stack: Vec::new(),
            arrays: 0,
            state: State::Start,
            keys: Vec::new(),
            max_depth,
            tmp: Vec::new(),
            stops: Stops::new(),
            emit: true,
            forced: false,
            shared: None,
        }
    }

    /// Whether [`Lexer::run`] writes tokens out (the default), or only
    /// checks the value and notes whether it has a value scanned alone for
    /// its keyword context ([`Lexer::forced`]): JSON Lines records whose
    /// tokens nothing asks for are tokenized again only if a match lands in
    /// them.
    pub fn set_emit(&mut self, emit: bool) {
        self.emit = emit;
    }

    /// Whether a value read since the last [`Lexer::reset`], with tokens not
    /// written out, has a path with a keyword context.
    pub fn forced(&self) -> bool {
        self.forced
    }

    /// A tokenizer just after a comma inside the containers `open`
    /// (outermost first): each an array at its element's index or an object
    /// with its current key (the innermost object's is not needed: a key is
    /// read next). The next token is an element of the innermost container.
    pub fn resume(max_depth: usize, open: &[Container], trie: &mut PathTrie<'_>) -> Lexer {
        let mut lexer = Lexer::new(max_depth);
        for (k, (array, index, key)) in open.iter().enumerate() {
            let key_start = lexer.keys.len();
            let innermost = k + 1 == open.len();
            let member = if *array || innermost { NONE } else { ROOT };
            if !*array && !innermost {
                lexer.keys.extend_from_slice(&key[..key.len().min(MAX_KEY)]);
            }
            lexer.stack.push(Frame { array: *array, container: NONE, member, index: *index, key_start, next_slot: 0 });
            lexer.arrays += usize::from(*array);
        }
        lexer.state = match open.last() {
            Some((true, ..)) => State::Value,
            Some((false, ..)) => State::Key,
            None => State::Start,
        };
        lexer.rebind(trie);
        lexer
    }

    /// Gets ready for the next top-level value.
    pub fn reset(&mut self) {
        self.stack.clear();
        self.arrays = 0;
        self.keys.clear();
        self.state = State::Start;
        self.forced = false;
        self.shared = None;
    }

    /// Clears `trie` ([`PathTrie::clear`]) in the middle of a value: the
    /// current key of every open object is copied out of it first, and the
    /// open containers are looked up again in the cleared trie.
    pub fn clear_trie(&mut self, trie: &mut PathTrie<'_>) {
        self.keys.clear();
        for f in &mut self.stack {
            f.key_start = self.keys.len();
            if !f.array && f.member != NONE {
                self.keys.extend_from_slice(trie.key_of(f.member));
            }
        }
        trie.clear();
        self.rebind(trie);
    }

    /// Looks up the nodes of the open containers again in `trie`, with the
    /// keys of [`Lexer::clear_trie`] or [`Lexer::resume`].
    fn rebind(&mut self, trie: &mut PathTrie<'_>) {
        let mut node = ROOT;
        for i in 0..self.stack.len() {
            let f = self.stack[i];
            let member = if f.array {
                trie.index_child(node)
            } else if f.member != NONE {
                let end = self.stack.get(i + 1).map_or(self.keys.len(), |n| n.key_start);
                trie.key_child(node, &self.keys[f.key_start..end])
            } else {
                NONE
            };
            self.stack[i].container = node;
            self.stack[i].member = member;
            node = member;
        }
        self.keys.clear();
        for f in &mut self.stack {
            f.key_start = 0;
        }
    }

    /// Reads tokens from `data[i..]` (`data[0]` is at absolute offset `base`)
    /// into `out` until the top-level value ends, the data ends, or an error.
    /// `eof` says whether `data` runs to the end of the input.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        data: &[u8],
        mut i: usize,
        eof: bool,
        base: u64,
        record: u64,
        trie: &mut PathTrie<'_>,
        out: &mut Tokens,
    ) -> Outcome {
        let len = data.len();
        // `data` may be another slice than the last call's, and `out` other tokens.
        self.stops = Stops::new();
        self.shared = None;
        loop {
            while i < len && is_space(data[i]) {
                i += 1;
            }
            if self.state == State::Done {
                return Outcome::Done(i);
            }
            if i >= len {
                return match self.state {
                    _ if !eof => Outcome::NeedMore(i),
                    State::Start => Outcome::Empty,
                    _ => Outcome::Error(i, "unexpected end of data"),
                };
            }
            let b = data[i];
            match self.state {
                State::Start | State::Value | State::ValueOrEnd => {
                    if b == b']' && self.state == State::ValueOrEnd {
                        self.pop();
                        i += 1;
                        continue;
                    }
                    match b {
                        b'{' | b'[' => {
                            if self.stack.len() >= self.max_depth {
                                return Outcome::Error(i, TOO_DEEP);
                            }
                            let container = self.current();
                            let array = b == b'[';
                            let member = if array { trie.index_child(container) } else { NONE };
                            let key_start = self.keys.len();
                            self.stack.push(Frame { array, container, member, index: 0, key_start, next_slot: 0 });
                            self.arrays += usize::from(array);
                            self.shared = None;
                            self.state = if array { State::ValueOrEnd } else { State::KeyOrEnd };
                            i += 1;
                        }
                        b'"' | b'-' | b'0'..=b'9' => match self.scalar(data, i, eof, base, record, trie, out) {
                            Ok(next) => i = next,
                            Err(o) => return o,
                        },
                        _ => {
                            let Some(lit) = literal_of(b) else { return Outcome::Error(i, "unexpected character") };
                            let have = &data[i..len.min(i + lit.len())];
                            if have.len() < lit.len() && !eof && lit.starts_with(have) {
                                return Outcome::NeedMore(i);
                            }
                            if have != lit {
                                return Outcome::Error(i, "unexpected character");
                            }
                            i += lit.len();
                            self.after_value();
                        }
                    }
                }
                State::KeyOrEnd | State::Key => {
                    if b == b'}' && self.state == State::KeyOrEnd {
                        self.pop();
                        i += 1;
                        continue;
                    }
                    if b != b'"' {
                        return Outcome::Error(i, "expected a key");
                    }
                    // Members of one object, one after the other while each
                    // is a key, a colon right after it and a string or a
                    // number right after that (flat records are little
                    // else); anything else goes round the loop.
                    loop {
                        let (end, escaped) = match self.stops.string_end(data, i, eof) {
                            Ok(x) => x,
                            Err(o) => return o,
                        };
                        let raw = &data[i + 1..end - 1];
                        let key: &[u8] = if escaped {
                            self.tmp.clear();
                            unescape(raw, &mut self.tmp);
                            &self.tmp
                        } else {
                            raw
                        };
                        let key = &key[..key.len().min(MAX_KEY)];
                        let top = self.stack.last_mut().expect("a key is read inside an object");
                        top.member = trie.key_child_from(top.container, key, &mut top.next_slot);
                        self.token(out, trie, base, i..end, true, escaped, true, record);
                        // The colon usually follows at once.
                        if data.get(end) != Some(&b':') {
                            i = end;
                            self.state = State::Colon;
                            break;
                        }
                        i = end + 1;
                        self.state = State::Value;
                        if !matches!(data.get(i), Some(b'"' | b'-' | b'0'..=b'9')) {
                            break;
                        }
                        match self.scalar(data, i, eof, base, record, trie, out) {
                            Ok(next) => i = next,
                            Err(o) => return o,
                        }
                        if self.state != State::Key || data.get(i) != Some(&b'"') {
                            break;
                        }
                    }
                }
                State::Colon => {
                    if b != b':' {
                        return Outcome::Error(i, "expected ':'");
                    }
                    i += 1;
                    self.state = State::Value;
                }
                State::CommaOrEnd => {
                    let top = self.stack.last_mut().expect("CommaOrEnd is inside a container");
                    match b {
                        b',' => {
                            if top.array {
                                top.index += 1;
                                self.shared = None;
                                self.state = State::Value;
                            } else {
                                self.state = State::Key;
                            }
                            i += 1;
                        }
                        b']' if top.array => {
                            self.pop();
                            i += 1;
                        }
                        b'}' if !top.array => {
                            self.pop();
                            i += 1;
                        }
                        _ => return Outcome::Error(i, "expected ',' or a closing bracket"),
                    }
                }
                State::Done => unreachable!("handled before reading a byte"),
            }
        }
    }

    /// The node of the value about to be read.
    fn current(&self) -> u32 {
        self.stack.last().map_or(ROOT, |f| f.member)
    }

    fn pop(&mut self) {
        if let Some(f) = self.stack.pop() {
            self.arrays -= usize::from(f.array);
        }
        self.shared = None;
        self.after_value();
    }

    fn after_value(&mut self) {
        self.state = if self.stack.is_empty() { State::Done } else { State::CommaOrEnd };
    }

    /// Reads the string or number starting at `data[i]` (a `"`, `-` or
    /// digit) as a value token, then the comma right after it
    /// ([`Lexer::value_end`]); returns where to go on, or the outcome to
    /// stop with (more data needed, an invalid number).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn scalar(
        &mut self,
        data: &[u8],
        i: usize,
        eof: bool,
        base: u64,
        record: u64,
        trie: &PathTrie<'_>,
        out: &mut Tokens,
    ) -> Result<usize, Outcome> {
        let (end, string, escaped) = if data[i] == b'"' {
            let (end, escaped) = self.stops.string_end(data, i, eof)?;
            (end, true, escaped)
        } else {
            let (end, valid) = number_token(data, i);
            if end == data.len() && !eof {
                return Err(Outcome::NeedMore(i));
            }
            if !valid {
                return Err(Outcome::Error(i, "invalid number"));
            }
            (end, false, false)
        };
        self.token(out, trie, base, i..end, string, escaped, false, record);
        Ok(self.value_end(data, end))
    }

    /// After a string or number ending at `data[i]`: takes the comma that
    /// usually follows at once, as the loop would; returns where to go on.
    #[inline(always)]
    fn value_end(&mut self, data: &[u8], i: usize) -> usize {
        self.after_value();
        if data.get(i) != Some(&b',') {
            return i;
        }
        match self.stack.last_mut() {
            Some(top) if top.array => {
                top.index += 1;
                self.shared = None;
                self.state = State::Value;
            }
            Some(_) => self.state = State::Key,
            None => return i,
        }
        i + 1
    }

    /// Records a token: a string (with its quotes) when `string`, else a
    /// number; or, while tokens are not written out, notes whether a value
    /// has a keyword context.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn token(
        &mut self,
        out: &mut Tokens,
        trie: &PathTrie<'_>,
        base: u64,
        raw: Range<usize>,
        string: bool,
        escaped: bool,
        key: bool,
        record: u64,
    ) {
        if !self.emit {
            // Keys have no context of their own (see `TokenUnits::ctx`).
            self.forced |= !key && trie.ctx(self.current()) != 0;
            return;
        }
        let first = out.indexes.len() as u32;
        let indexes = match self.shared {
            _ if self.arrays == 0 => first..first,
            // Still the last indexes written, none changed since.
            Some((start, end)) if end == first => start..end,
            _ => {
                out.indexes.extend(self.stack.iter().filter(|f| f.array).map(|f| f.index));
                self.shared = Some((first, out.indexes.len() as u32));
                first..out.indexes.len() as u32
            }
        };
        out.longest = out.longest.max(raw.len() as u64);
        out.items.push(Token {
            span: base + raw.start as u64..base + raw.end as u64,
            string,
            escaped,
            key,
            node: self.current(),
            indexes,
            record,
        });
    }
}

/// The quotes and backslashes of the data a tokenizer reads, one 64-byte
/// block at a time, kept for the block the last string reached: the
/// strings of a JSON record are short and several share a block, so each
/// block's bytes are compared once (16 at a time) and each string's end is
/// then a bit of the block's mask. Comparing 16 bytes in place per string
/// ended each string with a branch on how many 16-byte steps it took: on
/// 10 MB of JSON Lines events the masks take 31% fewer mispredicted
/// branches in the tokenizer (callgrind's model) and 0.7% fewer
/// instructions in all.
#[derive(Clone, Debug)]
pub(crate) struct Stops {
    /// The block (offset / 64 in the data being read) that `mask` is of.
    block: usize,
    /// Bit `j`: byte `64 * block + j` is a quote or a backslash.
    mask: u64,
}

impl Stops {
    /// No block computed yet (the data changed).
    pub(crate) fn new() -> Stops {
        Stops { block: usize::MAX, mask: 0 }
    }

    /// The stop mask of `data`'s block `k`: its quotes and backslashes.
    #[inline(always)]
    fn block_mask(data: &[u8], k: usize) -> u64 {
        let block = &data[k * 64..(k * 64 + 64).min(data.len())];
        eq_mask(block, b"\"\\")
    }

    /// The end (after the closing quote) of the string starting at
    /// `data[i]` (a quote), and whether it holds escapes.
    #[inline(always)]
    fn string_end(&mut self, data: &[u8], i: usize, eof: bool) -> Result<(usize, bool), Outcome> {
        self.end_of_string(data, i).ok_or(if eof {
            Outcome::Error(i, "unterminated string")
        } else {
            Outcome::NeedMore(i)
        })
    }
}

impl StopMasks for Stops {
    #[inline(always)]
    fn stops_from(&mut self, data: &[u8], j: usize) -> (u128, usize) {
        let k = j / 64;
        if self.block != k {
            self.block = k;
            self.mask = Stops::block_mask(data, k);
        }
        (u128::from(self.mask >> (j % 64)), k * 64 + 64)
    }

    #[inline(always)]
    fn lines(&self) -> bool {
        false
    }
}

/// Where the quotes and backslashes of data being read are (see [`Stops`]
/// and [`LineStops`]), and so where its strings end.
pub(crate) trait StopMasks {
    /// The stop bits of `data` from offset `j` on (bit 0 is byte `j`), and
    /// the offset where they end: the bytes from there on are not in them.
    fn stops_from(&mut self, data: &[u8], j: usize) -> (u128, usize);

    /// Whether strings end at line breaks: a string that reaches one has
    /// no end ([`StopMasks::end_of_string`] is `None`), for data read a
    /// line at a time whose line ends are not known yet.
    fn lines(&self) -> bool;

    /// The end (after the closing quote) of the string starting at
    /// `data[i]` (a quote) and whether it holds escapes, `None` when it does
    /// not end in `data` (or reaches a line break, with [`StopMasks::lines`]).
    #[inline(always)]
    fn end_of_string(&mut self, data: &[u8], i: usize) -> Option<(usize, bool)> {
        let mut j = i + 1;
        let mut escaped = false;
        while j < data.len() {
            let (m, until) = self.stops_from(data, j);
            if m == 0 {
                j = until;
                continue;
            }
            let next = j + m.trailing_zeros() as usize;
            match data[next] {
                b'"' => return Some((next + 1, escaped)),
                b'\n' if self.lines() => return None,
                _ => {}
            }
            escaped = true;
            j = next + 2;
        }
        None
    }
}

/// Blocks whose masks [`LineStops`] computes at once.
pub(crate) const BATCH_BLOCKS: usize = 64;

/// The quotes, backslashes and line breaks of data read a line at a time
/// by records of a shape (`json_shape`), whose strings must not reach a
/// line break. The masks are computed for 64 blocks (4 KiB) at once, with
/// the processor's widest vector unit (`detect::vectors`), and read two
/// blocks at a time, so a line's strings end without a branch on
/// whether its next value lies in another block than the last, nor on
/// whether a string runs on into the next block (both at random offsets,
/// a few times per line).
#[derive(Clone, Debug, Default)]
pub(crate) struct LineStops {
    /// The block (offset / 64 in the data being read) of `masks[0]`.
    first: usize,
    /// Stop masks of blocks `first..`, at least two (zero past the data).
    masks: Vec<u64>,
}

impl LineStops {
    /// Forgets the masks: the data being read changed.
    pub(crate) fn clear(&mut self) {
        self.masks.clear();
    }

    /// Computes the masks of up to [`BATCH_BLOCKS`] blocks from block `k`.
    #[cold]
    #[inline(never)]
    fn fill(&mut self, data: &[u8], k: usize) {
        self.first = k;
        self.masks.clear();
        let blocks = data.len().div_ceil(64);
        crate::detect::vectors::eq_masks(
            data,
            k..(k + BATCH_BLOCKS).min(blocks),
            [b'"', b'\\', b'\n'],
            &mut self.masks,
        );
        self.masks.resize(self.masks.len().max(2), 0);
    }
}

impl StopMasks for LineStops {
    #[inline(always)]
    fn stops_from(&mut self, data: &[u8], j: usize) -> (u128, usize) {
        let k = j / 64;
        // Also true when `k` is before `first` (wrapping), or with no masks.
        if k.wrapping_sub(self.first) >= self.masks.len().saturating_sub(1) {
            self.fill(data, k);
        }
        let r = k - self.first;
        let two = u128::from(self.masks[r]) | u128::from(self.masks[r + 1]) << 64;
        (two >> (j % 64), k * 64 + 128)
    }

    #[inline(always)]
    fn lines(&self) -> bool {
        true
    }
}

/// Whether `b` is whitespace between JSON tokens.
#[inline(always)]
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The literal (`true`, `false`, `null`) a value starting with `b` must be,
/// if any.
#[inline(always)]
pub(crate) fn literal_of(b: u8) -> Option<&'static [u8]> {
    match b {
        b't' => Some(b"true"),
        b'f' => Some(b"false"),
        b'n' => Some(b"null"),
        _ => None,
    }
}

/// Whether `c` can continue a number token (anything else ends it).
#[inline(always)]
fn in_number(c: u8) -> bool {
    IN_NUMBER[usize::from(c)]
}

/// [`in_number`] of every byte: one load, where the tests of ranges took
/// a branch on each number's end that mispredicted when the byte after
/// numbers varies (`,` `}` `.` `e`).
static IN_NUMBER: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.');
        c += 1;
    }
    t
};

/// The end of the number token starting at `data[i]` (a `-` or a digit),
/// as [`number_end`] gives it, and whether the token is a number
/// ([`is_number`]). Integers and plain decimals (`531.88`), most numbers of
/// logs and tables, are known valid from one pass over their bytes.
#[inline(always)]
pub(crate) fn number_token(data: &[u8], i: usize) -> (usize, bool) {
    let digits = |k: usize| digits_end(data, k);
    let ends = |k: usize| !data.get(k).is_some_and(|&c| in_number(c));
    if data[i] != b'-' {
        let k = digits(i + 1);
        if ends(k) {
            return (k, true);
        }
        if data[k] == b'.' {
            let m = digits(k + 1);
            if m > k + 1 && ends(m) {
                return (m, true);
            }
        }
    }
    let end = number_end(data, i);
    (end, is_number(&data[i..end]))
}

/// The end of the run of ASCII digits starting at `data[k]` (`k` when there
/// is none), read eight bytes at a time: the digits of a word are found
/// with two adds and masks instead of a branch per byte, which
/// mispredicted at the end of every number of varying length.
#[inline(always)]
fn digits_end(data: &[u8], mut k: usize) -> usize {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(w) = data.get(k..k + 8) {
        // Byte `b ^ 0x30` is below 10 exactly for digits: adding 0x76 to
        // its low 7 bits sets the top bit of the others, without carries.
        let y = u64::from_le_bytes(w.try_into().expect("8 bytes")) ^ 0x3030_3030_3030_3030;
        let other = (((y & LOW7) + 0x7676_7676_7676_7676) | y) & HIGH;
        if other != 0 {
            return k + (other.trailing_zeros() / 8) as usize;
        }
        k += 8;
    }
    while k < data.len() && data[k].is_ascii_digit() {
        k += 1;
    }
    k
}

/// The end of the number token starting at `data[i]`: the first byte that
/// cannot continue it, or the end of `data`.
#[inline(always)]
fn number_end(data: &[u8], i: usize) -> usize {
    // Most numbers are plain digits followed by `,`, `}` or `]`.
    let k = digits_end(data, i + 1);
    match data.get(k) {
        Some(&c) if in_number(c) => data[k..].iter().position(|&c| !in_number(c)).map_or(data.len(), |n| k + n),
        _ => k,
    }
}

/// Whether `t` is a JSON number.
fn is_number(t: &[u8]) -> bool {
    let mut i = usize::from(t.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let s = *i;
        *i = digits_end(t, s);
        *i > s
    };
    if !digits(&mut i) {
        return false;
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == t.len()
}

/// Decodes the escapes of a JSON string's content into `out` (appending).
/// Invalid escapes are kept as they are; lone surrogates become U+FFFD.
pub(crate) fn unescape(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        let Some(k) = memchr::memchr(b'\\', &raw[i..]) else {
            out.extend_from_slice(&raw[i..]);
            return;
        };
        out.extend_from_slice(&raw[i..i + k]);
        i += k;
        let simple = match raw.get(i + 1) {
            Some(b'"') => Some(b'"'),
            Some(b'\\') => Some(b'\\'),
            Some(b'/') => Some(b'/'),
            Some(b'b') => Some(0x08),
            Some(b'f') => Some(0x0C),
            Some(b'n') => Some(b'\n'),
            Some(b'r') => Some(b'\r'),
            Some(b't') => Some(b'\t'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i += 2;
            continue;
        }
        let Some(hi) = hex4(raw, i + 2).filter(|_| raw.get(i + 1) == Some(&b'u')) else {
            out.push(b'\\');
            i += 1;
            continue;
        };
        i += 6;
        let c = if (0xD800..0xDC00).contains(&hi) {
            match hex4(raw, i + 2).filter(|lo| raw.get(i) == Some(&b'\\') && (0xDC00..0xE000).contains(lo)) {
                Some(lo) => {
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                }
                None => None,
            }
        } else {
            char::from_u32(hi)
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.unwrap_or('\u{FFFD}').encode_utf8(&mut buf).as_bytes());
    }
}

fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let h = raw.get(at..at + 4)?;
    let s = std::str::from_utf8(h).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// How much of the data is one JSON value, for format detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Validity {
    /// One complete value, followed by only whitespace.
    Complete,
    /// One complete value followed by more data.
    Leading,
    /// Valid as far as it goes, but cut short.
    Prefix,
    /// Not JSON.
    Invalid,
}

/// Checks whether `data` is (or, when `complete` is false, starts like) one
/// JSON value, without a depth limit and without recursion.
pub(crate) fn validate(data: &[u8], complete: bool) -> Validity {
    let mut lexer = Lexer::new(usize::MAX);
    let mut trie = PathTrie::new(None);
    let mut out = Tokens::default();
    match lexer.run(data, 0, complete, 0, 0, &mut trie, &mut out) {
        Outcome::Done(end) if data[end..].iter().all(|b| b.is_ascii_whitespace()) => Validity::Complete,
        Outcome::Done(_) => Validity::Leading,
        Outcome::NeedMore(_) => Validity::Prefix,
        Outcome::Empty | Outcome::Error(..) => Validity::Invalid,
    }
}

/// One step of a path.
#[derive(Clone, Debug)]
enum Seg {
    Root,
    Key(Box<[u8]>),
    /// Any array element.
    Index,
}

#[derive(Clone, Debug)]
struct Node {
    parent: u32,
    seg: Seg,
    /// Children by key, in order of appearance.
    children: Vec<Child>,
    /// Index into `children` by key, once there are many.
    map: Option<HashMap<Box<[u8]>, u32>>,
    index: u32,
    ctx: u32,
}

/// A member of an object node: its key and its node.
#[derive(Clone, Debug)]
struct Child {
    /// The key's length and first bytes (see [`key_head`]), compared first.
    head: u64,
    key: Box<[u8]>,
    node: u32,
}

impl Child {
    #[inline(always)]
    fn is(&self, head: u64, key: &[u8]) -> bool {
        self.head == head
            && match key.len() {
                0..=HEAD_BYTES => true,
                // Same length and first 7 bytes: the last 8 cover the rest.
                8..=15 => last8(&self.key) == last8(key),
                _ => self.key[HEAD_BYTES..] == key[HEAD_BYTES..],
            }
    }
}

/// Key bytes held in [`key_head`].
const HEAD_BYTES: usize = 7;

/// A key's length (low byte, saturated) and first [`HEAD_BYTES`] bytes in
/// one word: equal heads of keys up to that long mean equal keys, so most
/// lookups need no byte comparison.
#[inline]
fn key_head(key: &[u8]) -> u64 {
    let n = key.len();
    let word = match n {
        8.. => u64::from_le_bytes(key[..8].try_into().expect("8 bytes")),
        // Two overlapping loads: the bytes they share are the same.
        4..=7 => u64::from(le32(&key[..4])) | u64::from(le32(&key[n - 4..])) << (8 * (n - 4)),
        1..=3 => u64::from(key[0]) | u64::from(key[n / 2]) << (8 * (n / 2)) | u64::from(key[n - 1]) << (8 * (n - 1)),
        0 => 0,
    };
    (word << 8) | n.min(255) as u64
}

/// The 4 bytes of `b` (exactly 4) as a little-endian word.
#[inline(always)]
fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().expect("4 bytes"))
}

/// The last 8 bytes of `b` (at least 8) as a little-endian word.
#[inline(always)]
fn last8(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[b.len() - 8..].try_into().expect("8 bytes"))
}

impl Node {
    fn new(parent: u32, seg: Seg, ctx: u32) -> Node {
        Node { parent, seg, children: Vec::new(), map: None, index: NONE, ctx }
    }
}

/// The paths seen in one file, each with its keyword context.
pub(crate) struct PathTrie<'s> {
    scanner: Option<&'s Scanner>,
    nodes: Vec<Node>,
    /// Distinct contexts; index 0 is no context.
    contexts: Vec<Context>,
    /// Buffers for a new node's path and context, reused: a document keyed
    /// by IDs (`{"u1": {...}, "u2": {...}}`) makes a new path for every
    /// member of every record.
    path_buf: String,
    names: NameBuffers,
}

impl<'s> PathTrie<'s> {
    /// An empty trie computing contexts with `scanner` (none without one).
    pub fn new(scanner: Option<&'s Scanner>) -> PathTrie<'s> {
        PathTrie {
            scanner,
            nodes: vec![Node::new(NONE, Seg::Root, 0)],
            contexts: vec![Context::none()],
            path_buf: String::new(),
            names: NameBuffers::default(),
        }
    }

    /// The keyword contexts, indexed by [`PathTrie::ctx`].
    pub fn contexts(&self) -> &[Context] {
        &self.contexts
    }

    /// The key of `node`, a member of an object (empty for other nodes).
    fn key_of(&self, node: u32) -> &[u8] {
        match &self.nodes[node as usize].seg {
            Seg::Key(k) => k,
            _ => &[],
        }
    }

    /// The index of `node`'s keyword context in [`PathTrie::contexts`] (0: none).
    pub fn ctx(&self, node: u32) -> u32 {
        self.nodes[node as usize].ctx
    }

    /// Whether the trie has grown past its limit and should be cleared (see [`PathTrie::clear`]).
    pub fn is_full(&self) -> bool {
        self.nodes.len() > MAX_NODES
    }

    /// Forgets every path (contexts stay valid).
    pub fn clear(&mut self) {
        self.nodes.truncate(1);
        let root = &mut self.nodes[0];
        root.children.clear();
        root.map = None;
        root.index = NONE;
    }

    /// The node of member `key` of object `parent`.
    fn key_child(&mut self, parent: u32, key: &[u8]) -> u32 {
        self.key_child_from(parent, key, &mut 0)
    }

    /// [`PathTrie::key_child`], looking first at the child in `slot` (an
    /// index among `parent`'s children, in order of appearance), and
    /// leaving in it the slot after the one found. An object's reader keeps
    /// one slot from its first key (0) to its last: records of one file
    /// mostly repeat their keys in the same order, so the guess holds even
    /// when a record lacks some of them (the lookup then goes on with the
    /// siblings after the guess). A slot kept per node instead, shared by
    /// all objects of that path, pointed past the last key of one record
    /// when the next one began. A hit on the guess is handled inline, the
    /// rest out of line: 36 instructions per key on the benchmark's JSONL
    /// events (callgrind), against 86 before.
    #[inline(always)]
    fn key_child_from(&mut self, parent: u32, key: &[u8], slot: &mut u32) -> u32 {
        let n = &self.nodes[parent as usize];
        let head = key_head(key);
        let guess = *slot as usize;
        match n.children.get(guess) {
            Some(c) if c.is(head, key) => {
                *slot += 1;
                c.node
            }
            _ => self.key_child_slow(parent, key, head, slot),
        }
    }

    /// [`PathTrie::key_child_from`] when the guess was wrong.
    #[inline(never)]
    fn key_child_slow(&mut self, parent: u32, key: &[u8], head: u64, slot: &mut u32) -> u32 {
        let n = &mut self.nodes[parent as usize];
        let len = n.children.len();
        // The children after the guess first (a record lacking a key), then
        // from the first.
        let from = (*slot as usize + 1).min(len);
        let found = match &n.map {
            Some(map) => map.get(key).map(|&i| i as usize),
            None => (from..len).chain(0..from).find(|&at| n.children[at].is(head, key)),
        };
        if let Some(at) = found {
            *slot = at as u32 + 1;
            return n.children[at].node;
        }
        let id = self.add(parent, Seg::Key(key.into()));
        let n = &mut self.nodes[parent as usize];
        n.children.push(Child { head, key: key.into(), node: id });
        let at = n.children.len() - 1;
        *slot = at as u32 + 1;
        match &mut n.map {
            Some(map) => {
                map.insert(key.into(), at as u32);
            }
            None if n.children.len() > 64 => {
                n.map = Some(n.children.iter().enumerate().map(|(i, c)| (c.key.clone(), i as u32)).collect());
            }
            None => {}
        }
        id
    }

    /// The node of the elements of array `parent`.
    fn index_child(&mut self, parent: u32) -> u32 {
        let i = self.nodes[parent as usize].index;
        if i != NONE {
            return i;
        }
        let id = self.add(parent, Seg::Index);
        self.nodes[parent as usize].index = id;
        id
    }

    fn add(&mut self, parent: u32, seg: Seg) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node::new(parent, seg, 0));
        let ctx = match self.scanner {
            Some(s) => {
                let mut path = std::mem::take(&mut self.path_buf);
                path.clear();
                self.write_path(id, &[], &mut path);
                s.context_rules(&path, &mut self.names);
                self.path_buf = path;
                let rules = &self.names.rules;
                if rules.is_empty() {
                    0
                } else if let Some(i) = self.contexts.iter().position(|x| x.rules() == rules) {
                    i as u32
                } else {
                    self.contexts.push(Context::of(rules));
                    (self.contexts.len() - 1) as u32
                }
            }
            None => 0,
        };
        self.nodes[id as usize].ctx = ctx;
        id
    }

    /// The path of `node` in JSONPath notation (`$.a.b[2]['first name']`),
    /// with `indexes` for its array steps (`[*]` where they run out).
    pub fn path(&self, node: u32, indexes: &[u64]) -> String {
        let mut out = String::new();
        self.write_path(node, indexes, &mut out);
        out
    }

    /// Appends [`PathTrie::path`] to `out`.
    fn write_path(&self, node: u32, indexes: &[u64], out: &mut String) {
        // Steps from the root: the nodes on the way up, at most the depth limit and the root.
        let mut steps = [NONE; MAX_DEPTH + 2];
        let mut depth = 0;
        let mut n = node;
        while n != NONE && depth < steps.len() {
            steps[depth] = n;
            depth += 1;
            n = self.nodes[n as usize].parent;
        }
        let mut idx = indexes.iter();
        for &n in steps[..depth].iter().rev() {
            match &self.nodes[n as usize].seg {
                Seg::Root => out.push('$'),
                Seg::Index => match idx.next() {
                    Some(i) => {
                        let _ = write!(out, "[{i}]");
                    }
                    None => out.push_str("[*]"),
                },
                Seg::Key(k) => {
                    let k = String::from_utf8_lossy(k);
                    let plain = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if plain {
                        out.push('.');
                        out.push_str(&k);
                    } else {
                        out.push_str("['");
                        out.push_str(&k.replace('\\', "\\\\").replace('\'', "\\'"));
                        out.push_str("']");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokenizes a complete document: (kind, raw token, path) per token.
    fn tokens(doc: &str) -> (Vec<(bool, String, String)>, Outcome) {
        let mut lexer = Lexer::new(MAX_DEPTH);
        let mut trie = PathTrie::new(None);
        let mut out = Tokens::default();
        let o = lexer.run(doc.as_bytes(), 0, true, 0, 0, &mut trie, &mut out);
        let list = out
            .items
            .iter()
            .map(|t| {
                let idx = &out.indexes[t.indexes.start as usize..t.indexes.end as usize];
                let c = t.content();
                let raw = doc[c.start as usize..c.end as usize].to_string();
                (t.key, raw, trie.path(t.node, idx))
            })
            .collect();
        (list, o)
    }

    #[test]
    fn paths_of_values() {
        let doc = r#"{"customer": {"ssn": "512-48-3921", "cards": [{"n": 1}, {"n": -2.5e3}]},
                     "first name": "Jane", "it's": [true, null, "x\"y"], "": 0}"#;
        let (toks, outcome) = tokens(doc);
        assert_eq!(outcome, Outcome::Done(doc.len()));
        let values: Vec<(String, String)> = toks.iter().filter(|t| !t.0).map(|t| (t.1.clone(), t.2.clone())).collect();
        let want = [
            ("512-48-3921", "$.customer.ssn"),
            ("1", "$.customer.cards[0].n"),
            ("-2.5e3", "$.customer.cards[1].n"),
            ("Jane", "$['first name']"),
            ("x\\\"y", "$['it\\'s'][2]"),
            ("0", "$['']"),
        ];
        let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(values, want);
        let keys: Vec<&str> = toks.iter().filter(|t| t.0).map(|t| t.2.as_str()).collect();
        assert_eq!(keys[..2], ["$.customer", "$.customer.ssn"]);
    }

    #[test]
    fn records_with_keys_missing_reordered_or_nested_keep_their_paths() {
        // One trie for a run of records (as for a JSONL file), whose
        // objects guess each key from the slot after the previous one:
        // every path must be the one a fresh trie gives for that record.
        let keys = ["ts", "level", "user", "msg", "ref", "id"];
        let mut rng = crate::testutil::XorShift(0x5eed_0b1e);
        let mut lexer = Lexer::new(MAX_DEPTH);
        let mut trie = PathTrie::new(None);
        for n in 0..400 {
            let mut members = Vec::new();
            for k in keys {
                if rng.below(4) != 0 {
                    members.push(match rng.below(5) {
                        0 => format!("\"{k}\":{{\"{}\":{n},\"in\":[{{\"{k}\":1}}]}}", keys[rng.below(6)]),
                        _ => format!("\"{k}\":\"v{n}\""),
                    });
                }
            }
            if !members.is_empty() && rng.below(3) == 0 {
                let (a, b) = (rng.below(members.len()), rng.below(members.len()));
                members.swap(a, b);
            }
            let doc = format!("{{{}}}", members.join(","));
            let mut out = Tokens::default();
            lexer.reset();
            let outcome = lexer.run(doc.as_bytes(), 0, true, 0, 0, &mut trie, &mut out);
            assert_eq!(outcome, Outcome::Done(doc.len()), "{doc}");
            let got: Vec<String> = out
                .items
                .iter()
                .map(|t| trie.path(t.node, &out.indexes[t.indexes.start as usize..t.indexes.end as usize]))
                .collect();
            let want: Vec<String> = tokens(&doc).0.into_iter().map(|t| t.2).collect();
            assert_eq!(got, want, "{doc}");
        }
    }

    #[test]
    fn errors_and_depth() {
        let cases: &[(&str, Outcome)] = &[
            ("{\"a\": 1,}", Outcome::Error(8, "expected a key")),
            ("[1 2]", Outcome::Error(3, "expected ',' or a closing bracket")),
            ("{\"a\" 1}", Outcome::Error(5, "expected ':'")),
            ("[tru]", Outcome::Error(1, "unexpected character")),
            ("[01x]", Outcome::Error(1, "invalid number")),
            ("[\"open", Outcome::Error(1, "unterminated string")),
            ("{\"a\": [1, 2", Outcome::Error(11, "unexpected end of data")),
            ("   ", Outcome::Empty),
            ("[]  [", Outcome::Done(4)),
        ];
        for (doc, want) in cases {
            assert_eq!(tokens(doc).1, *want, "{doc}");
        }
        let deep = "[".repeat(300) + &"]".repeat(300);
        assert_eq!(tokens(&deep).1, Outcome::Error(256, TOO_DEEP));
        let ok = "[".repeat(256) + &"]".repeat(256);
        assert_eq!(tokens(&ok).1, Outcome::Done(512));
        // A value at the deepest level has its whole path.
        let deepest = "[".repeat(255) + "{\"k\": 1}" + &"]".repeat(255);
        let (toks, outcome) = tokens(&deepest);
        assert_eq!(outcome, Outcome::Done(deepest.len()));
        assert_eq!(toks[1].2, format!("${}.k", "[0]".repeat(255)));
    }

    #[test]
    fn resumes_after_cut_tokens() {
        resumes_at_every_cut(br#"{"key": "a long value", "n": 12345, "t": true, "k\"2": [1]}"#);
    }

    /// Cut anywhere, `doc` needs more data, then gives the tokens it gives
    /// whole, with the same array indexes (tokens may share their indexes
    /// within one call, so the ranges themselves may differ).
    fn resumes_at_every_cut(doc: &[u8]) {
        let resolved = |out: &Tokens| -> Vec<(Token, Vec<u64>)> {
            let strip = |t: &Token| Token { indexes: 0..0, ..t.clone() };
            out.items
                .iter()
                .map(|t| (strip(t), out.indexes[t.indexes.start as usize..t.indexes.end as usize].to_vec()))
                .collect()
        };
        let mut whole = Tokens::default();
        let mut trie = PathTrie::new(None);
        Lexer::new(MAX_DEPTH).run(doc, 0, true, 0, 0, &mut trie, &mut whole);
        for cut in 1..doc.len() {
            let mut lexer = Lexer::new(MAX_DEPTH);
            let mut out = Tokens::default();
            let first = lexer.run(&doc[..cut], 0, false, 0, 0, &mut trie, &mut out);
            let Outcome::NeedMore(at) = first else { panic!("cut {cut}: {first:?}") };
            assert!(at <= cut);
            let o = lexer.run(doc, at, true, 0, 0, &mut trie, &mut out);
            assert_eq!(o, Outcome::Done(doc.len()), "cut {cut}");
            assert_eq!(resolved(&out), resolved(&whole), "cut {cut}");
        }
    }

    /// The tokens of an array's records share their indexes, one list per
    /// element, and each token's indexes are those of its own element.
    #[test]
    fn tokens_of_one_element_share_its_indexes() {
        let doc = br#"[{"a":1,"b":"x"},{"a":2,"b":[3,4],"c":"y"},5,[6,{"d":7}], [8 , 9 ]]"#;
        let mut out = Tokens::default();
        let mut trie = PathTrie::new(None);
        let o = Lexer::new(MAX_DEPTH).run(doc, 0, true, 0, 0, &mut trie, &mut out);
        assert_eq!(o, Outcome::Done(doc.len()));
        let got: Vec<(String, Vec<u64>)> = out
            .items
            .iter()
            .map(|t| {
                let text = String::from_utf8_lossy(&doc[t.span.start as usize..t.span.end as usize]).into_owned();
                (text, out.indexes[t.indexes.start as usize..t.indexes.end as usize].to_vec())
            })
            .collect();
        let want: Vec<(&str, Vec<u64>)> = vec![
            ("\"a\"", vec![0]),
            ("1", vec![0]),
            ("\"b\"", vec![0]),
            ("\"x\"", vec![0]),
            ("\"a\"", vec![1]),
            ("2", vec![1]),
            ("\"b\"", vec![1]),
            ("3", vec![1, 0]),
            ("4", vec![1, 1]),
            ("\"c\"", vec![1]),
            ("\"y\"", vec![1]),
            ("5", vec![2]),
            ("6", vec![3, 0]),
            ("\"d\"", vec![3, 1]),
            ("7", vec![3, 1]),
            ("8", vec![4, 0]),
            ("9", vec![4, 1]),
        ];
        let want: Vec<(String, Vec<u64>)> = want.into_iter().map(|(t, i)| (t.to_string(), i)).collect();
        assert_eq!(got, want);
        // Written once per element or nested array position, not per token.
        assert!(
            out.indexes.len() < 2 * out.items.len(),
            "{} indexes for {} tokens",
            out.indexes.len(),
            out.items.len()
        );
        assert_eq!(out.indexes.len(), 1 + 1 + 2 + 2 + 1 + 1 + 2 + 2 + 2 + 2, "{:?}", out.indexes);
    }

    #[test]
    fn compact_members_read_alike_at_any_cut() {
        // Members without spaces are read one after another in a loop of
        // their own; they give what the spaced document gives, and resume
        // wherever the data is cut.
        let compact = r#"{"key":"a long value","n":12345,"f":-1.5e3,"e":"x\"y","k\"2":7,"t":true,"o":{"a":1,"b":"c"},"l":[1,{"z":2}],"z":"end"}"#;
        let spaced = compact.replace("\":", "\": ").replace(",\"", ", \"");
        assert_ne!(compact, spaced);
        let (c, co) = tokens(compact);
        let (s, so) = tokens(&spaced);
        assert_eq!((co, so), (Outcome::Done(compact.len()), Outcome::Done(spaced.len())));
        assert_eq!(c, s);
        assert_eq!(c.len(), 22, "{c:?}");
        resumes_at_every_cut(compact.as_bytes());
        let errors: &[(&str, Outcome)] = &[
            (r#"{"a":1,"b":01x}"#, Outcome::Error(11, "invalid number")),
            (r#"{"a":"x""b":1}"#, Outcome::Error(8, "expected ',' or a closing bracket")),
            (r#"{"a":1,}"#, Outcome::Error(7, "expected a key")),
            (r#"{"a":"open"#, Outcome::Error(5, "unterminated string")),
            (r#"{"a":1,"b":2"#, Outcome::Error(12, "unexpected end of data")),
        ];
        for (doc, want) in errors {
            assert_eq!(tokens(doc).1, *want, "{doc}");
        }
    }

    #[test]
    fn paths_survive_a_cleared_trie_at_any_cut() {
        let spaced =
            r#"{"outer": {"a": [1, {"k\"q": "v", "z": [2, 3]}], "b": "w"}, "last": {"x": 1}, "n": [[4], {"y": 5}]}"#;
        // And without spaces, as members are read by a loop of their own.
        let compact = spaced.replace(": ", ":").replace(", ", ",");
        for doc in [spaced.as_bytes(), compact.as_bytes()] {
            cleared_trie_at_any_cut(doc);
        }
    }

    fn cleared_trie_at_any_cut(doc: &[u8]) {
        let paths = |trie: &PathTrie<'_>, out: &Tokens, from: usize| -> Vec<(Range<u64>, String)> {
            out.items[from..]
                .iter()
                .map(|t| {
                    (t.span.clone(), trie.path(t.node, &out.indexes[t.indexes.start as usize..t.indexes.end as usize]))
                })
                .collect()
        };
        let mut trie = PathTrie::new(None);
        let mut whole = Tokens::default();
        assert_eq!(Lexer::new(MAX_DEPTH).run(doc, 0, true, 0, 0, &mut trie, &mut whole), Outcome::Done(doc.len()));
        let want = paths(&trie, &whole, 0);
        assert!(want.iter().any(|(_, p)| p == "$.outer.a[1]['k\"q']"), "{want:?}");
        for cut in 1..doc.len() {
            let mut trie = PathTrie::new(None);
            let mut lexer = Lexer::new(MAX_DEPTH);
            let mut out = Tokens::default();
            let Outcome::NeedMore(at) = lexer.run(&doc[..cut], 0, false, 0, 0, &mut trie, &mut out) else {
                panic!("cut {cut}")
            };
            let before = out.items.len();
            lexer.clear_trie(&mut trie);
            assert_eq!(lexer.run(doc, at, true, 0, 0, &mut trie, &mut out), Outcome::Done(doc.len()), "cut {cut}");
            assert_eq!(paths(&trie, &out, before), want[before..], "cut {cut}");
        }
    }

    #[test]
    fn number_ends() {
        let cases: &[(&str, Outcome)] = &[
            ("[12,-3.5e+2,0]", Outcome::Done(14)),
            ("[12a]", Outcome::Error(1, "invalid number")),
            ("[1.2.3]", Outcome::Error(1, "invalid number")),
            ("[-]", Outcome::Error(1, "invalid number")),
            ("[7", Outcome::Error(2, "unexpected end of data")),
        ];
        for (doc, want) in cases {
            assert_eq!(tokens(doc).1, *want, "{doc}");
        }
        let (toks, _) = tokens("[12,-3.5e+2,0]");
        let raws: Vec<&str> = toks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(raws, ["12", "-3.5e+2", "0"]);
        // A number cut by the end of the data asks for more.
        let mut out = Tokens::default();
        let o = Lexer::new(MAX_DEPTH).run(b"[123", 0, false, 0, 0, &mut PathTrie::new(None), &mut out);
        assert_eq!(o, Outcome::NeedMore(1));
    }

    #[test]
    fn digit_runs_end_at_the_first_other_byte_of_any_value() {
        // Every byte value after runs of 0 to 20 digits, at every offset of
        // the eight-byte words and with the data ending anywhere.
        for other in 0..=255u8 {
            for run in 0..20 {
                let mut data: Vec<u8> = (0..run).map(|d| b'0' + (d * 7 % 10) as u8).collect();
                data.push(other);
                data.extend_from_slice(b"12");
                for cut in 0..=data.len() {
                    let d = &data[..cut];
                    let want = d.iter().position(|b| !b.is_ascii_digit()).unwrap_or(d.len());
                    assert_eq!(digits_end(d, 0), want, "{other} after {run} digits, cut at {cut}");
                }
            }
        }
        assert_eq!(digits_end(b"x12345678901", 1), 12);
    }

    #[test]
    fn number_tokens_read_as_the_general_check_reads_them() {
        // Tokens of number bytes and a few others, starting with `-` or a
        // digit, followed by a delimiter or by the end of the data.
        let bytes = b"0123456789-+.eEx,] ";
        let mut rng = crate::testutil::XorShift(0x4E55_4D42);
        let mut valid = 0;
        for _ in 0..50_000 {
            let mut t = vec![if rng.below(4) == 0 { b'-' } else { b'0' + rng.below(10) as u8 }];
            for _ in 0..rng.below(9) {
                t.push(if rng.below(2) == 0 { b'0' + rng.below(10) as u8 } else { bytes[rng.below(bytes.len())] });
            }
            let end = number_end(&t, 0);
            let got = number_token(&t, 0);
            assert_eq!(got, (end, is_number(&t[..end])), "{:?}", String::from_utf8_lossy(&t));
            valid += usize::from(got.1);
        }
        assert!(valid > 10_000, "{valid} valid numbers");
    }

    #[test]
    fn string_ends_at_every_length_and_escape() {
        // Strings across the 64-byte blocks of the stop masks, starting at
        // several offsets in a block, with escapes before, at and after
        // the blocks' ends.
        let escapes = [None, Some(0), Some(7), Some(15), Some(16), Some(31), Some(62), Some(63), Some(64), Some(127)];
        for pad in [0, 1, 30, 61, 62, 63] {
            for n in 0..140 {
                for esc in escapes {
                    let mut content: Vec<u8> = (0..n).map(|k| b'a' + (k % 26) as u8).collect();
                    if let Some(e) = esc.filter(|&e| e < n) {
                        content[e] = b'\\';
                        content.insert(e + 1, b'"');
                    }
                    let mut doc = " ".repeat(pad).into_bytes();
                    doc.extend_from_slice(b"[\"");
                    doc.extend_from_slice(&content);
                    doc.extend_from_slice(b"\", 1]");
                    let (toks, o) = tokens(std::str::from_utf8(&doc).expect("ASCII"));
                    assert_eq!(o, Outcome::Done(doc.len()), "{pad} {n} {esc:?}");
                    assert_eq!(toks[0].1.as_bytes(), &content[..], "{pad} {n} {esc:?}");
                    // Cut short, it asks for more (or ends with an error at the end of the data).
                    let cut = &doc[..pad + content.len() + 2];
                    let mut out = Tokens::default();
                    let mut trie = PathTrie::new(None);
                    let mut lexer = Lexer::new(MAX_DEPTH);
                    assert_eq!(lexer.run(cut, 0, false, 0, 0, &mut trie, &mut out), Outcome::NeedMore(pad + 1));
                    // The same lexer reads the whole document once it has it.
                    lexer.reset();
                    out.clear();
                    assert_eq!(lexer.run(&doc, 0, true, 0, 0, &mut trie, &mut out), Outcome::Done(doc.len()));
                    let o = Lexer::new(MAX_DEPTH).run(cut, 0, true, 0, 0, &mut trie, &mut out);
                    assert_eq!(o, Outcome::Error(pad + 1, "unterminated string"), "{pad} {n} {esc:?}");
                }
            }
        }
    }

    #[test]
    fn unescaping() {
        let cases: &[(&[u8], &str)] = &[
            (br#"a\"b\\c\/d\n"#, "a\"b\\c/d\n"),
            (br#"\u0041\u00e9\ud83d\ude00"#, "A\u{e9}\u{1F600}"),
            (br#"\ud83d x"#, "\u{FFFD} x"),
            (br#"bad \q \u12"#, "bad \\q \\u12"),
        ];
        for &(raw, want) in cases {
            let mut out = Vec::new();
            unescape(raw, &mut out);
            assert_eq!(String::from_utf8_lossy(&out), want);
        }
    }

    #[test]
    fn validation() {
        assert_eq!(validate(b"{\"a\": [1, {\"b\": null}]}\n", true), Validity::Complete);
        assert_eq!(validate(b"{\"a\": 1}\n{\"a\": 2}", true), Validity::Leading);
        assert_eq!(validate(b"{\"a\": [1, 2", false), Validity::Prefix);
        assert_eq!(validate(b"{\"a\": [1, 2", true), Validity::Invalid);
        assert_eq!(validate(b"{\"a\": \xff\xfe}", true), Validity::Invalid);
        assert_eq!(validate(b"{\"a\": \"\xff\xfe\"}", true), Validity::Complete);
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert_eq!(validate(deep.as_bytes(), true), Validity::Complete);
    }

    #[test]
    fn trie_keeps_contexts_per_path() {
        let scanner = Scanner::new(&crate::Rules::builtin().expect("builtin rules")).expect("compile");
        let mut trie = PathTrie::new(Some(&scanner));
        let a = trie.key_child(ROOT, b"customer");
        let b = trie.key_child(a, b"ssn");
        assert_eq!(trie.key_child(a, b"ssn"), b);
        assert_eq!(trie.ctx(a), 0);
        assert_ne!(trie.ctx(b), 0);
        let items = trie.key_child(ROOT, b"items");
        let any = trie.index_child(items);
        let card = trie.key_child(any, b"cardNumber");
        assert_ne!(trie.ctx(card), 0);
        assert_eq!(trie.path(card, &[7]), "$.items[7].cardNumber");
        assert_eq!(trie.path(card, &[]), "$.items[*].cardNumber");
        for i in 0..40 {
            trie.key_child(ROOT, format!("k{i}").as_bytes());
        }
        assert_eq!(trie.key_child(ROOT, b"customer"), a);
    }

    #[test]
    fn keys_sharing_their_first_bytes_stay_apart() {
        let long = |tail: &str| format!("{}{tail}", "x".repeat(300));
        // Keys of every length up to 17 bytes differing in one byte (at
        // each end and in the middle of the word read for their heads).
        let mut varied = Vec::new();
        for n in 1..=17 {
            for at in [0, n / 2, n - 1] {
                let mut k = vec![b'k'; n];
                k[at] = b'X';
                varied.push(String::from_utf8(k).expect("ASCII"));
            }
            varied.push("k".repeat(n));
        }
        varied.sort();
        varied.dedup();
        let keys: Vec<String> = ["customer_name", "customer_mail", "customer", "custome", "custom", "a", "b", ""]
            .iter()
            .map(|k| k.to_string())
            .chain([long("1"), long("2"), long("12")])
            .chain(varied)
            .collect();
        // Found again in any order, by comparing children (up to 64) and
        // then through the lookup map.
        for keys in [&keys[..12], &keys[12..40], &keys[..]] {
            let mut trie = PathTrie::new(None);
            let nodes: Vec<u32> = keys.iter().map(|k| trie.key_child(ROOT, k.as_bytes())).collect();
            let mut distinct = nodes.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), keys.len(), "{nodes:?}");
            for round in 0..2 {
                for (k, &n) in keys.iter().zip(&nodes).rev() {
                    assert_eq!(trie.key_child(ROOT, k.as_bytes()), n, "{k} (round {round})");
                }
                for i in 0..40 {
                    trie.key_child(ROOT, format!("filler{i}").as_bytes());
                }
            }
        }
    }
}
