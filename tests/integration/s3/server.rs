//! A real S3-compatible HTTP server on 127.0.0.1 for the S3 tests, in
//! process: s3s-fs (buckets are directories under a temporary root) behind
//! a thin S3 layer that adds what S3 has and s3s-fs lacks (ETags and storage
//! classes in listings, `If-Match`, access denied on chosen keys), and an
//! HTTP front that injects faults (503 SlowDown, 500, a connection dropped
//! mid-body, latency) on a schedule.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper_util::rt::TokioIo;
use s3s::dto::*;
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};

pub const ACCESS_KEY: &str = "AKIDTRAWLTEST0000001";
pub const SECRET_KEY: &str = "trawl-test-secret-key-0000000000000000001";

/// A planned cut: after how many bytes, and the file (under the root) to
/// replace with new content once the cut response has started.
pub type Cut = (usize, Option<(PathBuf, Vec<u8>)>);

/// What the S3 layer and the HTTP front do besides serving.
#[derive(Default)]
pub struct Controls {
    /// Keys whose GetObject answers 403 AccessDenied.
    pub deny_get: Mutex<HashSet<String>>,
    /// Key prefixes listed with this storage class. A GetObject of a key
    /// listed as `GLACIER` or `DEEP_ARCHIVE` answers 403 InvalidObjectState,
    /// as S3 does, unless the key is in `restored`.
    pub storage_class: Mutex<Vec<(String, String)>>,
    /// Archived keys that have been restored: readable, and listed still in their archive class.
    pub restored: Mutex<HashSet<String>>,
    /// Keys whose GetObject answers 403 InvalidObjectState whatever their
    /// class (an Intelligent-Tiering archive access tier).
    pub archived: Mutex<HashSet<String>>,
    /// Every n-th request fails (0: never): 503 SlowDown, 500, then a GET
    /// body cut half-way, in turn.
    pub every: AtomicU64,
    /// Latency added to every request, in milliseconds.
    pub delay_ms: AtomicU64,
    /// Cuts for chosen keys: the next full GET of the key is cut after this
    /// many bytes, and the object file is first replaced with new content if given.
    pub cuts: Mutex<HashMap<String, Cut>>,
    /// Requests served.
    pub requests: AtomicU64,
    /// Faults injected, by kind.
    pub injected: Mutex<HashMap<&'static str, u64>>,
    /// GetObject requests per key.
    pub gets: Mutex<HashMap<String, u64>>,
    /// Of those, ranged GetObject requests per key.
    pub ranged_gets: Mutex<HashMap<String, u64>>,
}

impl Controls {
    /// GetObject requests for `key` so far (ranged ones included).
    pub fn gets(&self, key: &str) -> u64 {
        self.gets.lock().unwrap().get(key).copied().unwrap_or(0)
    }

    /// Ranged GetObject requests for `key` so far.
    pub fn ranged_gets(&self, key: &str) -> u64 {
        self.ranged_gets.lock().unwrap().get(key).copied().unwrap_or(0)
    }

    /// Whether a GetObject of `key` answers InvalidObjectState: archived and not restored.
    fn unreadable(&self, key: &str) -> bool {
        if self.archived.lock().unwrap().contains(key) {
            return true;
        }
        let classes = self.storage_class.lock().unwrap();
        let class = classes.iter().find(|(p, _)| key.starts_with(p.as_str())).map(|(_, c)| c.as_str());
        matches!(class, Some("GLACIER" | "DEEP_ARCHIVE")) && !self.restored.lock().unwrap().contains(key)
    }

    fn count(&self, kind: &'static str) {
        *self.injected.lock().unwrap().entry(kind).or_default() += 1;
    }

    /// Faults injected of `kind`.
    pub fn injected(&self, kind: &str) -> u64 {
        self.injected.lock().unwrap().get(kind).copied().unwrap_or(0)
    }
}

/// s3s-fs with the additions.
struct TestS3 {
    fs: s3s_fs::FileSystem,
    controls: Arc<Controls>,
}

impl TestS3 {
    async fn etag(&self, req: &S3Request<impl Clone>, bucket: &str, key: &str) -> S3Result<Option<ETag>> {
        let head = HeadObjectInput::builder().bucket(bucket.to_string()).key(key.to_string()).build().unwrap();
        let out = self.fs.head_object(req.clone().map_input(|_| head)).await?;
        Ok(out.output.e_tag)
    }
}

