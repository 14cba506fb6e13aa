//! Limits on what a PDF's compressed streams may decompress to.
//!
//! The PDF library decompresses streams without a limit: a few KB of
//! deflate can ask it for gigabytes. It does so in three places, and each
//! is bounded here before the library gets there:
//!
//! - cross-reference streams, read as the file is opened: their bytes in
//!   the file are inflated into a counter first ([`check_xref_streams`]),
//!   and a file with one past the limit is not opened as a PDF;
//! - object streams (which hold a file's other objects), unpacked as the
//!   file is loaded: a load filter ([`load`]) decodes each one first,
//!   within the [`Budget`], and empties one that goes past it;
//! - every other stream but images, decoded as the text is taken:
//!   [`Budget::bound`] decodes them after the load, before the text.
//!
//! Decoding follows the stream's filter chain (`FlateDecode`, `LZWDecode`,
//! `ASCII85Decode`), each step bounded; a stream with another filter is
//! left to the library, which cannot decode it either. Objects of an
//! encrypted file's object streams are unpacked by the library as it
//! decrypts them, without the filter: that case is not bounded.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{self, Read, Write};

use pdf_extract::{Dictionary, Document, LoadOptions, Object, ObjectId, Stream};

/// How much a document's streams may decompress to: `each` for one stream,
/// `all` for all of them; what was used, and how many streams went past.
#[derive(Clone, Copy, Debug)]
pub(super) struct Budget {
    each: u64,
    all: u64,
    used: u64,
    /// Streams that went past the limits and were emptied.
    pub(super) dropped: usize,
}

impl Budget {
    /// A budget of `each` bytes per stream and `all` in all.
    pub(super) fn new(each: u64, all: u64) -> Budget {
        Budget { each, all, used: 0, dropped: 0 }
    }

    /// The most one stream may decompress to.
    pub(super) fn each(&self) -> u64 {
        self.each
    }

    /// The most one stream may decompress to now.
    fn limit(&self) -> u64 {
        self.each.min(self.all.saturating_sub(self.used))
    }

    /// Decodes `stream` within the budget: its decoded bytes replace its
    /// content when nothing is left for the library to do (no decode
    /// parameters such as a predictor, which only shrinks the bytes); a
    /// stream past the limit is emptied. A stream whose filters are not
    /// decoded here is left as it is.
    pub(super) fn bound(&mut self, stream: &mut Stream) {
        let filters: Vec<Vec<u8>> = match stream.filters() {
            Ok(f) if !f.is_empty() => f.into_iter().map(<[u8]>::to_vec).collect(),
            _ => return,
        };
        let params = stream.dict.get(b"DecodeParms").and_then(Object::as_dict).ok();
        match decode(&stream.content, &filters, params, self.limit()) {
            Decoded::Bytes(out) => {
                self.used += out.len() as u64;
                if stream.dict.get(b"DecodeParms").is_err() {
                    stream.set_plain_content(out);
                }
            }
            Decoded::Partly(out, rest) => {
                self.used += out.len() as u64;
                let rest: Vec<Object> = filters[rest..].iter().map(|f| Object::Name(f.clone())).collect();
                stream.dict.remove(b"DecodeParms");
                stream.set_content(out);
                stream.dict.set("Filter", Object::Array(rest));
            }
            Decoded::TooLarge => {
                stream.set_plain_content(Vec::new());
                self.dropped += 1;
            }
            Decoded::Unknown => {}
        }
    }

    /// Bounds every stream of `doc` but images, whose content is never
    /// read as text.
    pub(super) fn bound_document(&mut self, doc: &mut Document) {
        for object in doc.objects.values_mut() {
            let Object::Stream(stream) = object else { continue };
            let image = stream.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Image");
            if !image {
                self.bound(stream);
            }
        }
    }
}

