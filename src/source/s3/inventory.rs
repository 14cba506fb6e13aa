//! `--inventory`: object keys from an S3 Inventory report instead of
//! listing. The manifest (`manifest.json`, local or `s3://`) names data files
//! in the destination bucket: gzip CSV (columns in the order of
//! `fileSchema`, keys URL-encoded) or Parquet (columns by name; needs the
//! `parquet` feature). ORC is not read.
//!
//! Data files are parsed on a blocking thread, row by row, into the sweep's
//! bounded channel: an inventory of any size streams through. Each data file
//! is held in memory compressed while it is read.

use std::io::Read;
use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::AggregatedBytes;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::source::s3::client::Clients;
use crate::source::s3::filter::parse_time;
use crate::source::s3::list::{ObjectInfo, normalize_etag};
use crate::source::s3::uri::{Place, S3Uri};
use crate::source::s3::{retry, store};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    #[serde(default)]
    source_bucket: Option<String>,
    #[serde(default)]
    destination_bucket: Option<String>,
    file_format: String,
    #[serde(default)]
    file_schema: String,
    files: Vec<DataFile>,
}

#[derive(Debug, Deserialize)]
struct DataFile {
    key: String,
}

/// The bucket name of `arn:aws:s3:::name` (or a plain name).
fn bucket_of(arn: &str) -> &str {
    arn.strip_prefix("arn:aws:s3:::").or_else(|| arn.rsplit(":::").next()).unwrap_or(arn)
}

/// The columns some criteria need and an inventory may lack: the flag that
/// needs each (`--max-size`...), if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Needs {
    /// The flag that needs the `Size` column.
    pub(crate) size: Option<&'static str>,
    /// The flag that needs the `LastModifiedDate` column.
    pub(crate) modified: Option<&'static str>,
}

impl Needs {
    /// Fails when the inventory lacks a column a flag needs; `has` tells
    /// whether it has a column (by its fileSchema name), `schema` is shown.
    fn check(&self, has: impl Fn(&str) -> bool, schema: &str) -> Result<(), String> {
        for (flag, column) in [(self.size, "Size"), (self.modified, "LastModifiedDate")] {
            if let Some(flag) = flag
                && !has(column)
            {
                return Err(format!(
                    "{flag} needs the inventory's {column} column, which it lacks ({schema}): \
                     add {column} to the inventory's fields, or leave {flag} out"
                ));
            }
        }
        Ok(())
    }
}

/// An inventory whose manifest has been read.
pub(crate) struct Inventory {
    manifest: Manifest,
    place: Place,
    format: DataFormat,
    /// Where its data files are, when not beside a local manifest.
    dest: Option<String>,
}

/// Reads and checks the manifest at `place`.
///
/// # Errors
/// The manifest cannot be read or parsed, its format is not supported, or
/// (CSV) it lacks a column that a criterion needs.
pub(crate) async fn open(clients: &Clients, place: &Place, needs: Needs) -> Result<Inventory, String> {
    let bytes = store::read(clients, place)
        .await
        .map_err(|e| format!("cannot read inventory manifest: {e}"))?
        .ok_or_else(|| "inventory manifest not found".to_string())?;
    let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| format!("invalid inventory manifest: {e}"))?;
    let format = match m.file_format.to_ascii_lowercase().as_str() {
        "csv" => {
            let cols = csv_columns(&m.file_schema)?;
            let has = |c: &str| match c {
                "Size" => cols.size.is_some(),
                _ => cols.last_modified.is_some(),
            };
            needs.check(has, &format!("fileSchema {:?}", m.file_schema))?;
            DataFormat::Csv(cols)
        }
        "parquet" => DataFormat::Parquet(needs),
        other => return Err(format!("inventory format {other:?} is not supported (CSV and Parquet are)")),
    };
    let dest = match (&m.destination_bucket, place) {
        (Some(d), _) => Some(bucket_of(d).to_string()),
        (None, Place::S3(u)) => Some(u.bucket.clone()),
        (None, Place::Local(_)) => None,
    };
    Ok(Inventory { manifest: m, place: place.clone(), format, dest })
}