#[async_trait::async_trait]
impl S3 for TestS3 {
    async fn create_bucket(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        self.fs.create_bucket(req).await
    }
    async fn head_bucket(&self, req: S3Request<HeadBucketInput>) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }
    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.fs.get_bucket_location(req).await
    }
    async fn put_object(&self, req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        self.fs.put_object(req).await
    }
    async fn delete_object(&self, req: S3Request<DeleteObjectInput>) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.fs.delete_object(req).await
    }
    async fn head_object(&self, req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        self.fs.head_object(req).await
    }

    async fn list_objects_v2(&self, req: S3Request<ListObjectsV2Input>) -> S3Result<S3Response<ListObjectsV2Output>> {
        let bucket = req.input.bucket.clone();
        let mut resp = self.fs.list_objects_v2(req.clone()).await?;
        let classes = self.controls.storage_class.lock().unwrap().clone();
        if let Some(contents) = resp.output.contents.as_mut() {
            for o in contents {
                let key = o.key.clone().unwrap_or_default();
                o.e_tag = self.etag(&req, &bucket, &key).await?;
                if let Some((_, class)) = classes.iter().find(|(p, _)| key.starts_with(p.as_str())) {
                    o.storage_class = Some(ObjectStorageClass::from(class.clone()));
                }
            }
        }
        Ok(resp)
    }

    async fn get_object(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        *self.controls.gets.lock().unwrap().entry(key.clone()).or_default() += 1;
        if req.input.range.is_some() {
            *self.controls.ranged_gets.lock().unwrap().entry(key.clone()).or_default() += 1;
        }
        if self.controls.deny_get.lock().unwrap().contains(&key) {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        if self.controls.unreadable(&key) {
            return Err(s3_error!(InvalidObjectState, "The operation is not valid for the object's storage class"));
        }
        if let Some(ETagCondition::ETag(want)) = &req.input.if_match {
            let have = self.etag(&req, &bucket, &key).await?;
            if have.as_ref().map(ETag::value) != Some(want.value()) {
                return Err(s3_error!(
                    PreconditionFailed,
                    "At least one of the pre-conditions you specified did not hold"
                ));
            }
        }
        self.fs.get_object(req).await
    }
}

/// The body of a response from the front: passed through, canned, or cut.
pub enum FrontBody {
    Canned(Option<Bytes>),
    Pass(Pin<Box<s3s::Body>>),
    Cut { inner: Pin<Box<s3s::Body>>, left: usize, failed: bool },
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl http_body::Body for FrontBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            FrontBody::Canned(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            FrontBody::Pass(inner) => inner.as_mut().poll_frame(cx).map_err(|e| e as BoxError),
            FrontBody::Cut { inner, left, failed } => {
                if *left == 0 {
                    if *failed {
                        return Poll::Ready(None);
                    }
                    *failed = true;
                    return Poll::Ready(Some(Err("injected fault: connection dropped mid-body".into())));
                }
                match inner.as_mut().poll_frame(cx) {
                    Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                        Ok(mut d) => {
                            d.truncate(*left);
                            *left -= d.len();
                            Poll::Ready(Some(Ok(Frame::data(d))))
                        }
                        Err(f) => Poll::Ready(Some(Ok(f))),
                    },
                    other => other.map_err(|e| e as BoxError),
                }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            FrontBody::Canned(Some(b)) => SizeHint::with_exact(b.len() as u64),
            FrontBody::Canned(None) => SizeHint::with_exact(0),
            FrontBody::Pass(inner) | FrontBody::Cut { inner, .. } => inner.size_hint(),
        }
    }
}

fn canned(status: u16, code: &str, message: &str, head: bool) -> http::Response<FrontBody> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
         <RequestId>trawl-test</RequestId></Error>"
    );
    let body = if head { None } else { Some(Bytes::from(xml)) };
    http::Response::builder()
        .status(status)
        .header("content-type", "application/xml")
        .header("content-length", body.as_ref().map_or(0, Bytes::len))
        .body(FrontBody::Canned(body))
        .unwrap()
}

/// The HTTP front: faults first, then s3s.
#[derive(Clone)]
struct Front {
    s3: S3Service,
    controls: Arc<Controls>,
    root: PathBuf,
}

impl hyper::service::Service<http::Request<hyper::body::Incoming>> for Front {
    type Response = http::Response<FrontBody>;
    type Error = s3s::HttpError;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, req: http::Request<hyper::body::Incoming>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let c = &this.controls;
            let n = c.requests.fetch_add(1, Ordering::Relaxed) + 1;
            let delay = c.delay_ms.load(Ordering::Relaxed);
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            let path = req.uri().path().trim_start_matches('/').to_string();
            let query = req.uri().query().unwrap_or("").to_string();
            let head = req.method() == http::Method::HEAD;
            let listing = ["list-type", "location", "uploads", "versions"].iter().any(|q| query.contains(q));
            let object_get = req.method() == http::Method::GET && path.contains('/') && !listing;
            let whole_get = object_get && !req.headers().contains_key("range");
            let key = path.split_once('/').map(|(_, k)| percent_decode(k)).unwrap_or_default();
            let every = c.every.load(Ordering::Relaxed);
            let mut cut = None;
            let mut replace = None;
            let targeted = if whole_get { c.cuts.lock().unwrap().remove(&key) } else { None };
            if let Some((at, r)) = targeted {
                cut = Some(at);
                replace = r;
            } else if every > 0 && n.is_multiple_of(every) {
                match (n / every) % 3 {
                    0 => {
                        c.count("503");
                        return Ok(canned(503, "SlowDown", "Please reduce your request rate.", head));
                    }
                    1 => {
                        c.count("500");
                        return Ok(canned(500, "InternalError", "We encountered an internal error.", head));
                    }
                    _ if object_get => cut = Some(usize::MAX),
                    _ => {
                        c.count("503");
                        return Ok(canned(503, "SlowDown", "Please reduce your request rate.", head));
                    }
                }
            }
            let resp = this.s3.call(req.map(s3s::Body::from)).await?;
            if let Some((file, content)) = replace {
                // The response reads the old file (already open); the object now has new content.
                let path = this.root.join(file);
                let tmp = path.with_extension("replacing");
                std::fs::write(&tmp, content).unwrap();
                std::fs::rename(&tmp, &path).unwrap();
            }
            let ok = resp.status().is_success();
            let len: usize =
                resp.headers().get("content-length").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(0);
            Ok(resp.map(|b| match cut {
                Some(at) if ok && len > 2 => {
                    c.count("cut");
                    FrontBody::Cut { inner: Box::pin(b), left: at.min(len / 2), failed: false }
                }
                _ => FrontBody::Pass(Box::pin(b)),
            }))
        })
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'%' && i + 2 < b.len()).then(|| std::str::from_utf8(&b[i + 1..i + 3]).ok()).flatten();
        if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A running server; stopped when dropped.
