//! The text of documents and presentations (Word `.docx`, PowerPoint
//! `.pptx`, OpenDocument `.odt` and `.odp`), taken from their XML parts
//! and scanned as plain text.
//!
//! In the XML, a document's words are split over runs and tags (`<w:t>SSN:
//! </w:t></w:r><w:r><w:t>219-44-5178</w:t>`): read as XML, a value can be
//! cut by a tag and a keyword pushed out of reach of its value. So the text
//! is taken out first, character data only, each paragraph ending in a line
//! break, tabs and line breaks as such, entities resolved; a finding's line
//! is then its paragraph. The parts are read in reading order, as one text:
//! a Word document's body, then its headers, footers, footnotes, endnotes
//! and comments; a presentation's slides in order, then their notes; an
//! OpenDocument file's `content.xml`. Content that Office files keep twice
//! (a text box's `mc:Fallback` copy for older readers) is read once.
//!
//! Each part is read into memory before its text is taken (the caller
//! checks their size against the buffer limit); the text goes to the
//! scanner as it is taken. A part that does not parse is reported, and the
//! text taken from it up to the error is scanned.

use std::io::{self, Read};

use quick_xml::events::Event;

use crate::Scratch;
use crate::extract::office::{Kind, member_names};
use crate::extract::sniff::Format;
use crate::extract::{Extractor, plain};
use crate::report::{Problem, Sink};

/// Whether member `name` of a `.docx` or `.pptx` file (`kind`) is one of
/// the parts its text is taken from.
pub(crate) fn is_text_part(kind: Kind, name: &str) -> bool {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(".xml"))
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    };
    match kind {
        Kind::Docx => {
            name == "word/document.xml"
                || ["word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"].contains(&name)
                || numbered("word/header")
                || numbered("word/footer")
        }
        Kind::Pptx => numbered("ppt/slides/slide") || numbered("ppt/notesSlides/notesSlide"),
        _ => false,
    }
}

/// The order of a text part among the others (see the module docs): its
/// group, then its number.
fn reading_order(name: &str) -> (usize, u64, String) {
    const GROUPS: [&str; 9] = [
        "word/document",
        "word/header",
        "word/footer",
        "word/footnotes",
        "word/endnotes",
        "word/comments",
        "ppt/slides/",
        "ppt/notesSlides/",
        "content.xml",
    ];
    let group = GROUPS.iter().position(|g| name.starts_with(g)).unwrap_or(GROUPS.len());
    let digits: String = name.chars().filter(char::is_ascii_digit).collect();
    (group, digits.parse().unwrap_or(0), name.to_string())
}

/// Scans the text of document `archive` (of kind `kind`) as plain text
/// named `source`, each part read up to `limit` bytes decompressed. Returns whether the scan should go on; an error when the
/// file has none of the parts its kind needs (nothing is reported then).
pub(crate) fn scan<R: Read + io::Seek>(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    archive: zip::ZipArchive<R>,
    kind: Kind,
    limit: u64,
    source: &str,
    sink: &mut dyn Sink,
) -> Result<bool, String> {
    let mut parts: Vec<String> = member_names(&archive).into_iter().filter(|n| kind.is_content(n)).collect();
    if parts.is_empty() {
        return Err("no text part".into());
    }
    parts.sort_by_key(|n| reading_order(n));
    let mut text = DocText::new(archive, parts, limit);
    let go_on = plain::scan_text_stream(x, scratch, &mut text, Format::Text, source, sink);
    for (_, problem) in text.errors {
        sink.problem(Problem::partial(source, problem));
    }
    Ok(go_on)
}

/// The text of a document's parts, taken as it is read (see the module docs).
struct DocText<R: Read + io::Seek> {
    archive: zip::ZipArchive<R>,
    /// The parts, in reading order, and the next one to open.
    parts: Vec<String>,
    next: usize,
    /// The part being read.
    xml: Option<quick_xml::Reader<io::Cursor<Vec<u8>>>>,
    /// Depth inside an element whose content is a copy (`mc:Fallback`).
    skipping: usize,
    events: Vec<u8>,
    /// Text taken and not read yet, from `at`.
    out: Vec<u8>,
    at: usize,
    /// Parts that could not be read or did not parse, and what to report.
    errors: Vec<(String, String)>,
    /// The most bytes a part is read to, decompressed (its declared size
    /// was checked; this holds it to that if the size lied).
    limit: u64,
}

