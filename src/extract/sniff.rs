//! Format detection: by content first (magic bytes, a parse attempt on the
//! head of the data), by name only as a hint, so that a file with the wrong
//! extension is still read correctly.

use crate::extract::json_lexer::{self, Validity};

/// The formats trawl reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// UTF-8 (or ASCII, or invalid UTF-8) text.
    Text,
    /// UTF-16 little-endian text (with or without BOM).
    Utf16Le,
    /// UTF-16 big-endian text.
    Utf16Be,
    /// Bytes that are not text; scanned for embedded text.
    Binary,
    /// Delimited table with the given delimiter.
    Delimited(u8),
    /// One JSON document.
    Json,
    /// JSON Lines: one JSON value per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
    /// Avro object container file.
    Avro,
    /// gzip stream.
    Gzip,
    /// zstd stream.
    Zstd,
    /// bzip2 stream.
    Bzip2,
    /// xz stream.
    Xz,
    /// zip archive.
    Zip,
    /// tar archive.
    Tar,
    /// PDF document.
    Pdf,
    /// OLE compound file: an Excel 97-2003 workbook, or another Office 97
    /// file (Word, PowerPoint, Outlook).
    Ole,
    /// E-mail message (RFC 5322, MIME).
    Email,
    /// Mailbox of e-mail messages (`mbox`).
    Mbox,
}

impl Format {
    /// The lowercase name used in reports: `text`, `csv`, `jsonl`, `gzip`...
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Utf16Le => "utf-16le",
            Format::Utf16Be => "utf-16be",
            Format::Binary => "binary",
            Format::Delimited(b'\t') => "tsv",
            Format::Delimited(b',') => "csv",
            Format::Delimited(_) => "delimited",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Parquet => "parquet",
            Format::Avro => "avro",
            Format::Gzip => "gzip",
            Format::Zstd => "zstd",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Pdf => "pdf",
            Format::Ole => "ole",
            Format::Email => "email",
            Format::Mbox => "mbox",
        }
    }

    /// Whether the format is a compressed stream of one inner file.
    pub fn is_compression(self) -> bool {
        matches!(self, Format::Gzip | Format::Zstd | Format::Bzip2 | Format::Xz)
    }

    /// Whether the format is an archive of several members.
    pub fn is_archive(self) -> bool {
        matches!(self, Format::Zip | Format::Tar)
    }
}

/// How many bytes of the head [`sniff`] wants to see.
pub const SNIFF_LEN: usize = 64 * 1024;

/// Detects the format of data whose first bytes are `head` (up to
/// [`SNIFF_LEN`]) and whose name is `name` (a path, member name or key).
///
/// `complete` says whether `head` is the whole data (so that, e.g., a JSON
/// document that ends within the head can be confirmed by parsing it).
pub fn sniff(head: &[u8], name: &str, complete: bool) -> Format {
    if let Some(f) = magic(head) {
        return f;
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Format::Utf16Le;
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Format::Utf16Be;
    }
    if let Some(f) = utf16_without_bom(head) {
        return f;
    }
    let ext = extension(name);
    // A table or JSON export with a stray NUL byte in a cell is still that
    // table: read as binary, its column names would be lost.
    let structured =
        matches!(ext.as_deref(), Some("csv" | "tsv" | "tab" | "psv" | "json" | "geojson" | "jsonl" | "ndjson"));
    if looks_binary(head, structured) {
        return Format::Binary;
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match ext.as_deref() {
        Some("eml") => return Format::Email,
        Some("mbox") => return Format::Mbox,
        Some("jsonl" | "ndjson") => return Format::Jsonl,
        Some("csv") => return Format::Delimited(delimiter(text).unwrap_or(b',')),
        Some("tsv" | "tab") => return Format::Delimited(b'\t'),
        Some("psv") => return Format::Delimited(b'|'),
        _ => {}
    }
    if looks_email(text) {
        return Format::Email;
    }
    if looks_mbox(text) {
        return Format::Mbox;
    }
    let trimmed = text.trim_ascii_start();
    if trimmed.first() == Some(&b'{') || trimmed.first() == Some(&b'[') {
        if looks_jsonl(trimmed) {
            return Format::Jsonl;
        }
        // A file named as JSON that opens like JSON but does not parse (a
        // truncated export) is still read as JSON, so that the reader
        // reports where it breaks instead of it passing as plain text.
        if looks_json(trimmed, complete) || matches!(ext.as_deref(), Some("json" | "geojson")) {
            return Format::Json;
        }
    }
    if (ext.is_none() || matches!(ext.as_deref(), Some("txt" | "dat" | "out" | "export" | "data")))
        && let Some(d) = delimiter(text)
    {
        return Format::Delimited(d);
    }
    Format::Text
}

fn magic(head: &[u8]) -> Option<Format> {
    let f = if head.starts_with(&[0x1F, 0x8B]) {
        Format::Gzip
    } else if head.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        Format::Zstd
    } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
        Format::Bzip2
    } else if head.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]) {
        Format::Xz
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Format::Zip
    } else if head.starts_with(b"PAR1") {
        Format::Parquet
    } else if head.starts_with(b"%PDF-") {
        Format::Pdf
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Format::Ole
    } else if head.starts_with(b"Obj\x01") {
        Format::Avro
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Format::Tar
    } else {
        return None;
    };
    Some(f)
}

