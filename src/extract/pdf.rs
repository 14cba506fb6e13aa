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
//! reported and its bytes are scanned as a binary file's. A PDF whose pages
//! hold no text at all (scanned paper: the pages are images) is reported
//! with a warning, since what the images show is not read.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::Scratch;
use crate::extract::sniff::Format;
use crate::extract::{Extractor, plain};
use crate::report::{Finding, Location, Problem, Scanned, Sink};

/// Scans PDF `bytes` named `source` (see the module docs). Returns whether
/// the scan should go on.
pub(crate) fn scan(x: &Extractor<'_>, scratch: &mut Scratch, bytes: &[u8], source: &str, sink: &mut dyn Sink) -> bool {
    let pages = match quietly(|| load(bytes)) {
        Ok(Ok(doc)) => pages_text(&doc),
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
                text.extend_from_slice(t.trim_start_matches(['\n', '\r']).as_bytes());
                if !text.is_empty() && !text.ends_with(b"\n") {
                    text.push(b'\n');
                }
                line = 1 + memchr::memchr_iter(b'\n', &text).count() as u64;
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
    plain::scan_text_bytes(x, scratch, &text, Format::Text, source, &mut paged)
}

/// The document in `bytes`, decrypted when its user password is empty.
fn load(bytes: &[u8]) -> Result<pdf_extract::Document, String> {
    let mut doc = pdf_extract::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    if doc.is_encrypted() {
        doc.decrypt("").map_err(|_| "encrypted with a password".to_string())?;
    }
    Ok(doc)
}

/// Each page's text, in page order, or why it could not be taken.
fn pages_text(doc: &pdf_extract::Document) -> Vec<Result<String, String>> {
    doc.get_pages()
        .keys()
        .map(|&n| {
            let taken = quietly(|| {
                let mut text = String::new();
                let mut out = pdf_extract::PlainTextOutput::new(&mut text);
                pdf_extract::output_doc_page(doc, &mut out, n).map(|()| text).map_err(|e| e.to_string())
            });
            taken.and_then(|t| t)
        })
        .collect()
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

/// Passes findings on with their page and their line on it; the text
/// scanned is reported as the PDF.
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

    fn scanned(&mut self, mut scanned: Scanned) {
        scanned.format = "pdf".into();
        self.inner.scanned(scanned);
    }

    fn flush(&mut self) {
        self.inner.flush();
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.inner.sync()
    }
}

thread_local! {
    /// Whether a panic on this thread is caught by [`quietly`], whose
    /// message is then not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into an error naming it, with its message
/// kept off standard error. The process's panic hook is wrapped once: it
/// stays silent on a thread inside `quietly` and runs as before elsewhere.
fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        format!("the PDF reader failed: {message}")
    })
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
    fn panics_become_errors_without_a_message_on_stderr() {
        let r: Result<(), String> = quietly(|| panic!("bad xref"));
        assert_eq!(r.unwrap_err(), "the PDF reader failed: bad xref");
        assert_eq!(quietly(|| 7), Ok(7));
        // Outside `quietly`, panics still reach the hook as before.
        assert!(!QUIET.with(Cell::get));
    }
}
