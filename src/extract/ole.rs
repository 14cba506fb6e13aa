//! OLE compound files (Excel 97-2003 `.xls`): their structure checked
//! before the workbook reader follows it.
//!
//! A compound file is a little file system: sectors, a table giving each
//! sector the next one of its stream (the FAT), and directory entries
//! naming each stream's first sector and length. The workbook reader
//! follows these chains as they are written, so a damaged or hostile file
//! makes it fail badly: a chain that loops back on itself is read until
//! memory runs out (a few bytes flipped in a 5 KB `.xls` asked for 4 GiB
//! and more), a sector number past the table panics, and a table sector
//! cut short by the end of the file fails an assertion. [`check`] walks
//! the same chains the reader walks when it opens a workbook (the FAT's
//! own sectors, the directory, the small-stream area and its table, and
//! the `Workbook` or `Book` stream), in the same way, and refuses a file
//! whose chains loop, leave the table or hold a table sector cut short. It
//! then reads the sheet sizes the workbook declares, for which the reader
//! reserves memory at once, and refuses sizes past what the format holds.

/// The first bytes of every compound file.
const SIGNATURE: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Sector numbers from here on are markers, not sectors.
const RESERVED: u32 = 0xFFFF_FFFA;
/// Marks a sector of the FAT's own list (its "DIFAT").
const DIFSECT: u32 = 0xFFFF_FFFC;
/// Ends a chain.
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

/// The streams the workbook reader opens a workbook with.
const WORKBOOK_STREAMS: [&str; 2] = ["Workbook", "Book"];

/// Checks the compound file in `bytes` (see the module docs): an error
/// says what is wrong. A file the reader refuses by itself (too short, no
/// signature, an unknown sector size) passes, for the reader to report.
pub(crate) fn check(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 512 || &bytes[..8] != SIGNATURE {
        return Ok(());
    }
    let size = match u16_at(bytes, 30) {
        9 => 512,
        12 => 4096,
        _ => return Ok(()),
    };
    if u16_at(bytes, 32) != 6 || bytes.len() < size {
        return Ok(());
    }
    let file = File { bytes, size, max_id: (bytes.len() / size) as u32 };
    // The FAT's sectors: 109 listed in the header, the rest in a chain of
    // sectors whose last number is the next one of that chain.
    let mut difat: Vec<u32> = words(&bytes[76..512]).collect();
    let mut next = u32_at(bytes, 68);
    let mut seen = 0;
    while next < RESERVED {
        seen += 1;
        if seen > file.max_id as usize + 1 {
            return Err("its list of FAT sectors loops".into());
        }
        difat.extend(words(file.table_sector(next)?));
        next = difat.pop().unwrap_or(RESERVED);
    }
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|&id| id < DIFSECT).collect();
    if fat_sectors.len() > file.max_id as usize + 1 {
        // The same sectors listed again and again: a FAT larger than the file.
        return Err("it lists more FAT sectors than the file holds".into());
    }
    let mut fat = Vec::new();
    for id in fat_sectors {
        fat.extend(words(file.table_sector(id)?));
    }
    let dirs = file.chain(u32_at(bytes, 48), &fat, u64::MAX, "its directory")?;
    let entries: Vec<Entry> = dirs.chunks_exact(128).map(|e| Entry::new(e, size)).collect();
    let Some(root) = entries.first() else { return Ok(()) };
    let (mut mini_fat, mut mini_area) = (Vec::new(), Vec::new());
    if u32_at(bytes, 64) > 0 {
        mini_area = file.chain(root.start, &fat, root.len, "its small-stream area")?;
        let table_len = u64::from(u32_at(bytes, 64)) * size as u64;
        let table = file.chain(u32_at(bytes, 60), &fat, table_len, "its small-stream table")?;
        if table.len() % 4 != 0 {
            return Err("its small-stream table is cut short".into());
        }
        mini_fat = words(&table).collect();
    }
    let mut workbook = None;
    for name in WORKBOOK_STREAMS {
        let Some(e) = entries.iter().find(|e| e.name.eq_ignore_ascii_case(name)) else { continue };
        let what = format!("its {name} stream");
        let stream = if e.len < 4096 {
            mini_chain(e.start, &mini_fat, &mini_area, e.len, &what)?
        } else {
            file.chain(e.start, &fat, e.len, &what)?
        };
        workbook.get_or_insert(stream);
    }
    workbook.map_or(Ok(()), |stream| check_sheet_sizes(&stream))
}

/// The most cells an Excel 97-2003 sheet holds: 65,536 rows of 256 columns.
const MAX_CELLS: u64 = 65_536 * 256;

