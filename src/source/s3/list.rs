//! Listing: every object under a URI's key prefix with ListObjectsV2,
//! page after page, sent one by one to the sweep (which applies shards,
//! criteria and the incremental state).

use aws_sdk_s3::Client;
use tokio::sync::mpsc;

use crate::source::s3::retry;
use crate::source::s3::uri::S3Uri;

/// One listed object: what ListObjectsV2 (or an inventory row) says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// The ETag, without quotes, when the listing gives one.
    pub etag: Option<String>,
    /// Last modified, in milliseconds since the Unix epoch.
    pub last_modified: Option<i64>,
    /// The storage class (`STANDARD`, `GLACIER`...), when the listing gives one.
    pub storage_class: Option<String>,
}

impl ObjectInfo {
    /// `s3://bucket/key`: the name findings and problems give the object.
    pub fn uri(&self) -> String {
        S3Uri::object(&self.bucket, &self.key)
    }
}

/// An ETag without its quotes (`"abc"` → `abc`; weak `W/"abc"` → `W/abc`).
pub fn normalize_etag(s: &str) -> String {
    s.replace('"', "")
}

/// Lists every object under `uri` into `tx`; returns how many were listed.
///
/// # Errors
/// A page could not be listed after the SDK's retries (no such bucket, access
/// denied, ...): the reason, in a few words. Objects sent before stay sent.
pub(crate) async fn list(client: &Client, uri: &S3Uri, tx: &mpsc::Sender<ObjectInfo>) -> Result<u64, String> {
    let mut req = client.list_objects_v2().bucket(&uri.bucket);
    if !uri.key.is_empty() {
        req = req.prefix(&uri.key);
    }
    let mut pages = req.into_paginator().send();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("cannot list: {}", retry::describe(&e)))?;
        for o in page.contents() {
            let Some(key) = o.key() else { continue };
            let info = ObjectInfo {
                bucket: uri.bucket.clone(),
                key: key.to_string(),
                size: o.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                etag: o.e_tag().map(normalize_etag).filter(|e| !e.is_empty()),
                last_modified: o.last_modified().and_then(|t| t.to_millis().ok()),
                storage_class: o.storage_class().map(|c| c.as_str().to_string()),
            };
            n += 1;
            if tx.send(info).await.is_err() {
                return Ok(n); // the sweep stopped
            }
        }
    }
    Ok(n)
}