impl Inventory {
    /// The bucket the inventory lists (its manifest's `sourceBucket`), when it says.
    pub(crate) fn bucket(&self) -> Option<&str> {
        self.manifest.source_bucket.as_deref().filter(|b| !b.is_empty())
    }

    /// Reads the inventory's rows into `tx`; returns the number of objects sent.
    ///
    /// # Errors
    /// A data file cannot be read or parsed: the reason.
    pub(crate) async fn read(&self, clients: &Clients, tx: mpsc::Sender<ObjectInfo>) -> Result<u64, String> {
        let source_bucket = self.bucket().unwrap_or_default().to_string();
        let mut sent = 0;
        for f in &self.manifest.files {
            let data = fetch_data(clients, &self.place, self.dest.as_deref(), &f.key).await?;
            let fmt = self.format.clone();
            let tx = tx.clone();
            let sb = source_bucket.clone();
            let name = f.key.clone();
            let n = tokio::task::spawn_blocking(move || parse(data, &fmt, &sb, &tx))
                .await
                .map_err(|e| format!("inventory reader failed: {e}"))?
                .map_err(|e| format!("inventory data file {name}: {e}"))?;
            sent += n;
        }
        Ok(sent)
    }
}

/// A data file: a local file, or the body of a GET.
enum Data {
    File(std::fs::File),
    Remote(AggregatedBytes),
}

/// Finds a data file: next to a local manifest when it is there, else in the destination bucket.
async fn fetch_data(clients: &Clients, manifest: &Place, dest: Option<&str>, key: &str) -> Result<Data, String> {
    if let Place::Local(m) = manifest {
        let dir = m.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let base = key.rsplit('/').next().unwrap_or(key);
        for p in [dir.join(key), dir.join(base)] {
            if p.is_file() {
                return std::fs::File::open(&p)
                    .map(Data::File)
                    .map_err(|e| format!("{}: {}", p.display(), crate::source::fs::describe_io(&e)));
            }
        }
    }
    let Some(bucket) = dest else {
        return Err(format!("inventory data file {key} not found next to the manifest, and no destination bucket"));
    };
    let uri = S3Uri::object(bucket, key);
    let client = clients.for_bucket(bucket).await;
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| format!("cannot read inventory data file {uri}: {}", retry::describe(&e)))?;
    let body = out.body.collect().await.map_err(|e| format!("cannot read inventory data file {uri}: {e}"))?;
    Ok(Data::Remote(body))
}

/// Column positions of a CSV inventory, from `fileSchema`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Columns {
    bucket: Option<usize>,
    key: usize,
    size: Option<usize>,
    last_modified: Option<usize>,
    etag: Option<usize>,
    storage_class: Option<usize>,
    is_latest: Option<usize>,
    is_delete_marker: Option<usize>,
}

#[derive(Clone, Debug)]
enum DataFormat {
    Csv(Columns),
    /// Columns by name, checked per data file against what the criteria need.
    Parquet(Needs),
}

fn csv_columns(schema: &str) -> Result<Columns, String> {
    let names: Vec<String> = schema.split(',').map(|s| s.trim().to_ascii_lowercase()).collect();
    let find = |n: &str| names.iter().position(|c| c == n);
    let key = find("key").ok_or_else(|| format!("inventory fileSchema {schema:?} has no Key column"))?;
    Ok(Columns {
        bucket: find("bucket"),
        key,
        size: find("size"),
        last_modified: find("lastmodifieddate"),
        etag: find("etag"),
        storage_class: find("storageclass"),
        is_latest: find("islatest"),
        is_delete_marker: find("isdeletemarker"),
    })
}

