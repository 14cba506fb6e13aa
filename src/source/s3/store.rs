//! Reading and writing the sweep's own files (state, results, inventory
//! manifests) wherever they are: locally, written atomically (a temporary
//! file in the same directory, synced, then renamed over the target), or in
//! S3 (one GetObject / PutObject, atomic by nature).

use std::io::Write;
use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;

use crate::source::s3::client::Clients;
use crate::source::s3::retry::{self, Failure};
use crate::source::s3::uri::Place;

/// Reads the whole file at `place`; `Ok(None)` when it does not exist.
///
/// # Errors
/// It exists but cannot be read: the reason.
pub(crate) async fn read(clients: &Clients, place: &Place) -> Result<Option<Vec<u8>>, String> {
    match place {
        Place::Local(p) => match std::fs::read(p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(crate::source::fs::describe_io(&e)),
        },
        Place::S3(u) => {
            let client = clients.for_bucket(&u.bucket).await;
            let out = match client.get_object().bucket(&u.bucket).key(&u.key).send().await {
                Ok(out) => out,
                Err(e) => {
                    return match retry::classify(&e) {
                        Failure::Gone(_) => Ok(None),
                        f => Err(f.reason()),
                    };
                }
            };
            let body = out.body.collect().await.map_err(|e| format!("connection failed: {e}"))?;
            Ok(Some(body.to_vec()))
        }
    }
}

/// Replaces the file at `place` with `bytes`, atomically.
///
/// # Errors
/// The file cannot be written: the reason.
pub(crate) async fn write(clients: &Clients, place: &Place, bytes: Vec<u8>) -> Result<(), String> {
    match place {
        Place::Local(p) => write_local(p, &bytes).map_err(|e| crate::source::fs::describe_io(&e)),
        Place::S3(u) => {
            let client = clients.for_bucket(&u.bucket).await;
            client
                .put_object()
                .bucket(&u.bucket)
                .key(&u.key)
                .body(ByteStream::from(bytes))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| retry::describe(&e))
        }
    }
}

fn write_local(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_writes_replace_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/state.jsonl");
        write_local(&p, b"one").unwrap();
        write_local(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    }
}
