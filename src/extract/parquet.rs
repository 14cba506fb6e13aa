//! Apache Parquet: streamed row group by row group, every value scanned with
//! its column path as keyword context, findings placed at row group, record
//! (the row index in the file) and JSON path (`$.address.zip`, `$.phones[1]`).
//!
//! The file is read by ranged reads through [`RandomAccess`], so files,
//! memory and S3 objects work alike: the footer first, then, for each row
//! group, one top-level column at a time (its column chunks fetched whole,
//! decoded in batches of [`BATCH_ROWS`] rows). Memory stays bounded by the
//! largest column chunk, never the file. With several threads
//! (`Options::parallel`), each thread scans whole row groups and the
//! findings are sent in file order through small bounded channels
//! (`extract::ordered`): the output is that of one thread, and memory is one
//! column chunk per thread whatever the number of findings.
//!
//! Values are turned into text the way a person would write them: strings
//! as they are, binary when it is UTF-8, integers in decimal (an SSN or card
//! number stored as an integer is still found), decimals, dates and
//! timestamps as ISO text (so a `dob` column holding dates fires), floats
//! only when they are whole numbers, lists, structs and maps walked down to
//! their leaves. Booleans, nulls and fractional floats are not scanned.
//!
//! `scan_batch` scans an Arrow record batch held in memory the same way
//! (the library's `Extractor::scan_record_batch`).
//!
//! Without the `parquet` feature, Parquet files are reported as not scanned.

use crate::Scratch;
use crate::extract::{Extractor, Nesting, RandomAccess};
use crate::report::Sink;

/// Rows decoded at a time.
#[cfg(feature = "parquet")]
pub(crate) const BATCH_ROWS: usize = 8192;

/// Scans a Parquet file.
pub(crate) fn scan(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let _ = nest;
    #[cfg(feature = "parquet")]
    {
        imp::scan(x, scratch, src, source, sink)
    }
    #[cfg(not(feature = "parquet"))]
    {
        let _ = (x, scratch, src);
        sink.problem(crate::report::Problem::error(source, "built without the parquet feature"));
        true
    }
}

/// Scans an Arrow record batch (see [`Extractor::scan_record_batch`]).
#[cfg(feature = "parquet")]
pub(crate) use imp::scan_batch;

#[cfg(feature = "parquet")]
mod imp {
    use std::collections::BTreeMap;
    use std::io::{self, Seek, Write};

    use arrow_array::cast::AsArray;
    use arrow_array::types::{
        ArrowPrimitiveType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
        UInt32Type, UInt64Type,
    };
    use arrow_array::{Array, OffsetSizeTrait};
    use arrow_cast::display::{ArrayFormatter, FormatOptions};
    use arrow_schema::DataType;
    use bytes::{Buf, Bytes};
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
    use parquet::errors::ParquetError;
    use parquet::file::reader::{ChunkReader, Length};

    use super::BATCH_ROWS;

    /// Deepest nesting of a column read (a struct or list level each).
    const MAX_DEPTH: usize = 100;
    use crate::Scratch;
    use crate::extract::ordered::{Step, run_ordered};
    use crate::extract::values::{Contexts, Emit, ValueBatch, json_path_child, write_float};
    use crate::extract::{BatchScan, Extractor, RandomAccess, RandomReader, parquet_pages};
    use crate::report::{Problem, Scanned, Severity, Sink};