/// Decodes a URL-encoded key (`%2F`, and `+` for a space, as inventory CSV writes them).
fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse(data: Data, fmt: &DataFormat, source_bucket: &str, tx: &mpsc::Sender<ObjectInfo>) -> Result<u64, String> {
    match (fmt, data) {
        (DataFormat::Csv(cols), Data::File(f)) => {
            let mut r = std::io::BufReader::new(f);
            let gz = std::io::BufRead::fill_buf(&mut r).map_err(|e| e.to_string())?.starts_with(&[0x1f, 0x8b]);
            if gz {
                parse_csv(flate2::read::MultiGzDecoder::new(r), cols, source_bucket, tx)
            } else {
                parse_csv(r, cols, source_bucket, tx)
            }
        }
        (DataFormat::Csv(cols), Data::Remote(body)) => {
            let b = body.into_bytes();
            if b.starts_with(&[0x1f, 0x8b]) {
                parse_csv(flate2::read::MultiGzDecoder::new(&b[..]), cols, source_bucket, tx)
            } else {
                parse_csv(&b[..], cols, source_bucket, tx)
            }
        }
        (DataFormat::Parquet(needs), Data::File(f)) => parse_parquet(f, *needs, source_bucket, tx),
        (DataFormat::Parquet(needs), Data::Remote(body)) => parse_parquet(body.into_bytes(), *needs, source_bucket, tx),
    }
}

fn parse_csv(r: impl Read, c: &Columns, source_bucket: &str, tx: &mpsc::Sender<ObjectInfo>) -> Result<u64, String> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(r);
    let mut n = 0;
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("row {}: {e}", i + 1))?;
        let get = |col: Option<usize>| col.and_then(|c| rec.get(c)).map(str::trim).filter(|s| !s.is_empty());
        if get(c.is_delete_marker).is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || get(c.is_latest).is_some_and(|v| v.eq_ignore_ascii_case("false"))
        {
            continue;
        }
        let Some(key) = get(Some(c.key)) else { continue };
        let info = ObjectInfo {
            bucket: get(c.bucket).unwrap_or(source_bucket).to_string(),
            key: url_decode(key),
            size: get(c.size).and_then(|s| s.parse().ok()).unwrap_or(0),
            etag: get(c.etag).map(normalize_etag),
            last_modified: get(c.last_modified).and_then(|s| parse_time("inventory LastModifiedDate", s).ok()),
            storage_class: get(c.storage_class).map(str::to_string),
        };
        if tx.blocking_send(info).is_err() {
            break;
        }
        n += 1;
    }
    Ok(n)
}

#[cfg(feature = "parquet")]
fn parse_parquet<R: parquet::file::reader::ChunkReader + 'static>(
    data: R,
    needs: Needs,
    source_bucket: &str,
    tx: &mpsc::Sender<ObjectInfo>,
) -> Result<u64, String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    let reader = SerializedFileReader::new(data).map_err(|e| e.to_string())?;
    let fields: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let has = |c: &str| fields.iter().any(|f| f == if c == "Size" { "size" } else { "last_modified_date" });
    needs.check(has, &format!("columns {}", fields.join(", ")))?;
    let rows = reader.get_row_iter(None).map_err(|e| e.to_string())?;
    let mut n = 0;
    for row in rows {
        let row = row.map_err(|e| e.to_string())?;
        let mut info = ObjectInfo {
            bucket: source_bucket.to_string(),
            key: String::new(),
            size: 0,
            etag: None,
            last_modified: None,
            storage_class: None,
        };
        let (mut latest, mut deleted) = (true, false);
        for (name, field) in row.get_column_iter() {
            let text = match field {
                Field::Str(s) => Some(s.clone()),
                Field::Bytes(b) => b.as_utf8().ok().map(str::to_string),
                _ => None,
            };
            let int = match field {
                Field::Long(v) | Field::TimestampMillis(v) => Some(*v),
                Field::Int(v) => Some(i64::from(*v)),
                Field::ULong(v) => i64::try_from(*v).ok(),
                Field::TimestampMicros(v) => Some(v / 1000),
                _ => None,
            };
            match (name.as_str(), field) {
                ("bucket", _) => info.bucket = text.unwrap_or(info.bucket),
                ("key", _) => info.key = text.unwrap_or_default(),
                ("size", _) => info.size = int.and_then(|v| u64::try_from(v).ok()).unwrap_or(0),
                ("e_tag", _) => info.etag = text.map(|t| normalize_etag(&t)),
                ("storage_class", _) => info.storage_class = text,
                ("last_modified_date", _) => info.last_modified = int,
                ("is_latest", Field::Bool(b)) => latest = *b,
                ("is_delete_marker", Field::Bool(b)) => deleted = *b,
                _ => {}
            }
        }
        if !latest || deleted || info.key.is_empty() {
            continue;
        }
        if tx.blocking_send(info).is_err() {
            break;
        }
        n += 1;
    }
    Ok(n)
}

