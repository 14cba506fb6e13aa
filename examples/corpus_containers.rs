//! Writes the container and dataset copies of the accuracy corpus:
//! compressed, archived and Parquet versions of a few corpus CSV and JSONL
//! files under `corpus/datasets/`, with their labels appended to
//! `corpus/ground-truth.jsonl`.
//!
//! Run after `python3 tools/gen_corpus.py` (which wipes `corpus/`):
//!
//! ```text
//! cargo run --example corpus_containers --no-default-features --features parquet
//! ```
//!
//! The output is deterministic (fixed timestamps, fixed compression levels)
//! and the run is idempotent: it first removes its previous files, labels
//! and README section. Labels of compressed and archived copies are the
//! source file's labels with the file renamed (`datasets/x.csv.gz`,
//! `datasets/x.zip!inner.csv`): byte offsets are offsets in the decompressed
//! member. Labels of a Parquet copy carry `record` (the row index) and
//! `json_path` (`$.<column>`) and no byte offsets; those of a workbook copy
//! the sheet's `row`, the `column` name and the `cell_reference`.

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use serde_json::Value;

/// Where the copies go, relative to `corpus/`.
const OUT_DIR: &str = "datasets";

/// Rows per Parquet row group: small, so that the copies span several.
const ROWS_PER_GROUP: usize = 16;

const README_BEGIN: &str = "<!-- corpus_containers: begin -->";
const README_END: &str = "<!-- corpus_containers: end -->";

/// A copy to write: its name under `datasets/` and its members (name inside
/// the container, corpus file it is copied from).
struct Copy {
    name: &'static str,
    kind: Kind,
    members: &'static [(&'static str, &'static str)],
}

#[derive(Clone, Copy)]
enum Kind {
    Gzip,
    Zstd,
    Zip,
    TarGz,
    Parquet,
    /// A spreadsheet workbook: each member is a sheet (named by the member)
    /// holding a CSV file's table, the second and later below a title row
    /// and a blank row.
    Xlsx,
}

const COPIES: &[Copy] = &[
    Copy { name: "customers_us_1.csv.gz", kind: Kind::Gzip, members: &[("", "exports/crm/customers_us_1.csv")] },
    Copy { name: "contacts-export.jsonl.zst", kind: Kind::Zstd, members: &[("", "data/crm/contacts-export.jsonl")] },
    Copy {
        name: "exports.zip",
        kind: Kind::Zip,
        members: &[
            ("billing/payments_1.csv", "exports/billing/payments_1.csv"),
            ("events/auth-events-1.jsonl", "data/events/auth-events-1.jsonl"),
        ],
    },
    Copy {
        name: "hr.tar.gz",
        kind: Kind::TarGz,
        members: &[
            ("hr/uk_staff_export.csv", "exports/hr/uk_staff_export.csv"),
            ("hr/ca_employees.csv", "exports/hr/ca_employees.csv"),
        ],
    },
    Copy { name: "filers_2023.parquet", kind: Kind::Parquet, members: &[("", "exports/tax/filers_2023.csv")] },
    Copy { name: "customers_us_2.parquet", kind: Kind::Parquet, members: &[("", "exports/crm/customers_us_2.csv")] },
    Copy {
        name: "people.xlsx",
        kind: Kind::Xlsx,
        members: &[("Customers", "exports/crm/customers_us_3.csv"), ("Mitarbeiter", "exports/hr/de_mitarbeiter.csv")],
    },
];

/// Rows above the table of a workbook's second and later sheets: a title and a blank row.
const TITLE_ROWS: u32 = 2;

