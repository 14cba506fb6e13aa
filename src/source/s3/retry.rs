//! Retrying what the SDK does not: backoff with full jitter between our own
//! attempts (resuming a body that broke off, re-reading a range), and short
//! reasons for SDK errors.
//!
//! Requests themselves (throttling, 5xx, timeouts, refused connections) are
//! retried by the SDK (see `client.rs`); a response body that fails half-way is
//! ours to resume.

use std::time::Duration;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// First wait between our own attempts; doubled each time.
const BASE: Duration = Duration::from_millis(100);
/// Longest wait between our own attempts.
const CAP: Duration = Duration::from_secs(10);

/// The wait before retry number `attempt` (1-based): a random duration up to
/// `BASE * 2^(attempt-1)`, capped ("full jitter").
pub(crate) fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(CAP);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let seed = xxhash_rust::xxh3::xxh3_64(&[nanos.to_le_bytes().as_slice(), &attempt.to_le_bytes()].concat());
    // At least a tenth of the ceiling so that a retry never fires at once.
    let frac = 0.1 + 0.9 * (seed as f64 / u64::MAX as f64);
    ceiling.mul_f64(frac)
}

/// Sleeps for [`backoff`]`(attempt)`.
pub(crate) async fn sleep(attempt: u32) {
    tokio::time::sleep(backoff(attempt)).await;
}

/// What kind of failure an SDK error is, for deciding what to do with the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// 403: the object (or bucket) may not be read.
    Denied(String),
    /// 404: it no longer exists.
    Gone(String),
    /// The object is archived and must be restored first: `403
    /// InvalidObjectState` (GLACIER or DEEP_ARCHIVE not restored, or an
    /// Intelligent-Tiering archive access tier).
    Archived(String),
    /// 412: the object changed (If-Match failed).
    Changed,
    /// The object is larger than `--max-filesize` (this many bytes): not read.
    TooLarge(u64),
    /// Anything else, after the SDK's retries.
    Other(String),
}

impl Failure {
    /// The reason, for a problem report.
    pub(crate) fn reason(&self) -> String {
        match self {
            Failure::Denied(s) | Failure::Gone(s) | Failure::Archived(s) | Failure::Other(s) => s.clone(),
            Failure::Changed => "object changed during the scan".into(),
            Failure::TooLarge(size) => format!("larger than --max-filesize ({size} bytes)"),
        }
    }
}

/// Classifies an SDK error.
pub(crate) fn classify<E>(e: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = e.raw_response().map(|r| r.status().as_u16());
    failure(e.code().unwrap_or_default(), status, describe(e))
}

/// The failure of an error with S3 error `code` and HTTP `status`. The code
/// decides before the status: S3 answers `InvalidObjectState` (an archived
/// object) with a 403, which is not an access denied.
fn failure(code: &str, status: Option<u16>, reason: String) -> Failure {
    match (code, status) {
        ("InvalidObjectState", _) => Failure::Archived(reason),
        ("PreconditionFailed", _) | (_, Some(412)) => Failure::Changed,
        ("AccessDenied" | "AllAccessDisabled", _) | (_, Some(403)) => Failure::Denied(reason),
        ("NoSuchKey" | "NoSuchBucket", _) | (_, Some(404)) => Failure::Gone(reason),
        _ => Failure::Other(reason),
    }
}

/// A short reason for an SDK error: `access denied (AccessDenied)`,
/// `throttled (SlowDown): Please reduce your request rate`, or the error chain
/// for failures below HTTP (`dispatch failure: io error: connection refused`).
pub(crate) fn describe<E>(e: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match e {
        SdkError::ServiceError(_) => {
            let code = e.code().unwrap_or("unknown error");
            let what = match code {
                "AccessDenied" => "access denied",
                "NoSuchKey" => "no such key",
                "NoSuchBucket" => "no such bucket",
                "SlowDown" => "throttled",
                "InvalidObjectState" => "archived object: restore it to scan it",
                "InternalError" => "server error",
                _ => "",
            };
            let msg = e.message().filter(|m| !m.is_empty());
            match (what, msg) {
                ("", Some(m)) => format!("{code}: {m}"),
                ("", None) => code.to_string(),
                (w, _) => format!("{w} ({code})"),
            }
        }
        SdkError::TimeoutError(_) => "timed out".into(),
        _ => DisplayErrorContext(e).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..30 {
            let d = backoff(attempt);
            let ceiling = BASE.saturating_mul(1u32 << (attempt - 1).min(16)).min(CAP);
            assert!(d <= ceiling && d >= ceiling.mul_f64(0.09), "attempt {attempt}: {d:?}");
        }
        assert!(backoff(40) <= CAP);
    }

    #[test]
    fn errors_are_classified_by_code_before_status() {
        let r = || "why".to_string();
        let cases: &[(&str, Option<u16>, Failure)] = &[
            ("InvalidObjectState", Some(403), Failure::Archived(r())),
            ("InvalidObjectState", None, Failure::Archived(r())),
            ("AccessDenied", Some(403), Failure::Denied(r())),
            ("", Some(403), Failure::Denied(r())),
            ("NoSuchKey", Some(404), Failure::Gone(r())),
            ("", Some(404), Failure::Gone(r())),
            ("PreconditionFailed", Some(412), Failure::Changed),
            ("SlowDown", Some(503), Failure::Other(r())),
        ];
        for (code, status, want) in cases {
            assert_eq!(&failure(code, *status, r()), want, "{code} {status:?}");
        }
    }
}