/// Text taken at a time before it is handed on.
const TAKE: usize = 64 * 1024;

impl<R: Read + io::Seek> DocText<R> {
    fn new(archive: zip::ZipArchive<R>, parts: Vec<String>, limit: u64) -> Self {
        DocText {
            archive,
            parts,
            next: 0,
            xml: None,
            skipping: 0,
            events: Vec::new(),
            out: Vec::new(),
            at: 0,
            errors: Vec::new(),
            limit,
        }
    }

    /// Opens the next part; false when there is none left.
    fn open_next(&mut self) -> bool {
        while let Some(part) = self.parts.get(self.next) {
            self.next += 1;
            let mut bytes = Vec::new();
            let limit = self.limit;
            let read = self.archive.by_name(part).map_err(|e| e.to_string()).and_then(|f| {
                bytes.reserve(usize::try_from(f.size().min(limit)).unwrap_or(0));
                f.take(limit + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())
            });
            match read {
                Ok(n) if n as u64 > limit => {
                    let problem = format!("{part} is larger than the {limit} byte buffer limit decompressed; not read");
                    self.errors.push((part.clone(), problem));
                }
                Ok(_) => {
                    self.xml = Some(quick_xml::Reader::from_reader(io::Cursor::new(bytes)));
                    self.skipping = 0;
                    return true;
                }
                Err(e) => self.errors.push((part.clone(), format!("{part} could not be read ({e})"))),
            }
        }
        false
    }

    /// Takes text from the open part until [`TAKE`] bytes are out or the
    /// part ends.
    fn take(&mut self) {
        let Some(xml) = self.xml.as_mut() else { return };
        while self.out.len() < TAKE {
            self.events.clear();
            let event = match xml.read_event_into(&mut self.events) {
                Ok(e) => e,
                Err(e) => {
                    let part = self.parts[self.next - 1].clone();
                    let problem = format!("{part} does not parse ({e}); its text after the error is not scanned");
                    self.errors.push((part, problem));
                    self.end_part();
                    return;
                }
            };
            match event {
                Event::Start(e) if self.skipping > 0 || e.local_name().as_ref() == "Fallback" => self.skipping += 1,
                Event::End(_) if self.skipping > 0 => self.skipping -= 1,
                _ if self.skipping > 0 => {}
                Event::Text(t) => self.out.extend_from_slice(t.as_bytes()),
                Event::CData(t) => self.out.extend_from_slice(t.as_bytes()),
                Event::GeneralRef(r) => match r.resolve_char_ref() {
                    Ok(Some(c)) => self.out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                    _ => match &*r {
                        "amp" => self.out.push(b'&'),
                        "lt" => self.out.push(b'<'),
                        "gt" => self.out.push(b'>'),
                        "quot" => self.out.push(b'"'),
                        "apos" => self.out.push(b'\''),
                        other => {
                            self.out.push(b'&');
                            self.out.extend_from_slice(other.as_bytes());
                            self.out.push(b';');
                        }
                    },
                },
                // A paragraph or heading ends its line.
                Event::End(e) if matches!(e.local_name().as_ref(), "p" | "h") => self.out.push(b'\n'),
                Event::Empty(e) => match e.local_name().as_ref() {
                    "tab" => self.out.push(b'\t'),
                    "br" | "cr" | "line-break" => self.out.push(b'\n'),
                    "s" => self.out.push(b' '),
                    _ => {}
                },
                Event::Eof => {
                    self.end_part();
                    return;
                }
                _ => {}
            }
        }
    }

    /// Closes the open part; the next starts on a line of its own.
    fn end_part(&mut self) {
        self.xml = None;
        if self.out.last().is_some_and(|&b| b != b'\n') {
            self.out.push(b'\n');
        }
    }
}