/// Checks the sheet sizes that workbook stream `stream` declares
/// (`Dimensions` records): the workbook reader reserves memory for every
/// cell of the declared range at once, so a damaged size (a first row past
/// the last) asks it for hundreds of gigabytes. Every `Dimensions` record
/// the reader could meet is checked: those in the stream's record sequence
/// and in the one from each sheet's start (`BoundSheet8` records).
fn check_sheet_sizes(stream: &[u8]) -> Result<(), String> {
    let starts: Vec<usize> = records(stream, 0)
        .filter(|&(_, typ, data)| typ == 0x0085 && data.len() >= 4)
        .map(|(_, _, data)| u32_at(data, 0) as usize)
        .collect();
    // A record read from one start is not read again from another: the
    // sequences from there on are the same (and a stream of many sheet
    // starts costs one pass, not one per start).
    let mut seen = vec![0u64; stream.len() / 64 + 1];
    for from in std::iter::once(0).chain(starts) {
        for (at, typ, data) in records(stream, from) {
            if seen[at / 64] & (1 << (at % 64)) != 0 {
                break;
            }
            seen[at / 64] |= 1 << (at % 64);
            let cells = if typ == 0x0200 { declared_cells(data) } else { 0 };
            if cells > MAX_CELLS {
                return Err(format!("a sheet declares {cells} cells, more than the format holds"));
            }
        }
    }
    Ok(())
}

/// The BIFF records of `stream` from offset `at` on, as (offset, type,
/// data), in order, up to the first one cut short.
fn records(stream: &[u8], mut at: usize) -> impl Iterator<Item = (usize, u16, &[u8])> {
    std::iter::from_fn(move || {
        let head = stream.get(at..at.checked_add(4)?)?;
        let data = stream.get(at + 4..at + 4 + usize::from(u16_at(head, 2)))?;
        let record = (at, u16_at(head, 0), data);
        at += 4 + data.len();
        Some(record)
    })
}

/// How many cells the workbook reader reserves room for from `Dimensions`
/// record data `r`, computed as it computes them (32-bit arithmetic that
/// wraps, a first column past the last taken as column A).
fn declared_cells(r: &[u8]) -> u64 {
    let (first_row, end_row, mut first_col, end_col) = match r.len() {
        10 => (u32::from(u16_at(r, 0)), u32::from(u16_at(r, 2)), u32::from(u16_at(r, 4)), u32::from(u16_at(r, 6))),
        14 | 16 => (u32_at(r, 0), u32_at(r, 4), u32::from(u16_at(r, 8)), u32::from(u16_at(r, 10))),
        _ => return 0,
    };
    if first_col > 0xFF || end_col < first_col {
        first_col = 0;
    }
    if end_row == 0 || end_col == 0 {
        return 1;
    }
    let rows = (end_row - 1).wrapping_sub(first_row).wrapping_add(1);
    let cols = (end_col - 1).wrapping_sub(first_col).wrapping_add(1);
    u64::from(rows) * u64::from(cols)
}

/// A compound file's bytes and sectors.
struct File<'a> {
    bytes: &'a [u8],
    size: usize,
    /// The highest sector number the reader accepts.
    max_id: u32,
}

impl File<'_> {
    /// Sector `id`, as much of it as the file holds (sector 0 follows the
    /// header, which takes one sector); `None` past the highest number.
    fn sector(&self, id: u32) -> Option<&[u8]> {
        if id > self.max_id {
            return None;
        }
        let start = (id as usize + 1) * self.size;
        Some(&self.bytes[start.min(self.bytes.len())..(start + self.size).min(self.bytes.len())])
    }

    /// Sector `id` of a table (the FAT or its list), which is read as
    /// 32-bit numbers: it must be whole.
    fn table_sector(&self, id: u32) -> Result<&[u8], String> {
        match self.sector(id) {
            Some(s) if s.len() == self.size => Ok(s),
            Some(_) => Err(format!("a table sector ({id}) is cut short by the end of the file")),
            None => Err(format!("a table sector ({id}) is past the end of the file")),
        }
    }

    /// The chain from sector `first` through `fat`, read as the workbook
    /// reader reads it: up to `len` bytes or the chain's end. It must not
    /// leave the FAT or run past the file's size (a loop).
    fn chain(&self, first: u32, fat: &[u32], len: u64, what: &str) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let mut id = first;
        while id != END_OF_CHAIN {
            let Some(sector) = self.sector(id) else {
                // The reader reports this one itself.
                return Ok(out);
            };
            let take = (sector.len() as u64).min(len - out.len() as u64) as usize;
            out.extend_from_slice(&sector[..take]);
            if out.len() as u64 >= len {
                break;
            }
            if out.len() > self.bytes.len() {
                return Err(format!("{what} loops"));
            }
            id = *fat.get(id as usize).ok_or_else(|| format!("{what} leaves the FAT"))?;
        }
        Ok(out)
    }
}