/// A stream's bytes decoded through its filters, or why not.
#[derive(Debug, PartialEq)]
enum Decoded {
    Bytes(Vec<u8>),
    /// The bytes decoded by the first filters, up to the one at this
    /// index, which is not decoded here (nor by the library).
    Partly(Vec<u8>, usize),
    /// Some step went past the limit.
    TooLarge,
    /// The first filter is not decoded here.
    Unknown,
}

/// Decodes `content` through `filters` (in decoding order), no step past
/// `limit` bytes, as the library would (a deflate stream that fails as
/// zlib is tried as raw deflate; what decodes before an error is kept).
fn decode(content: &[u8], filters: &[Vec<u8>], params: Option<&Dictionary>, limit: u64) -> Decoded {
    let mut data = Cow::Borrowed(content);
    for (i, filter) in filters.iter().enumerate() {
        // The library would decode the filters before this one again,
        // without a limit, then fail on it: it gets what they decoded.
        let not_here =
            |data: Cow<'_, [u8]>| if i == 0 { Decoded::Unknown } else { Decoded::Partly(data.into_owned(), i) };
        let out = match filter.as_slice() {
            b"FlateDecode" => match inflate(&data, limit, Vec::new()) {
                Some(out) => out,
                None => return Decoded::TooLarge,
            },
            b"LZWDecode" => match lzw(&data, params, limit) {
                Some(out) => out,
                None => return Decoded::TooLarge,
            },
            // At most four bytes out for each byte in: decoded by the library.
            b"ASCII85Decode" => {
                let mut dict = Dictionary::new();
                dict.set("Filter", Object::Name(filter.clone()));
                match Stream::new(dict, data.to_vec()).decompressed_content() {
                    Ok(out) => out,
                    Err(_) => return not_here(data),
                }
            }
            _ => return not_here(data),
        };
        if out.len() as u64 > limit {
            return Decoded::TooLarge;
        }
        data = Cow::Owned(out);
    }
    Decoded::Bytes(data.into_owned())
}

/// Inflates zlib `input` into `out`, or raw deflate after its two header
/// bytes when it fails as zlib before any output; `None` past `limit`.
fn inflate<W: Write>(input: &[u8], limit: u64, mut out: W) -> Option<W> {
    let mut counted = Counter { inner: &mut out, n: 0 };
    let zlib = io::copy(&mut flate2::read::ZlibDecoder::new(input).take(limit + 1), &mut counted);
    if zlib.is_err() && counted.n == 0 && input.len() > 2 {
        let _ = io::copy(&mut flate2::read::DeflateDecoder::new(&input[2..]).take(limit + 1), &mut counted);
    }
    (counted.n <= limit).then_some(out)
}

/// Counts what passes through to `inner`.
struct Counter<'a, W> {
    inner: &'a mut W,
    n: u64,
}

