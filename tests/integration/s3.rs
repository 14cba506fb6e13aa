//! S3 sources against a real S3-compatible server on 127.0.0.1.