    /// Ranged reads of a [`RandomAccess`] source, for the footer.
    pub(crate) struct Ranged<'a>(pub &'a dyn RandomAccess);

    impl Length for Ranged<'_> {
        fn len(&self) -> u64 {
            self.0.len()
        }
    }

    impl<'a> ChunkReader for Ranged<'a> {
        type T = RandomReader<'a>;

        fn get_read(&self, start: u64) -> parquet::errors::Result<RandomReader<'a>> {
            let mut r = RandomReader::new(self.0);
            r.seek(io::SeekFrom::Start(start)).map_err(|e| ParquetError::External(Box::new(e)))?;
            Ok(r)
        }

        fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
            let mut buf = vec![0u8; length];
            self.0.read_at(start, &mut buf).map_err(|e| ParquetError::External(Box::new(e)))?;
            Ok(buf.into())
        }
    }

    /// The column chunks of one row group's column, fetched by ranged reads
    /// and served from memory (the arrow reader wants an owned reader).
    struct Chunks {
        len: u64,
        /// `(file offset, bytes)`, sorted by offset.
        parts: Vec<(u64, Bytes)>,
    }

    impl Chunks {
        fn part(&self, start: u64) -> parquet::errors::Result<(usize, &Bytes)> {
            let i = self.parts.partition_point(|(s, _)| *s <= start);
            if i > 0 {
                let (s, b) = &self.parts[i - 1];
                let off = (start - s) as usize;
                if off <= b.len() {
                    return Ok((off, b));
                }
            }
            Err(ParquetError::General(format!("offset {start} is outside the fetched column chunks")))
        }
    }

    impl Length for Chunks {
        fn len(&self) -> u64 {
            self.len
        }
    }

    impl ChunkReader for Chunks {
        type T = bytes::buf::Reader<Bytes>;

        fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
            let (off, b) = self.part(start)?;
            Ok(b.slice(off..).reader())
        }

        fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
            let (off, b) = self.part(start)?;
            if off + length > b.len() {
                return Err(ParquetError::General(format!(
                    "range {start}+{length} is outside the fetched column chunks"
                )));
            }
            Ok(b.slice(off..off + length))
        }
    }

    pub(super) fn scan(
        x: &Extractor<'_>,
        scratch: &mut Scratch,
        src: &dyn RandomAccess,
        source: &str,
        sink: &mut dyn Sink,
    ) -> bool {
        let meta = match ArrowReaderMetadata::load(&Ranged(src), ArrowReaderOptions::new()) {
            Ok(m) => m,
            Err(e) => {
                sink.problem(Problem::error(source, format!("invalid parquet footer: {e}")));
                return true;
            }
        };
        let md = meta.metadata();
        // The Parquet reader builds nested columns by recursion: a schema
        // nested hundreds of levels deep (a few KB of file) overflowed the
        // thread's stack and killed the process.
        let depth = md.file_metadata().schema_descr().columns().iter().map(|c| c.path().parts().len()).max();
        if let Some(depth) = depth.filter(|&d| d > MAX_DEPTH) {
            sink.problem(Problem::error(
                source,
                format!("columns nested {depth} levels deep, over the limit of {MAX_DEPTH}"),
            ));
            return true;
        }
        let groups = md.num_row_groups();
        // Row index of each row group's first row.
        let first_rows: Vec<u64> = (0..groups)
            .scan(0u64, |row, g| {
                let first = *row;
                *row += md.row_group(g).num_rows().max(0) as u64;
                Some(first)
            })
            .collect();
        let (go_on, findings, bytes) = if x.options().parallel > 1 && groups > 1 {
            scan_groups_parallel(x, scratch, src, &meta, &first_rows, source, sink)
        } else {
            let mut walk = Walk::new(Emit::new(x, scratch, source, sink));
            let go_on = (0..groups).all(|g| scan_group(&mut walk, src, &meta, g, first_rows[g]));
            (go_on, walk.emit.findings, walk.emit.bytes)
        };
        sink.scanned(Scanned {
            source: source.to_string(),
            format: "parquet".into(),
            bytes,
            findings,
            binary: false,
            container: false,
            size: None,
        });
        go_on
    }

    /// Scans `batch`, whose first row is record `first_record`, one column
    /// at a time and [`BATCH_ROWS`] rows at a time.
    pub(crate) fn scan_batch(
        x: &Extractor<'_>,
        scratch: &mut Scratch,
        batch: &arrow_array::RecordBatch,
        first_record: u64,
        source: &str,
        sink: &mut dyn Sink,
    ) -> BatchScan {
        let mut walk = Walk::new(Emit::new(x, scratch, source, sink));
        let schema = batch.schema();
        let mut more = true;
        'columns: for (field, column) in schema.fields().iter().zip(batch.columns()) {
            let name = field.name();
            let path = json_path_child("$", name);
            for from in (0..batch.num_rows()).step_by(BATCH_ROWS) {
                let part = column.slice(from, BATCH_ROWS.min(batch.num_rows() - from));
                let record = first_record + from as u64;
                let elems: Vec<Elem> =
                    (0..part.len()).map(|i| Elem { idx: i, record: record + i as u64, path: None }).collect();
                if !walk.walk(part.as_ref(), &elems, name, &path) {
                    more = false;
                    break 'columns;
                }
            }
        }
        BatchScan { findings: walk.emit.findings, bytes: walk.emit.bytes, more }
    }

    /// Scans the row groups on several threads and sends what they find in
    /// file order, a few findings per row group held at a time (see
    /// `extract::ordered`). Returns whether the sink wants more, and the
    /// findings and value bytes counted.
    fn scan_groups_parallel(
        x: &Extractor<'_>,
        scratch: &mut Scratch,
        src: &dyn RandomAccess,
        meta: &ArrowReaderMetadata,
        first_rows: &[u64],
        source: &str,
        sink: &mut dyn Sink,
    ) -> (bool, u64, u64) {
        let (mut bytes, mut more) = (0u64, true);
        // A column's unsupported type is reported once, not once per row group.
        let mut warnings = std::collections::HashSet::new();
        let groups: Vec<usize> = (0..first_rows.len()).collect();
        let outcome = run_ordered(
            x.scanner(),
            scratch,
            x.options().parallel,
            &groups,
            |&g, s, out| {
                let mut walk = Walk::new(Emit::new(x, s, source, out));
                let more = scan_group(&mut walk, src, meta, g, first_rows[g]);
                (more, walk.emit.bytes)
            },
            sink,
            |_, step, sink| match step {
                Step::Finding(_) => true,
                Step::Problem(p) => {
                    if p.severity != Severity::Warning || warnings.insert(p.reason.clone()) {
                        sink.problem(p);
                    }
                    true
                }
                Step::Done((group_more, b)) => {
                    bytes += b;
                    more = group_more;
                    more
                }
            },
        );
        (outcome.sink_wants_more && more, outcome.findings, bytes)
    }

    /// Scans row group `g`, whose first row is row `first_row` of the file,
    /// one top-level column at a time.
    fn scan_group(
        walk: &mut Walk<'_, '_>,
        src: &dyn RandomAccess,
        meta: &ArrowReaderMetadata,
        g: usize,
        first_row: u64,
    ) -> bool {
        let md = meta.metadata();
        let descr = md.file_metadata().schema_descr_ptr();
        let roots = descr.root_schema().get_fields().len();
        let max_buffer = walk.emit.x.options().limits.max_buffer;
        let source = walk.emit.source;
        let rg = md.row_group(g);
        walk.row_group = Some(g as u64);
        for root in 0..roots {
            let name = descr.root_schema().get_fields()[root].name().to_string();
            let chunks: Vec<_> = (0..descr.num_columns())
                .filter(|&i| descr.get_column_root_idx(i) == root)
                .map(|i| rg.column(i))
                .collect();
            let ranges: Vec<(u64, u64)> = chunks.iter().map(|c| c.byte_range()).collect();
            let total: u64 = ranges.iter().map(|r| r.1).sum();
            // Held in memory as read, and as decoded: a column of a few KB
            // of zstd can hold a 700 MB string.
            let decoded: u64 = chunks.iter().map(|c| c.uncompressed_size().max(0) as u64).sum();
            if total.max(decoded) > max_buffer {
                let what = if total > max_buffer { "bytes" } else { "bytes uncompressed" };
                walk.emit.sink.problem(Problem::partial(
                    source,
                    format!(
                        "row group {g}, column {name}: {} {what}, over the {max_buffer} byte buffer limit, not scanned",
                        total.max(decoded)
                    ),
                ));
                continue;
            }
            let mut parts = Vec::with_capacity(ranges.len());
            let mut failed = None;
            for (start, len) in ranges {
                let mut buf = vec![0u8; len as usize];
                if let Err(e) = src.read_at(start, &mut buf) {
                    failed = Some(e);
                    break;
                }
                parts.push((start, Bytes::from(buf)));
            }
            if let Some(e) = failed {
                walk.emit.sink.problem(Problem::partial(
                    source,
                    format!("row group {g}, column {name}: cannot read column chunk: {e}"),
                ));
                continue;
            }
            // No page may declare more than its whole chunk (see `parquet_pages`).
            let lying = chunks.iter().zip(&parts).find_map(|(c, (_, bytes))| {
                let page = parquet_pages::largest_page(bytes)?;
                (page > c.uncompressed_size()).then(|| (page, c.uncompressed_size()))
            });
            if let Some((page, chunk)) = lying {
                walk.emit.sink.problem(Problem::partial(
                    source,
                    format!(
                        "row group {g}, column {name}: a page declares {page} bytes uncompressed, more than its whole column chunk ({chunk}): not scanned"
                    ),
                ));
                continue;
            }
            parts.sort_by_key(|p| p.0);
            let chunks = Chunks { len: src.len(), parts };
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(chunks, meta.clone())
                .with_projection(ProjectionMask::roots(&descr, [root]))
                .with_row_groups(vec![g])
                .with_batch_size(BATCH_ROWS)
                .build();
            let reader = match reader {
                Ok(r) => r,
                Err(e) => {
                    walk.emit.sink.problem(Problem::partial(source, format!("row group {g}, column {name}: {e}")));
                    continue;
                }
            };
            let mut row = first_row;
            for batch in reader {
                match batch {
                    Ok(b) => {
                        let elems: Vec<Elem> =
                            (0..b.num_rows()).map(|i| Elem { idx: i, record: row + i as u64, path: None }).collect();
                        let path = json_path_child("$", &name);
                        if !walk.walk(b.column(0).as_ref(), &elems, &name, &path) {
                            return false;
                        }
                        row += b.num_rows() as u64;
                    }
                    Err(e) => {
                        walk.emit.sink.problem(Problem::partial(
                            source,
                            format!("row group {g}, column {name}: corrupt data after record {row}: {e}"),
                        ));
                        break;
                    }
                }
            }
        }
        true
    }

    /// One value of an array being walked: its index in the array, the
    /// record it belongs to, and its JSON path when it is not the column's
    /// (inside a list or map).
    #[derive(Clone, Debug)]
    struct Elem {
        idx: usize,
        record: u64,
        path: Option<Box<str>>,
    }

    /// Walks arrow arrays down to their leaves, scanning each leaf column's values in a batch.
    struct Walk<'a, 'x> {
        emit: Emit<'a, 'x>,
        contexts: Contexts,
        batch: ValueBatch,
        row_group: Option<u64>,
        /// Columns already reported as unsupported.
        warned: Vec<String>,
    }

    fn child_elems(elems: &[Elem], array: &dyn Array, field: &str) -> Vec<Elem> {
        elems
            .iter()
            .filter(|e| array.is_valid(e.idx))
            .map(|e| Elem {
                idx: e.idx,
                record: e.record,
                path: e.path.as_deref().map(|p| json_path_child(p, field).into_boxed_str()),
            })
            .collect()
    }

    impl<'a, 'x> Walk<'a, 'x> {
        fn new(emit: Emit<'a, 'x>) -> Self {
            Walk {
                emit,
                contexts: Contexts::default(),
                batch: ValueBatch::default(),
                row_group: None,
                warned: Vec::new(),
            }
        }
    }

    impl Walk<'_, '_> {
        /// Scans `elems` of `array`; `name` is the column path (keyword
        /// context), `path` the JSON path of values without their own.
        fn walk(&mut self, array: &dyn Array, elems: &[Elem], name: &str, path: &str) -> bool {
            if elems.is_empty() {
                return true;
            }
            match array.data_type() {
                DataType::Null | DataType::Boolean | DataType::Float16 => true,
                DataType::Float32 => {
                    let a = array.as_primitive::<Float32Type>();
                    self.leaf(array, elems, name, path, |h, i| write_float(h, f64::from(a.value(i))))
                }
                DataType::Float64 => {
                    let a = array.as_primitive::<Float64Type>();
                    self.leaf(array, elems, name, path, |h, i| write_float(h, a.value(i)))
                }
                DataType::Utf8 => {
                    let a = array.as_string::<i32>();
                    self.leaf(array, elems, name, path, |h, i| h.extend_from_slice(a.value(i).as_bytes()))
                }
                DataType::LargeUtf8 => {
                    let a = array.as_string::<i64>();
                    self.leaf(array, elems, name, path, |h, i| h.extend_from_slice(a.value(i).as_bytes()))
                }
                DataType::Utf8View => {
                    let a = array.as_string_view();
                    self.leaf(array, elems, name, path, |h, i| h.extend_from_slice(a.value(i).as_bytes()))
                }
                DataType::Binary => {
                    let a = array.as_binary::<i32>();
                    self.leaf(array, elems, name, path, |h, i| utf8_only(h, a.value(i)))
                }
                DataType::LargeBinary => {
                    let a = array.as_binary::<i64>();
                    self.leaf(array, elems, name, path, |h, i| utf8_only(h, a.value(i)))
                }
                DataType::BinaryView => {
                    let a = array.as_binary_view();
                    self.leaf(array, elems, name, path, |h, i| utf8_only(h, a.value(i)))
                }
                DataType::FixedSizeBinary(_) => {
                    let a = array.as_fixed_size_binary();
                    self.leaf(array, elems, name, path, |h, i| utf8_only(h, a.value(i)))
                }
                DataType::Int8 => self.ints::<Int8Type>(array, elems, name, path),
                DataType::Int16 => self.ints::<Int16Type>(array, elems, name, path),
                DataType::Int32 => self.ints::<Int32Type>(array, elems, name, path),
                DataType::Int64 => self.ints::<Int64Type>(array, elems, name, path),
                DataType::UInt8 => self.ints::<UInt8Type>(array, elems, name, path),
                DataType::UInt16 => self.ints::<UInt16Type>(array, elems, name, path),
                DataType::UInt32 => self.ints::<UInt32Type>(array, elems, name, path),
                DataType::UInt64 => self.ints::<UInt64Type>(array, elems, name, path),
                DataType::Struct(fields) => {
                    let a = array.as_struct();
                    for (f, child) in fields.iter().zip(a.columns()) {
                        let sub = child_elems(elems, array, f.name());
                        let child_name = format!("{name}.{}", f.name());
                        if !self.walk(child.as_ref(), &sub, &child_name, &json_path_child(path, f.name())) {
                            return false;
                        }
                    }
                    true
                }
                DataType::List(_) => self.list(array.as_list::<i32>(), elems, name, path),
                DataType::LargeList(_) => self.list(array.as_list::<i64>(), elems, name, path),
                DataType::FixedSizeList(_, n) => {
                    let a = array.as_fixed_size_list();
                    let n = (*n).max(0) as usize;
                    let sub = list_elems(elems, array, path, |i| (i * n, (i + 1) * n));
                    self.walk(a.values().as_ref(), &sub, name, path)
                }
                DataType::Map(..) => self.map(array, elems, name, path),
                DataType::Dictionary(_, value_type) => match arrow_cast::cast(array, value_type) {
                    Ok(plain) => self.walk(plain.as_ref(), elems, name, path),
                    Err(e) => self.unsupported(path, &e.to_string()),
                },
                _ => self.formatted(array, elems, name, path),
            }
        }

        /// Values of a leaf column, written by `write`.
        fn leaf(
            &mut self,
            array: &dyn Array,
            elems: &[Elem],
            name: &str,
            path: &str,
            write: impl Fn(&mut Vec<u8>, usize),
        ) -> bool {
            for e in elems {
                if array.is_valid(e.idx) {
                    self.batch.push_with(e.record, e.path.clone(), |h| write(h, e.idx));
                }
            }
            let ctx = self.contexts.get(self.emit.x, name);
            self.emit.flush(&mut self.batch, &ctx, path, self.row_group)
        }

        fn ints<T: ArrowPrimitiveType>(&mut self, array: &dyn Array, elems: &[Elem], name: &str, path: &str) -> bool
        where
            T::Native: std::fmt::Display,
        {
            let a = array.as_primitive::<T>();
            self.leaf(array, elems, name, path, |h, i| {
                let _ = write!(h, "{}", a.value(i));
            })
        }

        /// Any other type, written by arrow's display formatting (ISO dates and timestamps, decimals).
        fn formatted(&mut self, array: &dyn Array, elems: &[Elem], name: &str, path: &str) -> bool {
            let options = FormatOptions::default();
            match ArrayFormatter::try_new(array, &options) {
                Ok(f) => self.leaf(array, elems, name, path, |h, i| {
                    let _ = write!(h, "{}", f.value(i));
                }),
                Err(e) => self.unsupported(path, &e.to_string()),
            }
        }

        fn list<O: OffsetSizeTrait>(
            &mut self,
            a: &arrow_array::GenericListArray<O>,
            elems: &[Elem],
            name: &str,
            path: &str,
        ) -> bool {
            let offsets = a.value_offsets();
            let sub = list_elems(elems, a, path, |i| (offsets[i].as_usize(), offsets[i + 1].as_usize()));
            self.walk(a.values().as_ref(), &sub, name, path)
        }

        /// A map: keys scanned as values of the map's column, each value with
        /// its key as part of its path and keyword context.
        fn map(&mut self, array: &dyn Array, elems: &[Elem], name: &str, path: &str) -> bool {
            let a = array.as_map();
            let options = FormatOptions::default();
            let keys = match ArrayFormatter::try_new(a.keys().as_ref(), &options) {
                Ok(k) => k,
                Err(e) => return self.unsupported(path, &e.to_string()),
            };
            let offsets = a.value_offsets();
            let mut by_key: BTreeMap<String, Vec<Elem>> = BTreeMap::new();
            let mut key_elems = Vec::new();
            for e in elems {
                if !array.is_valid(e.idx) {
                    continue;
                }
                let base = e.path.as_deref().unwrap_or(path);
                for j in offsets[e.idx].max(0) as usize..offsets[e.idx + 1].max(0) as usize {
                    let key = keys.value(j).to_string();
                    let entry_path: Box<str> = json_path_child(base, &key).into();
                    key_elems.push(Elem { idx: j, record: e.record, path: Some(entry_path.clone()) });
                    by_key.entry(key).or_default().push(Elem { idx: j, record: e.record, path: Some(entry_path) });
                }
            }
            if !self.walk(a.keys().as_ref(), &key_elems, name, path) {
                return false;
            }
            for (key, sub) in by_key {
                if !self.walk(a.values().as_ref(), &sub, &format!("{name}.{key}"), path) {
                    return false;
                }
            }
            true
        }

        fn unsupported(&mut self, path: &str, why: &str) -> bool {
            if !self.warned.iter().any(|w| w == path) {
                self.warned.push(path.to_string());
                self.emit.sink.problem(Problem::warning(
                    self.emit.source,
                    format!("column {path} not scanned: unsupported type ({why})"),
                ));
            }
            true
        }
    }

    /// The elements of the lists at `elems`, with indexed paths; `range(i)` gives list `i`'s child range.
    fn list_elems(elems: &[Elem], array: &dyn Array, path: &str, range: impl Fn(usize) -> (usize, usize)) -> Vec<Elem> {
        let mut sub = Vec::new();
        for e in elems {
            if !array.is_valid(e.idx) {
                continue;
            }
            let base = e.path.as_deref().unwrap_or(path);
            let (start, end) = range(e.idx);
            for (k, j) in (start..end).enumerate() {
                sub.push(Elem { idx: j, record: e.record, path: Some(format!("{base}[{k}]").into_boxed_str()) });
            }
        }
        sub
    }

    /// Writes `v` if it is UTF-8 text.
    fn utf8_only(h: &mut Vec<u8>, v: &[u8]) {
        if std::str::from_utf8(v).is_ok() {
            h.extend_from_slice(v);
        }
    }
}