fn main() -> Result<()> {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let truth_path = corpus.join("ground-truth.jsonl");
    let truth_text = fs::read_to_string(&truth_path).context("reading corpus/ground-truth.jsonl")?;
    let prefix = format!("{OUT_DIR}/");
    let mut kept = Vec::new();
    let mut truth: Vec<Value> = Vec::new();
    for line in truth_text.lines() {
        let v: Value = serde_json::from_str(line).with_context(|| format!("bad truth line: {line}"))?;
        if v["file"].as_str().is_some_and(|f| f.starts_with(&prefix)) {
            continue;
        }
        kept.push(line.to_string());
        truth.push(v);
    }
    let out = corpus.join(OUT_DIR);
    if out.exists() {
        fs::remove_dir_all(&out).context("removing the previous corpus/datasets")?;
    }
    fs::create_dir_all(&out)?;

    let mut added = Vec::new();
    let mut summary = Vec::new();
    for copy in COPIES {
        let bytes = match copy.kind {
            Kind::Gzip => gzip(&read(&corpus, copy.members[0].1)?)?,
            Kind::Zstd => zstd::encode_all(&read(&corpus, copy.members[0].1)?[..], 19)?,
            Kind::Zip => zip_of(&corpus, copy.members)?,
            Kind::TarGz => gzip(&tar_of(&corpus, copy.members)?)?,
            Kind::Parquet => parquet_of(&read(&corpus, copy.members[0].1)?)?,
            Kind::Xlsx => xlsx_of(&corpus, copy.members)?,
        };
        fs::write(out.join(copy.name), &bytes)?;
        let mut labels = 0;
        for (i, (member, from)) in copy.members.iter().enumerate() {
            let file = if member.is_empty() || matches!(copy.kind, Kind::Xlsx) {
                format!("{OUT_DIR}/{}", copy.name)
            } else {
                format!("{OUT_DIR}/{}!{member}", copy.name)
            };
            for t in truth.iter().filter(|t| t["file"] == *from) {
                added.push(match copy.kind {
                    Kind::Parquet => parquet_label(t, &file)?,
                    Kind::Xlsx => {
                        let headers = table(&read(&corpus, from)?)?.0;
                        xlsx_label(t, &file, member, if i == 0 { 0 } else { TITLE_ROWS }, &headers)?
                    }
                    _ => renamed_label(t, &file),
                });
                labels += 1;
            }
        }
        summary.push(format!(
            "- `{OUT_DIR}/{}` ({} bytes, {labels} labels): {}",
            copy.name,
            bytes.len(),
            copy.members
                .iter()
                .map(|(m, f)| if m.is_empty() { format!("`{f}`") } else { format!("`{f}` as `{m}`") })
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut text = kept.join("\n");
    text.push('\n');
    for line in &added {
        text.push_str(line);
        text.push('\n');
    }
    fs::write(&truth_path, text)?;
    update_readme(&corpus.join("README.md"), &summary)?;
    println!("wrote {} files to corpus/{OUT_DIR}/ and {} labels", COPIES.len(), added.len());
    Ok(())
}

fn read(corpus: &Path, rel: &str) -> Result<Vec<u8>> {
    fs::read(corpus.join(rel)).with_context(|| format!("reading corpus/{rel}"))
}

fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut e = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    e.write_all(data)?;
    Ok(e.finish()?)
}

fn zip_of(corpus: &Path, members: &[(&str, &str)]) -> Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, from) in members {
        w.start_file(*name, opts)?;
        w.write_all(&read(corpus, from)?)?;
    }
    Ok(w.finish()?.into_inner())
}

fn tar_of(corpus: &Path, members: &[(&str, &str)]) -> Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, from) in members {
        let data = read(corpus, from)?;
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        b.append_data(&mut h, name, &data[..])?;
    }
    Ok(b.into_inner()?)
}

/// A CSV file's header and rows; `;` is its delimiter when its first line
/// has one and no `,`.
fn table(csv_bytes: &[u8]) -> Result<(Vec<String>, Vec<csv::StringRecord>)> {
    let first = csv_bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = if first.contains(&b';') && !first.contains(&b',') { b';' } else { b',' };
    let mut r = csv::ReaderBuilder::new().has_headers(true).delimiter(delimiter).from_reader(csv_bytes);
    let headers: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    Ok((headers, r.records().collect::<Result<_, _>>()?))
}

/// Whether a column's non-empty cells (at least one) are all integers
/// written plainly: digits with no leading zero, fitting an i64.
fn integral(cells: &[Option<&str>]) -> bool {
    cells.iter().flatten().count() > 0
        && cells.iter().flatten().all(|v| {
            v.bytes().all(|b| b.is_ascii_digit()) && (v.len() == 1 || !v.starts_with('0')) && v.parse::<i64>().is_ok()
        })
}

