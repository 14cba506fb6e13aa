//! PDF documents: the text of each page, as `pdf-extract` lays it out
//! (lines by position on the page), scanned as plain text, each finding
//! placed on its page (`page`, Macie's `pageNumber`) and on its line there.
//!
//! A PDF's bytes are compressed streams and font-encoded strings: read as
//! bytes, a card number in a page's text is rarely there to be found. The
//! pages' text is taken page by page (an encrypted file with an empty user
//! password, as most "protected" PDFs are, is decrypted first), joined
//! into one text with each page ending in a line break, and scanned once;
//! each finding's line is then counted from its page's first line. Byte
//! offsets are offsets in that text.
//!
//! The extraction library assumes well-formed files and panics on some
//! that are not: each page is taken under `catch_unwind` (its panic
//! message kept off standard error), so a page that fails is reported and
//! the others are still scanned. A file that does not load as a PDF is
//! reported and its bytes are scanned as a binary file's. Its streams
//! (cross-reference, object and content streams) are decompressed with a
//! limit before the library reads them (it has none: a few KB of PDF can
//! inflate to gigabytes; see `pdf_streams`). A PDF whose pages
//! hold no text at all (scanned paper: the pages are images) is reported
//! with a warning, since what the images show is not read.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use crate::Scratch;
use crate::extract::guard::quietly;
use crate::extract::pdf_streams::{self, Budget};
use crate::extract::sniff::Format;
use crate::extract::{Extractor, plain};
use crate::report::{Finding, Location, Problem, Scanned, Sink};

/// Scans PDF `bytes` named `source` (see the module docs). Returns whether
/// the scan should go on.
pub(crate) fn scan(x: &Extractor<'_>, scratch: &mut Scratch, bytes: &[u8], source: &str, sink: &mut dyn Sink) -> bool {
    let limit = x.options().limits.max_buffer;
    let mut budget = Budget::new(STREAM_LIMIT.min(limit), limit);
    let pages = match quietly(READER, || load(bytes, &mut budget)) {
        Ok(Ok(mut doc)) => {
            budget.bound_document(&mut doc);
            if budget.dropped > 0 {
                sink.problem(Problem::partial(
                    source,
                    format!(
                        "{} streams decompress past {} bytes (or past {limit} bytes in all) and are not read",
                        budget.dropped,
                        STREAM_LIMIT.min(limit)
                    ),
                ));
            }
            pages_text(&doc)
        }
        Ok(Err(reason)) | Err(reason) => {
            sink.problem(Problem::partial(
                source,
                format!("not readable as a PDF ({reason}); its bytes are scanned as a binary file's"),
            ));
            return plain::scan_text_bytes(x, scratch, bytes, Format::Binary, source, sink);
        }
    };
    let mut text = Vec::new();
    let mut starts = Vec::with_capacity(pages.len());
    let mut line = 1;
    for (n, page) in pages.iter().enumerate() {
        starts.push(PageStart { byte: text.len() as u64, line });
        match page {
            Ok(t) => {
                // The layout starts a page with the line breaks that move to
                // its first line: the page's line 1 is its first text.
                let from = text.len();
                text.extend_from_slice(t.trim_start_matches(['\n', '\r']).as_bytes());
                if !text.is_empty() && !text.ends_with(b"\n") {
                    text.push(b'\n');
                }
                line += memchr::memchr_iter(b'\n', &text[from..]).count() as u64;
            }
            Err(reason) => sink.problem(Problem::partial(
                source,
                format!("page {}: its text could not be taken ({reason}); the page is not scanned", n + 1),
            )),
        }
    }
    if !pages.is_empty() && text.iter().all(u8::is_ascii_whitespace) && pages.iter().all(Result::is_ok) {
        sink.problem(Problem::warning(
            source,
            format!("PDF of {} pages with no text (scanned images are not read)", pages.len()),
        ));
    }
    let mut paged = Paged { inner: sink, starts };
    plain::scan_text_bytes(x, scratch, &text, Format::Pdf, source, &mut paged)
}

/// The document in `bytes`, decrypted when its user password is empty,
/// its streams' decompression bounded by `budget` as it loads (see
/// `pdf_streams`).
fn load(bytes: &[u8], budget: &mut Budget) -> Result<pdf_extract::Document, String> {
    pdf_streams::check_xref_streams(bytes, budget.each())?;
    let mut doc = pdf_streams::load(bytes, budget).map_err(|e| e.to_string())?;
    if doc.is_encrypted() {
        doc.decrypt("").map_err(|_| "encrypted with a password".to_string())?;
    }
    Ok(doc)
}

/// The most one stream may decompress to.
const STREAM_LIMIT: u64 = 64 << 20;

/// Who fails when the PDF library panics.
const READER: &str = "the PDF reader";

/// Each page's text, in page order, or why it could not be taken: all
/// pages in one pass; when that fails, page by page, so that one bad page
/// costs only itself (the library looks up the page list again for each
/// page it is asked for, so a pass per page is quadratic in the pages).
fn pages_text(doc: &pdf_extract::Document) -> Vec<Result<String, String>> {
    if let Ok(Ok(pages)) = quietly(READER, || all_pages(doc)) {
        return pages.into_iter().map(Ok).collect();
    }
    doc.get_pages()
        .keys()
        .map(|&n| {
            let taken = quietly(READER, || {
                let mut text = String::new();
                let mut out = pdf_extract::PlainTextOutput::new(&mut text);
                pdf_extract::output_doc_page(doc, &mut out, n).map(|()| text).map_err(|e| e.to_string())
            });
            taken.and_then(|t| t)
        })
        .collect()
}