#[cfg(all(test, feature = "parquet"))]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{MapBuilder, StringBuilder};
    use arrow_array::{
        ArrayRef, Date32Array, Decimal128Array, DictionaryArray, Int64Array, RecordBatch, StringArray,
        TimestampMillisecondArray, types::Int32Type,
    };
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    use super::BATCH_ROWS;
    use crate::extract::{Data, Extractor, Options};
    use crate::report::{Collect, Finding, Location, Severity, Sink};

    fn write(batch: &RecordBatch, rows_per_group: usize) -> Vec<u8> {
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(rows_per_group)).build();
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).expect("writer");
        w.write(batch).expect("write");
        w.close().expect("close");
        out
    }

    fn scan(bytes: &[u8], name: &str) -> Collect {
        scan_with(bytes, name, 0)
    }

    /// Scans with `parallel` threads for the row groups (0 or 1: one).
    fn scan_with(bytes: &[u8], name: &str, parallel: usize) -> Collect {
        let scanner = crate::testutil::builtin();
        let opts = Options { parallel, ..Options::default() };
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let mut out = Collect::default();
        x.scan(&mut scratch, Data::Bytes(bytes), name, &mut out);
        out
    }

    fn places(out: &Collect) -> Vec<(Option<u64>, u64, String, String)> {
        let mut v: Vec<_> = out
            .findings
            .iter()
            .map(|f| match &f.location {
                Location::Record(r) => (r.row_group, r.record, r.json_path.clone(), f.data_type.to_string()),
                other => panic!("{other:?}"),
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn maps_dictionaries_decimals_and_timestamps() {
        let mut map = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
        map.keys().append_value("ssn");
        map.values().append_value("512483921");
        map.keys().append_value("note");
        map.values().append_value("none");
        map.append(true).expect("map row 0");
        map.keys().append_value("jane.doe@example.com");
        map.values().append_value("x");
        map.append(true).expect("map row 1");
        map.append(false).expect("map row 2");
        let attrs: ArrayRef = Arc::new(map.finish());
        let dict: DictionaryArray<Int32Type> = vec!["a", "mail bob@example.net", "a"].into_iter().collect();
        let tax_id: ArrayRef = Arc::new(
            Decimal128Array::from(vec![Some(0), Some(409_227_781), None])
                .with_precision_and_scale(12, 0)
                .expect("decimal"),
        );
        let birth = TimestampMillisecondArray::from(vec![Some(479_606_400_000), None, None]);
        let batch = RecordBatch::try_from_iter([
            ("attrs", attrs),
            ("status", Arc::new(dict) as ArrayRef),
            ("customer_ssn_dec", tax_id),
            ("birth_ts", Arc::new(birth) as ArrayRef),
            ("dob", Arc::new(Date32Array::from(vec![None, None, Some(5_551)])) as ArrayRef),
        ])
        .expect("batch");
        let out = scan(&write(&batch, 2), "t.parquet");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let g = |g: u64, r: u64, p: &str, t: &str| (Some(g), r, p.to_string(), t.to_string());
        assert_eq!(
            places(&out),
            [
                g(0, 0, "$.attrs.ssn", "USA_SOCIAL_SECURITY_NUMBER"),
                g(0, 0, "$.birth_ts", "DATE_OF_BIRTH"),
                g(0, 1, "$.attrs['j*******@example.com']", "EMAIL_ADDRESS"),
                g(0, 1, "$.customer_ssn_dec", "USA_SOCIAL_SECURITY_NUMBER"),
                g(0, 1, "$.status", "EMAIL_ADDRESS"),
                g(1, 2, "$.dob", "DATE_OF_BIRTH"),
            ]
        );
        let s = out.scanned.last().expect("scanned");
        assert_eq!((s.format.as_str(), s.findings, s.container), ("parquet", 6, false));
    }

    #[test]
    fn record_batches_in_memory() {
        use arrow_array::StructArray;
        use arrow_schema::{DataType, Field};
        // More rows than one walk step, a nested struct, a map keyed by e-mail addresses.
        let rows = BATCH_ROWS + 10;
        let ssn: Vec<Option<i64>> = (0..rows).map(|i| (i % 5000 == 4999).then_some(219_445_178)).collect();
        let emails: Vec<Option<&str>> =
            (0..rows).map(|i| (i == BATCH_ROWS + 3).then_some("mail jane.doe@corp.example")).collect();
        let contact = StructArray::from(vec![(
            Arc::new(Field::new("note", DataType::Utf8, true)),
            Arc::new(StringArray::from(emails)) as ArrayRef,
        )]);
        let mut map = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
        for i in 0..rows {
            if i == 7 {
                map.keys().append_value("bob@example.net");
                map.values().append_value("x");
            }
            map.append(true).expect("map row");
        }
        let batch = RecordBatch::try_from_iter([
            ("ssn", Arc::new(Int64Array::from(ssn)) as ArrayRef),
            ("contact", Arc::new(contact) as ArrayRef),
            ("attrs", Arc::new(map.finish()) as ArrayRef),
        ])
        .expect("batch");
        let scanner = crate::testutil::builtin();
        let opts = Options::default();
        let x = Extractor::new(scanner, &opts);
        let mut out = Collect::default();
        let done = x.scan_record_batch(&mut scanner.scratch(), &batch, 100, "batch", &mut out);
        let g = |r: u64, p: &str, t: &str| (None, r, p.to_string(), t.to_string());
        assert_eq!(
            places(&out),
            [
                g(107, "$.attrs['b**@example.net']", "EMAIL_ADDRESS"),
                g(5099, "$.ssn", "USA_SOCIAL_SECURITY_NUMBER"),
                g(100 + BATCH_ROWS as u64 + 3, "$.contact.note", "EMAIL_ADDRESS"),
            ]
        );
        assert_eq!((done.findings, done.more), (3, true));
        assert!(done.bytes > 0);
        assert!(out.problems.is_empty() && out.scanned.is_empty(), "{:?} {:?}", out.problems, out.scanned);

        /// Wants no more after its first finding.
        struct First(Vec<Finding>);
        impl Sink for First {
            fn finding(&mut self, f: Finding) -> bool {
                self.0.push(f);
                false
            }
        }
        let mut first = First(Vec::new());
        let done = x.scan_record_batch(&mut scanner.scratch(), &batch, 0, "batch", &mut first);
        assert_eq!((first.0.len(), done.findings, done.more), (1, 1, false));
    }

    #[test]
    fn corrupt_footer_is_a_clear_error() {
        let batch = RecordBatch::try_from_iter([(
            "email",
            Arc::new(StringArray::from(vec!["jane.doe@example.com"])) as ArrayRef,
        )])
        .expect("batch");
        let mut bytes = write(&batch, 10);
        let n = bytes.len();
        bytes[n - 8..n - 4].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0x7F]);
        let out = scan(&bytes, "bad.parquet");
        assert!(out.findings.is_empty());
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].severity, Severity::Error);
        assert!(out.problems[0].reason.starts_with("invalid parquet footer: "), "{}", out.problems[0].reason);
    }

    #[test]
    fn integers_are_scanned_as_decimal_text() {
        let batch = RecordBatch::try_from_iter([
            ("ssn", Arc::new(Int64Array::from(vec![Some(512_483_921), None, Some(7)])) as ArrayRef),
            ("payment_card", Arc::new(Int64Array::from(vec![None, Some(4_532_015_112_830_366), None])) as ArrayRef),
        ])
        .expect("batch");
        let out = scan(&write(&batch, 100), "ints.parquet");
        let g = |r: u64, p: &str, t: &str| (Some(0), r, p.to_string(), t.to_string());
        assert_eq!(
            places(&out),
            [g(0, "$.ssn", "USA_SOCIAL_SECURITY_NUMBER"), g(1, "$.payment_card", "CREDIT_CARD_NUMBER")]
        );
    }

    #[test]
    fn row_groups_on_several_threads_find_what_one_thread_finds() {
        let n = 2_000;
        let ssn: Vec<Option<String>> =
            (0..n).map(|i| (i % 7 == 0).then(|| format!("536-22-{:04}", 4100 + i % 80))).collect();
        let mail: Vec<String> =
            (0..n).map(|i| if i % 5 == 0 { format!("a{i}@example.com") } else { "n/a".into() }).collect();
        let card: Vec<i64> = (0..n).map(|i| if i % 11 == 0 { 4_532_015_112_830_366 } else { i }).collect();
        let batch = RecordBatch::try_from_iter([
            ("customer_ssn", Arc::new(StringArray::from(ssn)) as ArrayRef),
            ("contact", Arc::new(StringArray::from(mail)) as ArrayRef),
            ("card_number", Arc::new(Int64Array::from(card)) as ArrayRef),
        ])
        .expect("batch");
        let bytes = write(&batch, 150);
        let one = scan_with(&bytes, "t.parquet", 1);
        assert!(one.findings.len() > 800, "{}", one.findings.len());
        assert!(one.findings.iter().any(|f| matches!(&f.location, Location::Record(r) if r.row_group == Some(13))));
        for threads in [2, 3, 8] {
            let many = scan_with(&bytes, "t.parquet", threads);
            assert_eq!(many.findings, one.findings, "{threads} threads");
            assert_eq!(many.problems, one.problems, "{threads} threads");
            assert_eq!(many.scanned, one.scanned, "{threads} threads");
        }
    }

    #[test]
    fn deep_nesting_and_large_decoded_columns_are_reported_not_fatal() {
        use arrow_array::StructArray;
        use arrow_schema::Field;
        // A struct nested 105 levels: over the limit (the reader recurses per level).
        let mut array: ArrayRef = Arc::new(StringArray::from(vec!["219-44-5178"]));
        for level in 0..105 {
            let field = Arc::new(Field::new(format!("l{level}"), array.data_type().clone(), true));
            array = Arc::new(StructArray::from(vec![(field, array)]));
        }
        let deep = RecordBatch::try_from_iter([("deep", array)]).unwrap();
        // The writer recurses per level too: it gets a stack of its own.
        let bytes = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || {
                // Without the Arrow schema in the metadata, whose reader has a depth limit of its own.
                let opts = parquet::arrow::arrow_writer::ArrowWriterOptions::new().with_skip_arrow_metadata(true);
                let mut out = Vec::new();
                let mut w = ArrowWriter::try_new_with_options(&mut out, deep.schema(), opts).expect("writer");
                w.write(&deep).expect("write");
                w.close().expect("close");
                out
            })
            .unwrap()
            .join()
            .unwrap();
        let out = scan(&bytes, "deep.parquet");
        assert!(out.findings.is_empty());
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(out.problems[0].reason.contains("nested 106 levels deep"), "{}", out.problems[0].reason);
        // A column that compresses well: small on disk, large decoded.
        let note = format!("{} ssn: 219-44-5178", "x".repeat(200_000));
        let batch =
            RecordBatch::try_from_iter([("note", Arc::new(StringArray::from(vec![note])) as ArrayRef)]).unwrap();
        let props =
            WriterProperties::builder().set_compression(parquet::basic::Compression::ZSTD(Default::default())).build();
        let mut bytes = Vec::new();
        let mut w = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
        assert!(bytes.len() < 50_000, "{}", bytes.len());
        let scanner = crate::testutil::builtin();
        let mut opts = Options::default();
        opts.limits.max_buffer = 100_000;
        let x = Extractor::new(scanner, &opts);
        let mut out = Collect::default();
        x.scan(&mut scanner.scratch(), Data::Bytes(&bytes), "big.parquet", &mut out);
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].severity, Severity::Partial);
        assert!(
            out.problems[0].reason.contains("bytes uncompressed, over the 100000 byte buffer limit"),
            "{}",
            out.problems[0].reason
        );
        // Within the limit, the value is found.
        assert_eq!(scan(&bytes, "big.parquet").findings.len(), 1);
    }
}
