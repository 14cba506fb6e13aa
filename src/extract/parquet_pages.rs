//! Parquet page headers read before the Parquet library reads them.
//!
//! A column chunk is a run of pages, each a header (a Thrift struct in the
//! compact protocol) and its compressed bytes. The library allocates, and
//! for some codecs zero-fills, the uncompressed size a page header
//! declares before it decompresses the page, and checks the size only
//! afterwards: one damaged or hostile header in a file of a few KB can ask
//! for 2 GiB per page. A chunk's own declared uncompressed size (the sum of
//! its pages' headers and uncompressed sizes) is checked against the buffer
//! limit before the chunk is read; [`largest_page`] walks the chunk's page
//! headers so that no page may declare more than its whole chunk.

/// The most nested structs a header may hold before it is given up on.
const MAX_DEPTH: usize = 16;

/// The sizes a page header declares, and its own length.
#[derive(Debug, PartialEq)]
struct Page {
    uncompressed: i64,
    compressed: i64,
    header_len: usize,
}

/// The largest uncompressed size that a page of the column chunk in `chunk`
/// declares, or `None` when a header does not read as one (left to the
/// library, which reports it; an encrypted file's headers among them).
pub(crate) fn largest_page(chunk: &[u8]) -> Option<i64> {
    let mut at = 0;
    let mut largest = 0;
    while at < chunk.len() {
        let page = page_header(&chunk[at..])?;
        largest = largest.max(page.uncompressed);
        at = at.checked_add(page.header_len)?.checked_add(usize::try_from(page.compressed).ok()?)?;
    }
    Some(largest)
}

/// Reads the page header at the start of `buf`: its uncompressed and
/// compressed sizes (fields 2 and 3 of `PageHeader`), the other fields
/// skipped.
fn page_header(buf: &[u8]) -> Option<Page> {
    let mut r = Compact { buf, at: 0 };
    let (mut uncompressed, mut compressed) = (None, None);
    let mut id = 0i16;
    loop {
        let byte = r.byte()?;
        if byte == 0 {
            break;
        }
        let kind = byte & 0x0f;
        id = match byte >> 4 {
            0 => r.zigzag()? as i16,
            delta => id.checked_add(i16::from(delta))?,
        };
        match (id, kind) {
            (2, 5) => uncompressed = Some(r.zigzag()?),
            (3, 5) => compressed = Some(r.zigzag()?),
            _ => r.skip(kind, 0)?,
        }
    }
    Some(Page { uncompressed: uncompressed?, compressed: compressed?, header_len: r.at })
}

/// A reader of Thrift's compact protocol over a byte slice.
struct Compact<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Compact<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn zigzag(&mut self) -> Option<i64> {
        let v = self.varint()?;
        Some((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn bytes(&mut self, n: u64) -> Option<()> {
        let end = self.at.checked_add(usize::try_from(n).ok()?)?;
        (end <= self.buf.len()).then(|| self.at = end)
    }

    /// Skips a value of compact type `kind` (a struct field's: booleans
    /// are in the field header).
    fn skip(&mut self, kind: u8, depth: usize) -> Option<()> {
        if kind >= 9 && depth >= MAX_DEPTH {
            return None;
        }
        match kind {
            1 | 2 => Some(()),
            3 => self.bytes(1),
            4..=6 => self.varint().map(drop),
            7 => self.bytes(8),
            8 => {
                let n = self.varint()?;
                self.bytes(n)
            }
            9 | 10 => {
                let head = self.byte()?;
                let n = match head >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                self.skip_items(head & 0x0f, n, depth)
            }
            11 => {
                let n = self.varint()?;
                if n == 0 {
                    return Some(());
                }
                let kinds = self.byte()?;
                for _ in 0..n {
                    self.skip_item(kinds >> 4, depth)?;
                    self.skip_item(kinds & 0x0f, depth)?;
                }
                Some(())
            }
            12 => loop {
                let byte = self.byte()?;
                if byte == 0 {
                    return Some(());
                }
                if byte >> 4 == 0 {
                    self.zigzag()?;
                }
                self.skip(byte & 0x0f, depth + 1)?;
            },
            _ => None,
        }
    }

    fn skip_items(&mut self, kind: u8, n: u64, depth: usize) -> Option<()> {
        // Each item takes a byte at least: a count past what is left is damage.
        if n > (self.buf.len() - self.at) as u64 {
            return None;
        }
        (0..n).try_for_each(|_| self.skip_item(kind, depth))
    }

    /// Skips a list, set or map item: booleans there take a byte.
    fn skip_item(&mut self, kind: u8, depth: usize) -> Option<()> {
        match kind {
            1 | 2 => self.bytes(1),
            _ => self.skip(kind, depth + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page header in the compact protocol: type, sizes, then a data
    /// page header struct holding a statistics struct with a binary.
    fn header(uncompressed: i64, compressed: i64) -> Vec<u8> {
        let zigzag = |v: i64| {
            let mut z = ((v << 1) ^ (v >> 63)) as u64;
            let mut out = Vec::new();
            loop {
                let b = (z & 0x7f) as u8;
                z >>= 7;
                if z == 0 {
                    out.push(b);
                    return out;
                }
                out.push(b | 0x80);
            }
        };
        let mut h = vec![0x15];
        h.extend(zigzag(0));
        h.push(0x15);
        h.extend(zigzag(uncompressed));
        h.push(0x15);
        h.extend(zigzag(compressed));
        // Field 5, a struct: num_values (i32), a list of two i32, a
        // statistics struct (field 5) with a binary max (field 1), a bool.
        h.extend([
            0x2c, 0x15, 0x08, 0x19, 0x25, 0x02, 0x04, 0x3c, 0x18, 0x03, b'a', b'b', b'c', 0x00, 0x11, 0x00, 0x00,
        ]);
        h
    }

    #[test]
    fn page_headers_give_their_sizes_and_length() {
        let h = header(70_000, 1_234);
        assert_eq!(page_header(&h), Some(Page { uncompressed: 70_000, compressed: 1_234, header_len: h.len() }));
        assert_eq!(page_header(&h[..h.len() - 1]), None);
    }

    #[test]
    fn a_chunk_s_pages_are_walked_to_the_largest() {
        let mut chunk = Vec::new();
        for (u, c) in [(100, 10), (5_000, 20), (300, 5)] {
            chunk.extend(header(u, c));
            chunk.extend(vec![0u8; c as usize]);
        }
        assert_eq!(largest_page(&chunk), Some(5_000));
        // The last page's header counts though its bytes run past the chunk.
        chunk.extend(header(1 << 30, 1 << 20));
        assert_eq!(largest_page(&chunk), Some(1 << 30));
        assert_eq!(largest_page(&[0xff; 8]), None);
    }

    #[test]
    fn containers_nested_past_the_depth_limit_are_given_up_on() {
        // Field 5 a list of lists of lists...: 100,000 levels would
        // overflow the stack if each were followed.
        let mut h = header(10, 0);
        h.truncate(h.len() - 17);
        h.push(0x29);
        h.extend(std::iter::repeat_n(0x19, 100_000));
        assert_eq!(page_header(&h), None);
    }
}