pub struct Server {
    pub endpoint: String,
    pub controls: Arc<Controls>,
    pub root: tempfile::TempDir,
    pub client: aws_sdk_s3::Client,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl Server {
    /// Starts a server on 127.0.0.1 with an empty root.
    pub fn start() -> Server {
        let root = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let controls = Arc::new(Controls::default());
        let fs = s3s_fs::FileSystem::new(root.path()).unwrap();
        let mut b = S3ServiceBuilder::new(TestS3 { fs, controls: controls.clone() });
        b.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let front = Front { s3: b.build(), controls: controls.clone(), root: root.path().to_path_buf() };
        let listener = rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0))).unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        rt.spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { continue };
                let front = front.clone();
                tokio::spawn(async move {
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(socket), front).await;
                });
            }
        });
        let conf = aws_sdk_s3::config::Builder::new()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"))
            .build();
        let client = aws_sdk_s3::Client::from_conf(conf);
        Server { endpoint, controls, root, client, rt: Some(rt) }
    }

    /// Creates a bucket.
    pub fn bucket(&self, name: &str) {
        std::fs::create_dir_all(self.root.path().join(name)).unwrap();
    }

    /// Uploads an object with PutObject.
    pub fn put(&self, bucket: &str, key: &str, bytes: impl Into<Vec<u8>>) {
        let body = aws_sdk_s3::primitives::ByteStream::from(bytes.into());
        let rt = self.rt.as_ref().unwrap();
        rt.block_on(self.client.put_object().bucket(bucket).key(key).body(body).send()).unwrap();
    }

    /// Writes an object straight into the store (fast, for many objects).
    pub fn write(&self, bucket: &str, key: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path(bucket, key);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    /// The file behind an object (written with [`Server::write`]).
    pub fn path(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.path().join(bucket).join(key)
    }

    /// Deletes an object.
    pub fn delete(&self, bucket: &str, key: &str) {
        std::fs::remove_file(self.path(bucket, key)).unwrap();
    }

    /// Reads an object with GetObject.
    pub fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        let rt = self.rt.as_ref().unwrap();
        rt.block_on(async {
            let out = self.client.get_object().bucket(bucket).key(key).send().await.unwrap();
            out.body.collect().await.unwrap().to_vec()
        })
    }

    /// Lists keys under a prefix.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let rt = self.rt.as_ref().unwrap();
        rt.block_on(async {
            let mut pages = self.client.list_objects_v2().bucket(bucket).prefix(prefix).into_paginator().send();
            let mut keys = Vec::new();
            while let Some(p) = pages.next().await {
                keys.extend(p.unwrap().contents().iter().filter_map(|o| o.key().map(String::from)));
            }
            keys
        })
    }

    /// `trawl` with credentials and this endpoint, and nothing from the machine's AWS setup.
    pub fn trawl(&self) -> std::process::Command {
        let mut cmd = crate::util::bin();
        for v in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION"] {
            cmd.env_remove(v);
        }
        let none = self.root.path().join("no-such-aws-config");
        cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", &none)
            .env("AWS_SHARED_CREDENTIALS_FILE", &none)
            .args(["scan", "--endpoint-url", &self.endpoint, "--path-style", "--no-progress"]);
        cmd
    }
}

/// Reads every results file (`*.jsonl.gz`) under a local directory.
pub fn read_results(dir: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files {
        if f.to_string_lossy().ends_with(".jsonl.gz") {
            out.extend(parse_results(&std::fs::read(&f).unwrap()));
        }
    }
    out
}

/// Parses one results file: gzip JSON Lines.
pub fn parse_results(gz: &[u8]) -> Vec<serde_json::Value> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).expect("results are valid gzip");
    text.lines().map(|l| serde_json::from_str(l).expect("each results line is JSON")).collect()
}
