//! Writes a large Parquet file of synthetic customer rows, for measuring
//! trawl's memory and speed on datasets (the data is not committed).
//!
//! ```text
//! cargo run --release --example gen_parquet --no-default-features --features parquet -- /tmp/big.parquet 10000000
//! /usr/bin/time -v target/release/trawl scan -q /tmp/big.parquet
//! ```
//!
//! Every 1000th row holds a valid SSN (as an integer), an email and a card
//! number in a nested list, so the expected finding count is known:
//! three per 1000 rows.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// Rows written per batch.
const CHUNK: usize = 100_000;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "big.parquet".into());
    let rows: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(10_000_000);
    let file = std::fs::File::create(&path)?;
    let props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?)).build();
    let mut writer: Option<ArrowWriter<std::fs::File>> = None;
    let mut file = Some(file);
    let mut start = 0;
    while start < rows {
        let n = CHUNK.min(rows - start);
        let batch = chunk(start, n)?;
        let w = match &mut writer {
            Some(w) => w,
            None => {
                writer.insert(ArrowWriter::try_new(file.take().expect("once"), batch.schema(), Some(props.clone()))?)
            }
        };
        w.write(&batch)?;
        start += n;
    }
    if let Some(w) = writer {
        w.close()?;
    }
    println!("wrote {rows} rows to {path}; expect {} findings", rows.div_ceil(1000) * 3);
    Ok(())
}

/// Rows `start..start + n`: ids, names, emails, SSNs, amounts, notes and a list of card numbers.
fn chunk(start: usize, n: usize) -> anyhow::Result<RecordBatch> {
    let planted = |i: usize| i.is_multiple_of(1000);
    let ids = Int64Array::from_iter_values((start..start + n).map(|i| i as i64));
    let names = StringArray::from_iter_values((start..start + n).map(|i| format!("Customer {i}")));
    let emails = StringArray::from_iter_values(
        (start..start + n)
            .map(|i| if planted(i) { format!("user{i}@example.com") } else { format!("user{i} at example") }),
    );
    // 512-48-3921 is a valid synthetic SSN; other rows get short numbers.
    let ssns = Int64Array::from_iter_values(
        (start..start + n).map(|i| if planted(i) { 512_483_921 } else { (i % 97) as i64 }),
    );
    let amounts = Float64Array::from_iter_values((start..start + n).map(|i| (i % 10_000) as f64 / 7.0));
    let notes = StringArray::from_iter_values((start..start + n).map(|i| format!("order {} shipped on time", i * 7)));
    let mut cards = ListBuilder::new(StringBuilder::new());
    for i in start..start + n {
        cards.values().append_value("none");
        if planted(i) {
            cards.values().append_value("4532 0151 1283 0366");
        }
        cards.append(true);
    }
    Ok(RecordBatch::try_from_iter([
        ("id", Arc::new(ids) as ArrayRef),
        ("name", Arc::new(names) as ArrayRef),
        ("email", Arc::new(emails) as ArrayRef),
        ("ssn", Arc::new(ssns) as ArrayRef),
        ("amount", Arc::new(amounts) as ArrayRef),
        ("notes", Arc::new(notes) as ArrayRef),
        ("card", Arc::new(cards.finish()) as ArrayRef),
    ])?)
}