/// A workbook of CSV files' tables (see [`Kind::Xlsx`]): integral columns
/// as numbers, every other cell as text; empty cells left empty.
fn xlsx_of(corpus: &Path, members: &[(&str, &str)]) -> Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (i, (sheet_name, from)) in members.iter().enumerate() {
        let (headers, rows) = table(&read(corpus, from)?)?;
        let sheet = book.add_worksheet();
        sheet.set_name(*sheet_name)?;
        let top = if i == 0 { 0 } else { TITLE_ROWS };
        if top > 0 {
            sheet.write_string(0, 0, format!("{sheet_name} export"))?;
        }
        for (c, name) in headers.iter().enumerate() {
            let cells: Vec<Option<&str>> = rows.iter().map(|row| row.get(c).filter(|v| !v.is_empty())).collect();
            let numbers = integral(&cells);
            let col = u16::try_from(c)?;
            sheet.write_string(top, col, name)?;
            for (r, cell) in cells.iter().enumerate() {
                let row = top + 1 + u32::try_from(r)?;
                match cell {
                    Some(v) if numbers => sheet.write_number(row, col, v.parse::<f64>()?)?,
                    Some(v) => sheet.write_string(row, col, *v)?,
                    None => continue,
                };
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

/// The label of a CSV cell's value in a workbook copy: the sheet's row and
/// column, and the cell's reference.
fn xlsx_label(t: &Value, file: &str, sheet: &str, top: u32, headers: &[String]) -> Result<String> {
    let (Some(row), Some(column)) = (t["row"].as_u64(), t["column"].as_str()) else {
        bail!("CSV label without row and column: {t}");
    };
    let Some(index) = headers.iter().position(|h| h == column) else { bail!("no column {column}: {t}") };
    let row = row + u64::from(top);
    let letters = u8::try_from(index).ok().filter(|&i| i < 26).map(|i| char::from(b'A' + i));
    let Some(letter) = letters else { bail!("column {column} past Z: {t}") };
    Ok(json_line(&[
        ("file", Value::from(file)),
        ("type", t["type"].clone()),
        ("row", Value::from(row)),
        ("column", Value::from(column)),
        ("cell_reference", Value::from(format!("{sheet}!{letter}{row}"))),
    ]))
}

/// A Parquet copy of a CSV file: a column whose values are all digits (no
/// leading zero, fitting an i64) becomes an integer column, every other a
/// string column; empty cells are nulls.
fn parquet_of(csv_bytes: &[u8]) -> Result<Vec<u8>> {
    let (headers, rows) = table(csv_bytes)?;
    let mut columns: Vec<(String, ArrayRef)> = Vec::new();
    for (c, name) in headers.iter().enumerate() {
        let cells: Vec<Option<&str>> = rows.iter().map(|row| row.get(c).filter(|v| !v.is_empty())).collect();
        let array: ArrayRef = if integral(&cells) {
            Arc::new(Int64Array::from(
                cells.iter().map(|v| v.map(|v| v.parse::<i64>().expect("checked"))).collect::<Vec<_>>(),
            ))
        } else {
            Arc::new(StringArray::from(cells))
        };
        columns.push((name.clone(), array));
    }
    let batch = RecordBatch::try_from_iter(columns)?;
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(ROWS_PER_GROUP))
        .set_created_by("trawl corpus_containers".into())
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props))?;
    w.write(&batch)?;
    w.close()?;
    Ok(out)
}

/// `t` with its file renamed; other fields kept, in the generator's order and style.
fn renamed_label(t: &Value, file: &str) -> String {
    let mut fields = vec![("file", Value::from(file))];
    for key in ["type", "line", "byte_start", "byte_end", "row", "column", "record", "json_path"] {
        if let Some(v) = t.get(key) {
            fields.push((key, v.clone()));
        }
    }
    json_line(&fields)
}

/// The label of a CSV cell's value in the Parquet copy: the row becomes a 0-based record.
fn parquet_label(t: &Value, file: &str) -> Result<String> {
    let (Some(row), Some(column)) = (t["row"].as_u64(), t["column"].as_str()) else {
        bail!("CSV label without row and column: {t}");
    };
    if row < 2 {
        bail!("a label in a CSV header: {t}");
    }
    Ok(json_line(&[
        ("file", Value::from(file)),
        ("type", t["type"].clone()),
        ("record", Value::from(row - 2)),
        ("json_path", Value::from(format!("$.{column}"))),
    ]))
}

/// `{"k": v, ...}` with Python's `json.dumps` separators, as the corpus generator writes.
fn json_line(fields: &[(&str, Value)]) -> String {
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{}: {}", Value::from(*k), v)).collect();
    format!("{{{}}}", parts.join(", "))
}

fn update_readme(path: &Path, summary: &[String]) -> Result<()> {
    let readme = fs::read_to_string(path).context("reading corpus/README.md")?;
    let base = match (readme.find(README_BEGIN), readme.find(README_END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{}", &readme[..b], readme[e + README_END.len()..].trim_start_matches('\n'))
        }
        _ => readme,
    };
    let section = format!(
        "{README_BEGIN}\n## Containers and datasets (`{OUT_DIR}/`)\n\n\
         Written by `cargo run --example corpus_containers --no-default-features --features parquet` after the\n\
         generator above (which wipes them): compressed, archived and Parquet copies of corpus files, labeled\n\
         in `ground-truth.jsonl` like their sources. Compressed and archived copies keep the source's labels\n\
         with the file renamed (`{OUT_DIR}/x.csv.gz`, `{OUT_DIR}/x.zip!inner.csv`; byte offsets are offsets in\n\
         the decompressed member). Parquet copies label `record` (the 0-based row) and `json_path`\n\
         (`$.<column>`) without byte offsets; a CSV column whose values are all digits (no leading zero)\n\
         is an integer column there. A workbook copy holds one CSV file per sheet (the second below a\n\
         title row and a blank row) and labels the sheet's `row`, the `column` name and the\n\
         `cell_reference`; integer columns are numbers there. The run is deterministic and replaces\n\
         its previous files and labels.\n\n\
         {}\n{README_END}\n",
        summary.join("\n")
    );
    let mut text = base.trim_end().to_string();
    text.push_str("\n\n");
    text.push_str(&section);
    fs::write(path, text)?;
    Ok(())
}
