//! Office files: spreadsheet workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.ods`)
//! and text documents and presentations (`.docx`, `.pptx`, `.odt`,
//! `.odp`), all of them zip archives, recognized by their members rather
//! than their names.
//!
//! The parts that hold the content are read as what they are: a
//! workbook's sheets as tables (`workbook`), a document's text as text
//! (`document`). Every other member (document properties with their
//! author, comments, a pivot table's cached rows, embedded files) is then
//! scanned as a zip archive's member would be (`book.xlsx!docProps/core.xml`),
//! so that nothing in the file goes unread. The file counts as one scanned
//! source in the summary, with the bytes and findings of all its parts.
//!
//! An office file whose parts read into memory (an `.xlsx` file's shared
//! strings, the sheets of the other workbooks, a document's text parts)
//! would exceed the buffer limit ([`crate::extract::Limits::max_buffer`])
//! decompressed, one whose content parts are compressed past the archive
//! ratio limit (a decompression bomb dressed as a document), or one whose
//! content does not parse, is reported and scanned as a plain zip archive
//! (its XML as text), whose reading applies the archive limits.

use std::io::{self, BufReader, Read};

use crate::Scratch;
use crate::extract::limit::RATIO_FLOOR;
use crate::extract::plain::Counting;
use crate::extract::sniff::Format;
use crate::extract::{Extractor, Nesting, RandomAccess, RandomReader, archive, document, ole, plain, workbook};
use crate::report::{Problem, Scanned, Sink};

/// Buffer for reading an office file's zip archive by random access (as
/// for any zip archive: the central directory takes many small reads).
pub(crate) const READ_BUFFER: usize = 256 * 1024;

/// The kinds of office file read here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Excel workbook, Office Open XML (`.xlsx`, `.xlsm`).
    Xlsx,
    /// Excel binary workbook (`.xlsb`).
    Xlsb,
    /// OpenDocument spreadsheet (`.ods`).
    Ods,
    /// Excel 97-2003 workbook (`.xls`): not a zip archive but an OLE
    /// compound file ([`scan_ole`]).
    Xls,
    /// Word document, Office Open XML (`.docx`, `.docm`).
    Docx,
    /// PowerPoint presentation, Office Open XML (`.pptx`, `.pptm`).
    Pptx,
    /// OpenDocument text (`.odt`).
    Odt,
    /// OpenDocument presentation (`.odp`).
    Odp,
}

impl Kind {
    /// The format name reported for the file.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Xlsx => "xlsx",
            Kind::Xlsb => "xlsb",
            Kind::Ods => "ods",
            Kind::Xls => "xls",
            Kind::Docx => "docx",
            Kind::Pptx => "pptx",
            Kind::Odt => "odt",
            Kind::Odp => "odp",
        }
    }

    /// Whether the file is a spreadsheet workbook.
    fn is_workbook(self) -> bool {
        matches!(self, Kind::Xlsx | Kind::Xlsb | Kind::Ods | Kind::Xls)
    }

    /// Whether member `name` is one of the parts read as content (the
    /// rest are scanned as members).
    pub(crate) fn is_content(self, name: &str) -> bool {
        match self {
            Kind::Xlsx | Kind::Xlsb => name.starts_with("xl/worksheets/sheet") || name.starts_with("xl/sharedStrings."),
            Kind::Ods | Kind::Odt | Kind::Odp => name == "content.xml",
            Kind::Docx | Kind::Pptx => document::is_text_part(self, name),
            Kind::Xls => false,
        }
    }

    /// Whether member `name` is read into memory whole: an `.xlsx` file's
    /// shared strings (its sheets are streamed), every content part of the
    /// others.
    fn held(self, name: &str) -> bool {
        match self {
            Kind::Xlsx => name.starts_with("xl/sharedStrings."),
            _ => self.is_content(name),
        }
    }
}

/// What a zip archive's members say it is, if it is an office file.
fn kind_of<R: Read + io::Seek>(archive: &mut zip::ZipArchive<R>) -> Option<Kind> {
    let has = |name: &str| archive.index_for_name(name).is_some();
    let kind = if has("xl/workbook.xml") {
        Kind::Xlsx
    } else if has("xl/workbook.bin") {
        Kind::Xlsb
    } else if has("word/document.xml") {
        Kind::Docx
    } else if has("ppt/presentation.xml") {
        Kind::Pptx
    } else {
        let mut mimetype = String::new();
        archive.by_name("mimetype").ok()?.take(128).read_to_string(&mut mimetype).ok()?;
        match mimetype.trim().strip_prefix("application/vnd.oasis.opendocument.")? {
            m if m.starts_with("spreadsheet") => Kind::Ods,
            m if m.starts_with("text") => Kind::Odt,
            m if m.starts_with("presentation") => Kind::Odp,
            _ => return None,
        }
    };
    Some(kind)
}