#[cfg(not(feature = "parquet"))]
fn parse_parquet<R>(_: R, _: Needs, _: &str, _: &mpsc::Sender<ObjectInfo>) -> Result<u64, String> {
    Err("this inventory is in Parquet format, and this trawl was built without the `parquet` feature \
         (rebuild with --features parquet, or configure the inventory as CSV)"
        .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_keys_and_schema() {
        assert_eq!(url_decode("a%2Fb+c%20d%zz%"), "a/b c d%zz%");
        assert_eq!(url_decode("caf%C3%A9.csv"), "café.csv");
        let c =
            csv_columns("Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass")
                .unwrap();
        assert_eq!((c.key, c.size, c.etag, c.storage_class), (1, Some(5), Some(7), Some(8)));
        assert!(csv_columns("Bucket, Size").is_err());
        assert_eq!(bucket_of("arn:aws:s3:::dest-bucket"), "dest-bucket");
        assert_eq!(bucket_of("dest-bucket"), "dest-bucket");
    }

    #[test]
    fn csv_rows_become_objects() {
        let cols =
            csv_columns("Bucket, Key, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass").unwrap();
        let data = "\"src\",\"a%2Fb.csv\",\"true\",\"false\",\"12\",\"2024-06-01T00:00:00.000Z\",\"abc\",\"GLACIER\"\n\
                    \"src\",\"old.csv\",\"false\",\"false\",\"1\",\"2024-06-01T00:00:00.000Z\",\"x\",\"STANDARD\"\n\
                    \"src\",\"gone.csv\",\"true\",\"true\",\"1\",\"2024-06-01T00:00:00.000Z\",\"x\",\"STANDARD\"\n";
        let (tx, mut rx) = mpsc::channel(10);
        assert_eq!(parse_csv(data.as_bytes(), &cols, "fallback", &tx).unwrap(), 1);
        let o = rx.try_recv().unwrap();
        assert_eq!(o.bucket, "src");
        assert_eq!(o.key, "a/b.csv");
        assert_eq!(o.size, 12);
        assert_eq!(o.etag.as_deref(), Some("abc"));
        assert_eq!(o.storage_class.as_deref(), Some("GLACIER"));
        assert_eq!(o.last_modified, Some(parse_time("t", "2024-06-01").unwrap()));
        assert!(rx.try_recv().is_err(), "old versions and delete markers are not objects to scan");
    }

    #[test]
    fn criteria_that_need_a_missing_column_are_refused() {
        let cols = csv_columns("Bucket, Key, ETag, StorageClass").unwrap();
        let has = |c: &str| if c == "Size" { cols.size.is_some() } else { cols.last_modified.is_some() };
        assert_eq!(Needs::default().check(has, "s"), Ok(()));
        let e =
            Needs { size: Some("--max-size"), modified: None }.check(has, "fileSchema \"Bucket, Key\"").unwrap_err();
        assert!(e.starts_with("--max-size needs the inventory's Size column, which it lacks (fileSchema"), "{e}");
        let e = Needs { size: None, modified: Some("--modified-after") }.check(has, "s").unwrap_err();
        assert!(e.contains("--modified-after needs the inventory's LastModifiedDate column"), "{e}");
        let full = csv_columns("Bucket, Key, Size, LastModifiedDate").unwrap();
        let has = |c: &str| if c == "Size" { full.size.is_some() } else { full.last_modified.is_some() };
        assert_eq!(Needs { size: Some("--min-size"), modified: Some("--modified-before") }.check(has, "s"), Ok(()));
    }
}
