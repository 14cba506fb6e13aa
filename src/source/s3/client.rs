//! The S3 client: the standard AWS credential chain and region resolution
//! (`aws-config`), with `--profile`, `--region`, `--endpoint-url` and
//! `--path-style` overrides, the SDK's retries (exponential backoff with
//! jitter) set to `--retries`, and each bucket reached in its own region.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::{RetryConfig, RetryPartition, TokenBucket};
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{Region, StalledStreamProtectionConfig};

/// The region used when nothing else names one (the SDK needs a region to sign).
const FALLBACK_REGION: &str = "us-east-1";

/// How to reach S3.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// Endpoint of an S3-compatible store (MinIO, Ceph, LocalStack...).
    pub endpoint_url: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`), as most S3-compatible stores need.
    pub path_style: bool,
    /// Region; by default from the environment and profile, then each bucket's own.
    pub region: Option<String>,
    /// Profile from the shared config and credentials files.
    pub profile: Option<String>,
    /// Retries per request after the first attempt.
    pub retries: u32,
}

/// Clients for each bucket, built once from the loaded AWS configuration.
pub(crate) struct Clients {
    sdk: SdkConfig,
    opts: ClientOptions,
    base: Client,
    by_bucket: Mutex<HashMap<String, Client>>,
}

impl Clients {
    /// Loads the AWS configuration (credential chain, region, profile) and builds the base client.
    pub(crate) async fn connect(opts: &ClientOptions) -> Clients {
        let retry = RetryConfig::standard()
            .with_max_attempts(opts.retries.saturating_add(1))
            .with_initial_backoff(Duration::from_millis(200))
            .with_max_backoff(Duration::from_secs(20));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(120))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeouts);
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        let sdk = loader.load().await;
        let base = build(&sdk, opts, None);
        Clients { sdk, opts: opts.clone(), base, by_bucket: Mutex::new(HashMap::new()) }
    }

    /// Retries per request.
    pub(crate) fn retries(&self) -> u32 {
        self.opts.retries
    }

    /// The client for `bucket`: in the bucket's own region when no region
    /// or endpoint was given (found with HeadBucket's `x-amz-bucket-region`).
    pub(crate) async fn for_bucket(&self, bucket: &str) -> Client {
        if self.opts.region.is_some() || self.opts.endpoint_url.is_some() {
            return self.base.clone();
        }
        if let Some(c) = self.by_bucket.lock().expect("client cache lock").get(bucket) {
            return c.clone();
        }
        let region = match self.base.head_bucket().bucket(bucket).send().await {
            Ok(out) => out.bucket_region().map(str::to_string),
            Err(e) => e.raw_response().and_then(|r| r.headers().get("x-amz-bucket-region")).map(str::to_string),
        };
        let current = self.base.config().region().map(|r| r.as_ref().to_string());
        let client = match region {
            Some(r) if Some(&r) != current.as_ref() => build(&self.sdk, &self.opts, Some(Region::new(r))),
            _ => self.base.clone(),
        };
        self.by_bucket.lock().expect("client cache lock").insert(bucket.to_string(), client.clone());
        client
    }
}

fn build(sdk: &SdkConfig, opts: &ClientOptions, region: Option<Region>) -> Client {
    let mut b = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(opts.path_style)
        // Every request is retried up to --retries times: no shared retry quota that a
        // long, throttled sweep would drain (the SDK default stops retrying when it is empty).
        .retry_partition(RetryPartition::custom("trawl").token_bucket(TokenBucket::unlimited()).build())
        .stalled_stream_protection(
            StalledStreamProtectionConfig::enabled().grace_period(Duration::from_secs(30)).build(),
        );
    if let Some(url) = &opts.endpoint_url {
        b = b.endpoint_url(url);
    }
    match region {
        Some(r) => b = b.region(r),
        None if sdk.region().is_none() => b = b.region(Region::new(FALLBACK_REGION)),
        None => {}
    }
    Client::from_conf(b.build())
}