/// The text of every page, taken in one pass over the document.
fn all_pages(doc: &pdf_extract::Document) -> Result<Vec<String>, String> {
    let text = Rc::new(RefCell::new(Vec::new()));
    let mut writer = Shared(Rc::clone(&text));
    let mut starts = Vec::new();
    {
        let inner = pdf_extract::PlainTextOutput::new(&mut writer as &mut dyn io::Write);
        let mut out = PageMarks { inner, text: Rc::clone(&text), starts: &mut starts };
        pdf_extract::output_doc(doc, &mut out).map_err(|e| e.to_string())?;
    }
    let text = text.borrow();
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    Ok(starts.iter().zip(ends).map(|(&a, b)| String::from_utf8_lossy(&text[a..b]).into_owned()).collect())
}

/// Appends what is written to a buffer that [`PageMarks`] reads too.
struct Shared(Rc<RefCell<Vec<u8>>>);

impl io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The library's plain-text layout, with where each page starts in the
/// text noted as pages begin.
struct PageMarks<'a, 'w> {
    inner: pdf_extract::PlainTextOutput<&'w mut dyn io::Write>,
    text: Rc<RefCell<Vec<u8>>>,
    starts: &'a mut Vec<usize>,
}

impl pdf_extract::OutputDev for PageMarks<'_, '_> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &pdf_extract::MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), pdf_extract::OutputError> {
        self.starts.push(self.text.borrow().len());
        self.inner.begin_page(page_num, media_box, art_box)
    }

    fn end_page(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.end_page()
    }

    fn output_character(
        &mut self,
        trm: &pdf_extract::Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), pdf_extract::OutputError> {
        self.inner.output_character(trm, width, spacing, font_size, char)
    }

    fn begin_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.begin_word()
    }

    fn end_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.end_word()
    }

    fn end_line(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.end_line()
    }
}

/// Where a page starts in the text: its byte offset and 1-based line.
#[derive(Clone, Copy, Debug)]
struct PageStart {
    byte: u64,
    line: u64,
}

/// The page of byte `at` of the text (1-based) and its first line.
fn page_of(starts: &[PageStart], at: u64) -> Option<(u64, u64)> {
    let i = starts.partition_point(|p| p.byte <= at).checked_sub(1)?;
    Some((i as u64 + 1, starts[i].line))
}

/// Passes findings on with their page and their line on it.
struct Paged<'a> {
    inner: &'a mut dyn Sink,
    starts: Vec<PageStart>,
}

impl Sink for Paged<'_> {
    fn finding(&mut self, mut finding: Finding) -> bool {
        if let Location::Text(t) = &mut finding.location
            && let Some((page, first_line)) = page_of(&self.starts, t.byte_start)
        {
            t.page = Some(page);
            t.line = t.line + 1 - first_line;
        }
        self.inner.finding(finding)
    }

    fn problem(&mut self, problem: Problem) {
        self.inner.problem(problem);
    }

    fn scanned(&mut self, scanned: Scanned) {
        self.inner.scanned(scanned);
    }

    fn flush(&mut self) {
        self.inner.flush();
    }

    fn sync(&mut self) -> io::Result<()> {
        self.inner.sync()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_placed_on_their_page_and_line() {
        let starts = [PageStart { byte: 0, line: 1 }, PageStart { byte: 40, line: 4 }, PageStart { byte: 90, line: 9 }];
        assert_eq!(page_of(&starts, 0), Some((1, 1)));
        assert_eq!(page_of(&starts, 39), Some((1, 1)));
        assert_eq!(page_of(&starts, 40), Some((2, 4)));
        assert_eq!(page_of(&starts, 500), Some((3, 9)));
        assert_eq!(page_of(&[], 5), None);
    }

    #[test]
    fn one_pass_over_the_pages_takes_what_a_pass_per_page_takes() {
        use lopdf::content::{Content, Operation};
        use lopdf::{Object, Stream, dictionary};
        let mut doc = pdf_extract::Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
        let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
        let kids: Vec<Object> = (1..=3)
            .map(|p| {
                let mut ops = vec![Operation::new("BT", vec![]), Operation::new("Tf", vec!["F1".into(), 12.into()])];
                for (i, line) in [format!("page {p} top"), format!("page {p} bottom")].into_iter().enumerate() {
                    let y = 700 - 14 * i as i64;
                    ops.push(Operation::new("Tm", vec![1.into(), 0.into(), 0.into(), 1.into(), 72.into(), y.into()]));
                    ops.push(Operation::new("Tj", vec![Object::string_literal(line)]));
                }
                ops.push(Operation::new("ET", vec![]));
                let content = Stream::new(dictionary! {}, Content { operations: ops }.encode().unwrap());
                let content = doc.add_object(content);
                doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content }).into()
            })
            .collect();
        let pages = dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => 3, "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        };
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let trimmed = |t: &str| t.trim_start_matches('\n').trim_end().to_string();
        let one: Vec<String> = all_pages(&doc).unwrap().iter().map(|t| trimmed(t)).collect();
        let each: Vec<String> = doc
            .get_pages()
            .keys()
            .map(|&n| {
                let mut text = String::new();
                pdf_extract::output_doc_page(&doc, &mut pdf_extract::PlainTextOutput::new(&mut text), n).unwrap();
                trimmed(&text)
            })
            .collect();
        assert_eq!(one, each);
        assert_eq!(one, ["page 1 top\npage 1 bottom", "page 2 top\npage 2 bottom", "page 3 top\npage 3 bottom"]);
    }
}