/// The names of `archive`'s members, in their order.
pub(crate) fn member_names<R: Read + io::Seek>(archive: &zip::ZipArchive<R>) -> Vec<String> {
    (0..archive.len())
        .filter_map(|i| archive.by_index_data(i).ok().and_then(|e| e.name().ok().map(|n| n.into_owned())))
        .collect()
}

/// Scans the zip archive `src` as an office file if its members say it is
/// one (see the module docs). Returns `None` when it is not one, or when it
/// is one that cannot be read as such (reported): the caller then scans it
/// as a zip archive. Otherwise returns whether the scan should go on,
/// having reported the file as scanned.
pub(crate) fn scan_zip(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> Option<bool> {
    let reader = || BufReader::with_capacity(READ_BUFFER, RandomReader::new(src));
    let mut archive = zip::ZipArchive::new(reader()).ok()?;
    let kind = kind_of(&mut archive)?;
    let limits = x.options().limits;
    let limit = limits.max_buffer;
    let what = if kind.is_workbook() { "workbook" } else { "document" };
    // What the parts read into memory hold, and a content part compressed
    // past the archive ratio limit (a bomb: the archive reading of it
    // applies its limits and says so), in one pass over the members.
    let (mut held, mut bomb) = (0u64, None);
    for e in (0..archive.len()).filter_map(|i| archive.by_index_data(i).ok()) {
        let Ok(name) = e.name() else { continue };
        if kind.held(&name) {
            held += e.size();
        }
        if bomb.is_none()
            && kind.is_content(&name)
            && e.size() > RATIO_FLOOR
            && e.size() / e.compressed_size().max(1) > limits.max_ratio
        {
            bomb = Some(name.into_owned());
        }
    }
    if let Some(name) = bomb {
        sink.problem(Problem::warning(
            source,
            format!(
                "{name} decompresses past the {}:1 ratio limit: not read as a {what}; it is scanned as a zip archive",
                limits.max_ratio
            ),
        ));
        return None;
    }
    if held > limit {
        sink.problem(Problem::warning(
            source,
            format!(
                ".{} {what} holding {held} bytes to read into memory, over the {limit} byte buffer limit: not read as a {what}; it is scanned as a zip archive",
                kind.name()
            ),
        ));
        return None;
    }
    let mut parts = Counting::parts(sink);
    let read = if kind.is_workbook() {
        workbook::scan(x, scratch, reader(), kind, source, &mut parts)
    } else {
        document::scan(x, scratch, archive, kind, limit, source, &mut parts)
    };
    let go_on = match read {
        Ok(go_on) => go_on,
        Err(e) => {
            // Nothing was reported from it yet: it is read as an archive.
            sink.problem(Problem::warning(
                source,
                format!("not readable as a .{} {what} ({e}); it is scanned as a zip archive", kind.name()),
            ));
            return None;
        }
    };
    let go_on =
        go_on && archive::zip_members_except(x, scratch, src, source, nest, &|n| kind.is_content(n), &mut parts);
    scanned_as(kind, source, parts);
    Some(go_on)
}

/// Reports office file `source` of kind `kind` as scanned, with what its
/// parts (counted by `parts`) found and read.
fn scanned_as(kind: Kind, source: &str, parts: Counting<'_>) {
    let (findings, bytes) = (parts.findings, parts.parts.unwrap_or(0));
    parts.inner.scanned(Scanned {
        source: source.to_string(),
        format: kind.name().into(),
        bytes,
        findings,
        binary: false,
        container: false,
        size: None,
    });
}

/// Scans an OLE compound file (`bytes`, named `source`): as a workbook's
/// sheets when it is an Excel 97-2003 workbook, otherwise (a Word 97
/// document, an Outlook message...) as a binary file's bytes. Returns
/// whether the scan should go on.
pub(crate) fn scan_ole(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    bytes: &[u8],
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    if let Err(reason) = ole::check(bytes) {
        sink.problem(Problem::partial(
            source,
            format!("damaged OLE compound file ({reason}); its bytes are scanned as a binary file's"),
        ));
        return plain::scan_text_bytes(x, scratch, bytes, Format::Binary, source, sink);
    }
    let mut parts = Counting::parts(sink);
    match workbook::scan(x, scratch, io::Cursor::new(bytes), Kind::Xls, source, &mut parts) {
        Ok(go_on) => {
            scanned_as(Kind::Xls, source, parts);
            go_on
        }
        Err(_) => plain::scan_text_bytes(x, scratch, bytes, Format::Binary, source, sink),
    }
}