impl<R: Read + io::Seek> Read for DocText<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        while self.at == self.out.len() {
            self.out.clear();
            self.at = 0;
            if self.xml.is_none() && !self.open_next() {
                return Ok(0);
            }
            self.take();
        }
        let n = dst.len().min(self.out.len() - self.at);
        dst[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The text `DocText` takes from `parts` (name, XML), in the order given.
    fn text_of(parts: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
        let mut w = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        for (name, xml) in parts {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(xml.as_bytes()).unwrap();
        }
        let archive = zip::ZipArchive::new(w.finish().unwrap()).unwrap();
        let mut text = DocText::new(archive, parts.iter().map(|p| p.0.to_string()).collect(), u64::MAX - 1);
        let mut out = String::new();
        text.read_to_string(&mut out).unwrap();
        (out, text.errors)
    }

    #[test]
    fn runs_join_paragraphs_end_lines_and_copies_are_read_once() {
        let body = concat!(
            r#"<w:document xmlns:w="w" xmlns:mc="mc"><w:body>"#,
            r#"<w:p><w:r><w:t>SSN: </w:t></w:r><w:r><w:t>219-44</w:t></w:r><w:r><w:t>-5178</w:t></w:r></w:p>"#,
            r#"<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b &amp; c &#x41;&#66;</w:t><w:br/><w:t>d</w:t></w:r></w:p>"#,
            r#"<mc:AlternateContent><mc:Choice><w:p><w:t>box</w:t></w:p></mc:Choice>"#,
            r#"<mc:Fallback><w:p><w:t>box</w:t></w:p></mc:Fallback></mc:AlternateContent>"#,
            r#"</w:body></w:document>"#
        );
        let header = r#"<w:hdr xmlns:w="w"><w:p><w:t>Confidential</w:t></w:p></w:hdr>"#;
        let (text, errors) = text_of(&[("word/document.xml", body), ("word/header1.xml", header)]);
        assert_eq!(text, "SSN: 219-44-5178\na\tb & c AB\nd\nbox\nConfidential\n");
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn opendocument_spaces_and_headings() {
        let content = concat!(
            r#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>"#,
            r#"<text:h>Staff</text:h><text:p>IBAN<text:s/>DE89 3704 0044 0532 0130 00<text:line-break/>ok</text:p>"#,
            r#"</office:text></office:body></office:document-content>"#
        );
        let (text, _) = text_of(&[("content.xml", content)]);
        assert_eq!(text, "Staff\nIBAN DE89 3704 0044 0532 0130 00\nok\n");
    }

    #[test]
    fn a_part_that_does_not_parse_is_reported_with_its_text_so_far() {
        let (text, errors) = text_of(&[
            ("ppt/slides/slide1.xml", "<p:sld><a:p><a:t>one</a:t></a:p><a:p><a:t>two</b:t>"),
            ("ppt/slides/slide2.xml", "<a:p><a:t>three</a:t></a:p>"),
        ]);
        assert_eq!(text, "one\ntwo\nthree\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "ppt/slides/slide1.xml");
    }

    #[test]
    fn a_part_larger_than_the_limit_is_reported_and_the_others_read() {
        let mut w = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        let big = format!("<w:p><w:t>{}</w:t></w:p>", "x".repeat(5000));
        for (name, xml) in [("word/document.xml", big.as_str()), ("word/footer1.xml", "<w:p><w:t>ok</w:t></w:p>")] {
            w.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(xml.as_bytes()).unwrap();
        }
        let archive = zip::ZipArchive::new(w.finish().unwrap()).unwrap();
        let parts = vec!["word/document.xml".to_string(), "word/footer1.xml".to_string()];
        let mut text = DocText::new(archive, parts, 1000);
        let mut out = String::new();
        text.read_to_string(&mut out).unwrap();
        assert_eq!(out, "ok\n");
        assert_eq!(text.errors.len(), 1, "{:?}", text.errors);
        assert_eq!(
            text.errors[0].1,
            "word/document.xml is larger than the 1000 byte buffer limit decompressed; not read"
        );
    }

    #[test]
    fn parts_are_read_in_reading_order() {
        let mut names = vec![
            "ppt/notesSlides/notesSlide1.xml",
            "ppt/slides/slide10.xml",
            "ppt/slides/slide2.xml",
            "word/comments.xml",
            "word/footer1.xml",
            "word/header2.xml",
            "word/header10.xml",
            "word/document.xml",
        ];
        names.sort_by_key(|n| reading_order(n));
        assert_eq!(
            names,
            [
                "word/document.xml",
                "word/header2.xml",
                "word/header10.xml",
                "word/footer1.xml",
                "word/comments.xml",
                "ppt/slides/slide2.xml",
                "ppt/slides/slide10.xml",
                "ppt/notesSlides/notesSlide1.xml",
            ]
        );
        assert!(is_text_part(Kind::Docx, "word/header3.xml"));
        assert!(!is_text_part(Kind::Docx, "word/styles.xml"));
        assert!(!is_text_part(Kind::Pptx, "ppt/slides/_rels/slide1.xml.rels"));
    }
}