/// The bytes of a small stream (under 4096 bytes, in 64-byte sectors of
/// the small-stream area `area`) from sector `first` through `mini_fat`, up
/// to `len` bytes. Its sectors must lie in the area (the workbook reader
/// would read past it from wherever the file happens to be) and its steps
/// in the table; it cannot loop for long: it ends after `len` bytes.
fn mini_chain(first: u32, mini_fat: &[u32], area: &[u8], len: u64, what: &str) -> Result<Vec<u8>, String> {
    let (mut id, mut out) = (first, Vec::new());
    while id != END_OF_CHAIN && len > 0 {
        let at = id as usize * 64;
        let sector = area.get(at..at + 64).ok_or_else(|| format!("{what} leaves the small-stream area"))?;
        let take = 64.min(len as usize - out.len());
        out.extend_from_slice(&sector[..take]);
        if out.len() as u64 >= len {
            break;
        }
        id = *mini_fat.get(id as usize).ok_or_else(|| format!("{what} leaves the small-stream table"))?;
    }
    Ok(out)
}

/// A directory entry: its name, first sector and length.
struct Entry {
    name: String,
    start: u32,
    len: u64,
}

impl Entry {
    /// The entry in the 128 bytes `e` (its length has 32 bits in files of
    /// 512-byte sectors, 64 in files of 4096-byte ones).
    fn new(e: &[u8], size: usize) -> Entry {
        let units: Vec<u16> = e[..64].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        let name = String::from_utf16_lossy(&units);
        let name = name.split('\0').next().unwrap_or_default().to_string();
        let len = if size == 512 {
            u64::from(u32_at(e, 120))
        } else {
            u64::from_le_bytes(e[120..128].try_into().expect("8 bytes"))
        };
        Entry { name, start: u32_at(e, 116), len }
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// The little-endian 32-bit numbers of `b`.
fn words(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const XLS: &[u8] = include_bytes!("../../tests/fixtures/customers.xls");

    /// The FAT entry of sector `id` of the fixture (its FAT is sector 8).
    fn fat_entry(id: u32) -> usize {
        512 + 8 * 512 + 4 * id as usize
    }

    #[test]
    fn a_workbook_written_by_excel_s_format_passes() {
        assert_eq!(check(XLS), Ok(()));
        // Not a compound file at all: for the reader to report.
        assert_eq!(check(b"PK\x03\x04"), Ok(()));
    }

    #[test]
    fn a_directory_chain_that_loops_is_refused() {
        let mut bad = XLS.to_vec();
        // The directory (sector 9) points back to itself.
        bad[fat_entry(9)..fat_entry(9) + 4].copy_from_slice(&9u32.to_le_bytes());
        assert_eq!(check(&bad), Err("its directory loops".into()));
    }

    #[test]
    fn a_chain_leaving_the_fat_is_refused() {
        let mut bad = XLS.to_vec();
        bad[fat_entry(9)..fat_entry(9) + 4].copy_from_slice(&0x00FF_0000u32.to_le_bytes());
        // Sector 0xFF0000 is past the file: the reader reports it; a
        // number within the file but past the FAT would panic.
        assert_eq!(check(&bad), Ok(()));
        let mut bad = XLS.to_vec();
        bad.resize(300 * 512, 0);
        bad[fat_entry(9)..fat_entry(9) + 4].copy_from_slice(&200u32.to_le_bytes());
        assert_eq!(check(&bad), Err("its directory leaves the FAT".into()));
    }

    #[test]
    fn an_empty_workbook_stream_needs_no_sector() {
        let dir = 512 * 10;
        let entries: Vec<Entry> = XLS[dir..dir + 512].chunks_exact(128).map(|e| Entry::new(e, 512)).collect();
        let i = entries.iter().position(|e| e.name == "Workbook").expect("a Workbook stream");
        let mut empty = XLS.to_vec();
        // Length 0 from sector 0 of a small-stream area the file lacks.
        empty[dir + i * 128 + 116..dir + i * 128 + 124].fill(0);
        assert_eq!(check(&empty), Ok(()));
        empty[dir + i * 128 + 120] = 100;
        assert_eq!(check(&empty), Err("its Workbook stream leaves the small-stream area".into()));
    }

    #[test]
    fn a_fat_listed_again_and_again_is_refused() {
        let mut bad = XLS.to_vec();
        // The header lists 109 FAT sectors: all of them sector 8.
        for k in 0..109 {
            bad[76 + 4 * k..80 + 4 * k].copy_from_slice(&8u32.to_le_bytes());
        }
        assert_eq!(check(&bad), Err("it lists more FAT sectors than the file holds".into()));
    }

    #[test]
    fn a_fat_sector_cut_short_is_refused() {
        // The FAT is sector 8, bytes 4,608 to 5,120 of the file.
        assert_eq!(check(&XLS[..5000]), Err("a table sector (8) is cut short by the end of the file".into()));
    }

    #[test]
    fn a_workbook_stream_that_loops_is_refused() {
        let dir = 512 * 10..512 * 11;
        let entries: Vec<Entry> = XLS[dir.clone()].chunks_exact(128).map(|e| Entry::new(e, 512)).collect();
        let i = entries.iter().position(|e| e.name == "Workbook").expect("a Workbook stream");
        assert!(entries[i].len >= 4096, "the fixture's workbook is in the FAT's sectors");
        let mut bad = XLS.to_vec();
        let at = fat_entry(entries[i].start);
        bad[at..at + 4].copy_from_slice(&entries[i].start.to_le_bytes());
        // Looping within its declared length, it is read as the reader
        // reads it (what it reads is damaged, but bounded)...
        assert_eq!(check(&bad), Ok(()));
        // ...and declaring 16 MiB, past the file's size, it loops.
        let len_at = dir.start + i * 128 + 120;
        bad[len_at..len_at + 4].copy_from_slice(&(16u32 << 20).to_le_bytes());
        assert_eq!(check(&bad), Err("its Workbook stream loops".into()));
    }

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        [&typ.to_le_bytes()[..], &(data.len() as u16).to_le_bytes(), data].concat()
    }

    /// `Dimensions` data (BIFF8): rows `first..end`, columns `first..end`.
    fn dimensions(rows: (u32, u32), cols: (u16, u16)) -> Vec<u8> {
        [&rows.0.to_le_bytes()[..], &rows.1.to_le_bytes(), &cols.0.to_le_bytes(), &cols.1.to_le_bytes(), &[0, 0]]
            .concat()
    }

    #[test]
    fn declared_sheet_sizes_are_counted_as_the_reader_counts_them() {
        assert_eq!(declared_cells(&dimensions((0, 100), (0, 5))), 500);
        assert_eq!(declared_cells(&dimensions((0, 65_536), (0, 256))), MAX_CELLS);
        // An empty sheet, and a first column past the last (taken as A).
        assert_eq!(declared_cells(&dimensions((0, 0), (0, 0))), 1);
        assert_eq!(declared_cells(&dimensions((0, 10), (9, 3))), 30);
        // A first row past the last: the row count wraps.
        assert_eq!(declared_cells(&dimensions((10, 5), (0, 1))), u64::from(u32::MAX) - 5 + 1);
        // BIFF5 records have 16-bit rows.
        let biff5 =
            [&0u16.to_le_bytes()[..], &20u16.to_le_bytes(), &0u16.to_le_bytes(), &3u16.to_le_bytes(), &[0, 0]].concat();
        assert_eq!(declared_cells(&biff5), 60);
    }

    #[test]
    fn a_sheet_declaring_more_cells_than_the_format_holds_is_refused() {
        // Globals: a BoundSheet8 record pointing at the sheet, then EOF.
        let sheet_at = 4 + 6 + 4;
        let mut stream = record(0x0085, &[&(sheet_at as u32).to_le_bytes()[..], &[0, 0]].concat());
        stream.extend(record(0x000A, &[]));
        assert_eq!(stream.len(), sheet_at);
        stream.extend(record(0x0200, &dimensions((0, 100), (0, 5))));
        assert_eq!(check_sheet_sizes(&stream), Ok(()));
        stream.extend(record(0x0200, &dimensions((10, 5), (0, 2))));
        assert_eq!(
            check_sheet_sizes(&stream),
            Err(format!("a sheet declares {} cells, more than the format holds", 2 * (u64::from(u32::MAX) - 4)))
        );
        // Many sheets starting at the same record: each record read once.
        let mut many = Vec::new();
        for _ in 0..10_000 {
            many.extend(record(0x0085, &[0, 0, 0, 0, 0, 0]));
        }
        assert_eq!(check_sheet_sizes(&many), Ok(()));
        // Records cut short end the sequence.
        assert_eq!(records(&stream[..stream.len() - 1], 0).count(), 3);
    }
}