impl<W: Write> Write for Counter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decodes LZW `input` as the PDF filter does (early change unless the
/// parameters turn it off); `None` past `limit`.
fn lzw(input: &[u8], params: Option<&Dictionary>, limit: u64) -> Option<Vec<u8>> {
    use weezl::{BitOrder, LzwStatus, decode::Decoder};
    let early = params.and_then(|p| p.get(b"EarlyChange").ok()).and_then(|v| v.as_i64().ok()).is_none_or(|v| v != 0);
    let mut decoder =
        if early { Decoder::with_tiff_size_switch(BitOrder::Msb, 8) } else { Decoder::new(BitOrder::Msb, 8) };
    let (mut out, mut buf, mut rest) = (Vec::new(), vec![0u8; 64 << 10], input);
    loop {
        let r = decoder.decode_bytes(rest, &mut buf);
        rest = &rest[r.consumed_in..];
        out.extend_from_slice(&buf[..r.consumed_out]);
        if out.len() as u64 > limit {
            return None;
        }
        match r.status {
            Ok(LzwStatus::Ok) => {}
            // Like the library, keep what decoded before an error.
            Ok(LzwStatus::Done | LzwStatus::NoProgress) | Err(_) => return Some(out),
        }
    }
}

/// Checks the cross-reference streams in a PDF's `bytes` (each `/XRef`
/// dictionary's stream) before the library reads them: an error names one
/// that inflates past `limit` bytes. Returns how many streams it inflated.
pub(super) fn check_xref_streams(bytes: &[u8], limit: u64) -> Result<usize, String> {
    // Each stream is inflated once, however many `/XRef` come before it.
    let (mut checked, mut inflated) = (None, 0);
    for at in memchr::memmem::find_iter(bytes, b"/XRef") {
        // `/XRefStm` is a trailer key, not a stream's type.
        if bytes.get(at + 5).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let rest = &bytes[at..];
        let near = &rest[..rest.len().min(64 << 10)];
        let Some(keyword) = memchr::memmem::find(near, b"stream") else { continue };
        if checked.replace(at + keyword) == Some(at + keyword) {
            continue;
        }
        let mut data = &rest[keyword + 6..];
        data = data.strip_prefix(b"\r").unwrap_or(data);
        data = data.strip_prefix(b"\n").unwrap_or(data);
        if inflate(data, limit, io::sink()).is_none() {
            return Err(format!("a cross-reference stream decompresses past {limit} bytes"));
        }
        inflated += 1;
    }
    Ok(inflated)
}

thread_local! {
    /// The budget of the document being loaded on this thread, for the
    /// load filter (a plain function the library calls).
    static LOADING: Cell<Option<Budget>> = const { Cell::new(None) };
}

/// Loads the document in `bytes` with its object streams decoded within
/// `budget` before the library unpacks them.
pub(super) fn load(bytes: &[u8], budget: &mut Budget) -> Result<Document, pdf_extract::Error> {
    LOADING.with(|l| l.set(Some(*budget)));
    let doc =
        Document::load_mem_with_options(bytes, LoadOptions { filter: Some(object_streams), ..Default::default() });
    if let Some(b) = LOADING.with(Cell::take) {
        *budget = b;
    }
    doc
}

/// The load filter: decodes an object stream within the loading budget.
/// The library keeps the object it returns for objects unpacked from
/// object streams (never streams themselves) and drops it for the others,
/// which it keeps as they are after the call: a stream is not copied.
fn object_streams(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    let Object::Stream(stream) = object else { return Some((id, object.clone())) };
    if stream.dict.has_type(b"ObjStm")
        && let Some(mut budget) = LOADING.with(Cell::get)
    {
        budget.bound(stream);
        LOADING.with(|l| l.set(Some(budget)));
    }
    Some((id, Object::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn names(filters: &[&str]) -> Vec<Vec<u8>> {
        filters.iter().map(|f| f.as_bytes().to_vec()).collect()
    }

    #[test]
    fn filter_chains_decode_within_the_limit() {
        let text = b"BT (SSN 219-44-5178) Tj ET ".repeat(100);
        let flate = zlib(&text);
        assert_eq!(decode(&flate, &names(&["FlateDecode"]), None, 1 << 20), Decoded::Bytes(text.clone()));
        assert_eq!(decode(&flate, &names(&["FlateDecode"]), None, 100), Decoded::TooLarge);
        // ASCII85 around deflate, as some writers emit.
        let mut a85 = Vec::new();
        for chunk in flate.chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            let mut v = u32::from_be_bytes(word);
            let mut digits = [0u8; 5];
            for d in digits.iter_mut().rev() {
                *d = (v % 85) as u8 + b'!';
                v /= 85;
            }
            a85.extend_from_slice(&digits[..chunk.len() + 1]);
        }
        a85.extend_from_slice(b"~>");
        let chain = names(&["ASCII85Decode", "FlateDecode"]);
        assert_eq!(decode(&a85, &chain, None, 1 << 20), Decoded::Bytes(text.clone()));
        assert_eq!(decode(&a85, &chain, None, 1000), Decoded::TooLarge);
        // LZW as PDF writes it (most significant bit first, early change).
        let lzw = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8).encode(&text).unwrap();
        assert_eq!(decode(&lzw, &names(&["LZWDecode"]), None, 1 << 20), Decoded::Bytes(text.clone()));
        assert_eq!(decode(&lzw, &names(&["LZWDecode"]), None, 1000), Decoded::TooLarge);
        assert_eq!(decode(b"xyz", &names(&["DCTDecode"]), None, 1 << 20), Decoded::Unknown);
        // A filter not decoded here after one that is: the library gets
        // what the first decoded, not the chance to decode it unbounded.
        let flate_dct = names(&["FlateDecode", "DCTDecode"]);
        assert_eq!(decode(&flate, &flate_dct, None, 1 << 20), Decoded::Partly(text.clone(), 1));
        assert_eq!(decode(&flate, &flate_dct, None, 100), Decoded::TooLarge);
        let mut dict = Dictionary::new();
        dict.set(
            "Filter",
            Object::Array(vec![Object::Name(b"FlateDecode".to_vec()), Object::Name(b"DCTDecode".to_vec())]),
        );
        let mut stream = Stream::new(dict, flate.clone());
        Budget::new(1 << 20, 1 << 20).bound(&mut stream);
        assert_eq!(stream.content, text);
        assert_eq!(stream.filters().unwrap(), [b"DCTDecode".as_slice()]);
    }

    #[test]
    fn raw_deflate_is_tried_as_the_library_does() {
        let text = b"jane.roe@example.org ".repeat(50);
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&text).unwrap();
        // Two bytes that are no zlib header, then raw deflate.
        let raw = [b"xx".as_slice(), &e.finish().unwrap()].concat();
        assert_eq!(decode(&raw, &names(&["FlateDecode"]), None, 1 << 20), Decoded::Bytes(text));
        assert_eq!(decode(&raw, &names(&["FlateDecode"]), None, 100), Decoded::TooLarge);
    }

    #[test]
    fn a_stream_past_the_budget_is_emptied_and_counted() {
        let mut dict = Dictionary::new();
        dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let mut budget = Budget::new(1000, 1500);
        let mut small = Stream::new(dict.clone(), zlib(&[b'a'; 800]));
        budget.bound(&mut small);
        assert_eq!((small.content.len(), small.filters().map(|f| f.len()).ok()), (800, None));
        // 800 of 1,500 used: a second stream of 800 is past what is left.
        let mut second = Stream::new(dict, zlib(&[b'b'; 800]));
        budget.bound(&mut second);
        assert!(second.content.is_empty());
        assert_eq!((budget.used, budget.dropped), (800, 1));
    }

    #[test]
    fn cross_reference_streams_past_the_limit_are_refused() {
        let xref = |body: &[u8]| {
            let mut pdf =
                b"%PDF-1.5\n9 0 obj\n<< /Type /XRef /Size 9 /W [1 2 1] /Filter /FlateDecode >>\nstream\r\n".to_vec();
            pdf.extend_from_slice(&zlib(body));
            pdf.extend_from_slice(b"\nendstream\nendobj\ntrailer << /XRefStm 9 >>\n");
            pdf
        };
        assert_eq!(check_xref_streams(&xref(&[0u8; 4000]), 4000), Ok(1));
        assert_eq!(
            check_xref_streams(&xref(&[0u8; 4001]), 4000),
            Err("a cross-reference stream decompresses past 4000 bytes".into())
        );
        assert_eq!(check_xref_streams(b"%PDF-1.4 no streams /XRefStm", 10), Ok(0));
        // Many `/XRef` before one stream: it is inflated once.
        let mut many = b"/XRef ".repeat(10_000);
        many.extend_from_slice(b"stream\n");
        many.extend_from_slice(&zlib(&[0u8; 4000]));
        assert_eq!(check_xref_streams(&many, 4000), Ok(1));
    }
}