fn extension(name: &str) -> Option<String> {
    let file = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    let (_, ext) = file.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

/// UTF-16 without a BOM: ASCII text has a NUL in every other byte.
fn utf16_without_bom(head: &[u8]) -> Option<Format> {
    let n = head.len().min(512) & !1;
    if n < 8 {
        return None;
    }
    let pairs = head[..n].chunks_exact(2);
    let total = pairs.len();
    let (mut even_zero, mut odd_zero) = (0, 0);
    for p in pairs {
        even_zero += usize::from(p[0] == 0 && p[1] != 0);
        odd_zero += usize::from(p[1] == 0 && p[0] != 0);
    }
    if odd_zero * 10 >= total * 9 {
        Some(Format::Utf16Le)
    } else if even_zero * 10 >= total * 9 {
        Some(Format::Utf16Be)
    } else {
        None
    }
}

/// Binary: NUL bytes, or many control bytes, in the head. With
/// `tolerant` (a name that says table or JSON), a few NUL bytes are not
/// enough: only NULs making up 1% of the head (and more than 10), or many
/// control bytes.
fn looks_binary(head: &[u8], tolerant: bool) -> bool {
    let sample = &head[..head.len().min(8192)];
    let nuls = memchr::memchr_iter(0, sample).count();
    if nuls > 0 && (!tolerant || nuls * 100 > sample.len().max(1000)) {
        return true;
    }
    let control = sample.iter().filter(|&&b| b < 0x20 && !matches!(b, 0 | b'\n' | b'\r' | b'\t' | 0x0C | 0x1B)).count();
    control * 20 > sample.len().max(1)
}

/// Whether `text` starts with a header field's name and its colon (`Name:`).
fn starts_with_field(text: &[u8]) -> bool {
    let name_len = text.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-').count();
    name_len > 0 && text.get(name_len) == Some(&b':') && text[0].is_ascii_alphabetic()
}

/// A mailbox: a `From ` line, then a message's first header field.
fn looks_mbox(text: &[u8]) -> bool {
    text.starts_with(b"From ") && memchr::memchr(b'\n', text).is_some_and(|end| starts_with_field(&text[end + 1..]))
}

/// An e-mail message: header fields from the first line (`Name: value`)
/// down to a blank line, one of them `MIME-Version`.
fn looks_email(text: &[u8]) -> bool {
    if !starts_with_field(text) {
        return false;
    }
    let end = memchr::memmem::find(text, b"\n\n").into_iter().chain(memchr::memmem::find(text, b"\r\n\r\n")).min();
    let Some(end) = end else { return false };
    text[..end].split(|&b| b == b'\n').any(|line| line.len() >= 13 && line[..13].eq_ignore_ascii_case(b"mime-version:"))
}

fn looks_json(text: &[u8], complete: bool) -> bool {
    let t = text.trim_ascii();
    if !(t.starts_with(b"{") || t.starts_with(b"[")) {
        return false;
    }
    // Checked without a depth limit: a document nested too deeply is still
    // JSON, and the JSON reader reports it.
    match json_lexer::validate(t, complete) {
        Validity::Complete => true,
        Validity::Leading | Validity::Prefix => !complete,
        Validity::Invalid => false,
    }
}

/// JSON Lines: the first two non-empty lines are each a complete JSON object or array.
fn looks_jsonl(text: &[u8]) -> bool {
    let mut lines = text.split(|&b| b == b'\n').map(<[u8]>::trim_ascii).filter(|l| !l.is_empty());
    let (Some(a), Some(b)) = (lines.next(), lines.next()) else { return false };
    let ok =
        |l: &[u8]| (l.starts_with(b"{") || l.starts_with(b"[")) && json_lexer::validate(l, true) == Validity::Complete;
    ok(a) && (ok(b) || !text.ends_with(b"\n") && lines.next().is_none())
}

/// A delimiter used the same number of times (at least once) in each of the
/// first complete records, if there is one; `,` is preferred, then tab,
/// `;`, `|`. A record ends at a line break outside double quotes, so that a
/// quoted field holding line breaks (`"line one\nline two"`) is one field.
fn delimiter(text: &[u8]) -> Option<u8> {
    // Twenty complete, non-empty records are enough; never look past them.
    let records = first_records(text, 20);
    if records.len() < 2 {
        return None;
    }
    [b',', b'\t', b';', b'|'].into_iter().find(|&d| {
        let counts: Vec<usize> = records.iter().map(|l| count_unquoted(l, d)).collect();
        counts[0] >= 1 && counts.iter().all(|&c| c == counts[0])
    })
}

/// Up to `max` complete, non-empty records of `text`: each ends at a line
/// feed outside double quotes (a quote inside a field is written `""`,
/// which toggles twice).
fn first_records(text: &[u8], max: usize) -> Vec<&[u8]> {
    let mut records = Vec::with_capacity(max);
    let (mut start, mut quoted) = (0, false);
    for i in memchr::memchr2_iter(b'"', b'\n', text) {
        if text[i] == b'"' {
            quoted = !quoted;
            continue;
        }
        if quoted {
            continue;
        }
        let record = &text[start..i];
        start = i + 1;
        if !record.trim_ascii().is_empty() {
            records.push(record);
            if records.len() == max {
                break;
            }
        }
    }
    records
}

fn count_unquoted(line: &[u8], d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_table() {
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        let cases: &[(&[u8], &str, Format)] = &[
            (b"\x1f\x8b\x08\x00", "data.csv", Format::Gzip),
            (b"\x28\xb5\x2f\xfd\x00", "x", Format::Zstd),
            (b"BZh91AY&SY", "x", Format::Bzip2),
            (b"\xfd7zXZ\x00\x00", "x", Format::Xz),
            (b"PK\x03\x04rest", "x.txt", Format::Zip),
            (b"PAR1\x15\x04", "x", Format::Parquet),
            (b"Obj\x01\x04", "x", Format::Avro),
            (b"%PDF-1.7\n%\xe2\xe3", "x.bin", Format::Pdf),
            (b"From: a@b.c\r\nMIME-Version: 1.0\r\nSubject: hi\r\n\r\nbody", "msg", Format::Email),
            (b"Received: from x\nmime-version: 1.0\n\nbody", "x.txt", Format::Email),
            (b"hello", "note.eml", Format::Email),
            (b"From jane@example.org Mon Jan  1 00:00:00 2024\nFrom: jane@example.org\n\nhi\n", "inbox", Format::Mbox),
            (b"From the desk of the editor\nhello\n", "memo", Format::Text),
            // Header-like text without MIME-Version: text.
            (b"From: a@b.c\nSubject: hi\n\nbody", "notes", Format::Text),
            (b"Note: MIME-Version: 1.0 is below\n\nbody", "x.txt", Format::Text),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "book.xls", Format::Ole),
            (&tar, "x", Format::Tar),
            (b"\xff\xfeh\x00i\x00", "x", Format::Utf16Le),
            (b"h\x00e\x00l\x00l\x00o\x00 \x00w\x00o\x00r\x00l\x00d\x00", "x", Format::Utf16Le),
            (b"\x7fELF\x02\x01\x01\x00\x00\x00", "x", Format::Binary),
            (b"{\"a\":1}\n{\"a\":2}\n", "x.log", Format::Jsonl),
            (b"{\"a\": [1, 2, {\"b\": 3}]}", "x", Format::Json),
            (b"{\"a\":1}\n{\"a\":2}\n", "x.jsonl", Format::Jsonl),
            (b"{\"a\":1}\n{\"a\":2}\n", "x.json", Format::Jsonl),
            // Named JSON, opening like JSON, broken: JSON, whose reader reports it.
            (b"{\"a\": [1, 2, {\"ssn\": \"x\"", "x.json", Format::Json),
            (b"[{\"a\": 1} oops]", "x.json", Format::Json),
            (b"[{\"a\": 1} oops]", "x", Format::Text),
            (b"[2024-05-01] started\n", "x.log", Format::Text),
            (b"plain words", "x.json", Format::Text),
            (b"name,email\njane,j@x.io\n", "export", Format::Delimited(b',')),
            (b"name\temail\njane\tj@x.io\n", "x.tsv", Format::Delimited(b'\t')),
            (b"a;b;c\n1;2;3\n", "x.csv", Format::Delimited(b';')),
            // A quoted field with line breaks in the first records.
            (
                b"id,notes,ssn\n1,\"line one\nline two\",x\n2,\"a \"\"b\"\"\",y\n3,c,z\n",
                "export",
                Format::Delimited(b','),
            ),
            (b"id\tnotes\n1\t\"two\nlines\"\n2\tb\n", "-", Format::Delimited(b'\t')),
            (b"hello world\nsecond line\n", "x.txt", Format::Text),
            // A stray NUL: binary in text, not in a file named as a table or JSON.
            (b"id,name,ssn\n1,na\x00me,219445178\n2,jo,219445178\n", "x.csv", Format::Delimited(b',')),
            (b"id,name,ssn\n1,na\x00me,219445178\n2,jo,219445178\n", "x.txt", Format::Binary),
            (b"{\"a\":\"x\x00\"}\n{\"a\":2}\n", "x.jsonl", Format::Jsonl),
            (&[&b"a,"[..], &[0u8; 20], b"\n"].concat(), "x.csv", Format::Binary),
            (b"hello, world\nsecond, line\n", "notes.md", Format::Text),
            (b"", "x", Format::Text),
        ];
        for &(head, name, want) in cases {
            assert_eq!(
                sniff(head, name, true),
                want,
                "{name}: {:?}",
                String::from_utf8_lossy(&head[..head.len().min(20)])
            );
        }
    }
}
