//! A local S3-compatible server (s3s + s3s-fs) for benchmarks and manual
//! tests: serves the buckets (directories) under ROOT on 127.0.0.1.
//!
//! ```text
//! cargo run --example s3_server -- ROOT [PORT] [ACCESS_KEY SECRET_KEY]
//! ```
//! Prints `http://127.0.0.1:PORT` on standard output once it listens (PORT 0
//! picks a free port), then serves until killed.

use std::io::Write;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first() else {
        eprintln!("usage: s3_server ROOT [PORT] [ACCESS_KEY SECRET_KEY]");
        std::process::exit(2);
    };
    let port: u16 = args.get(1).map(|p| p.parse()).transpose()?.unwrap_or(0);
    std::fs::create_dir_all(root)?;
    let fs = s3s_fs::FileSystem::new(root).map_err(|e| format!("{e:?}"))?;
    let mut b = S3ServiceBuilder::new(fs);
    if let (Some(ak), Some(sk)) = (args.get(2), args.get(3)) {
        b.set_auth(SimpleAuth::from_single(ak.as_str(), sk.as_str()));
    }
    let service = b.build();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("http://{}", listener.local_addr()?);
        std::io::stdout().flush()?;
        let http = ConnBuilder::new(TokioExecutor::new());
        loop {
            let (socket, _) = listener.accept().await?;
            let conn = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
    })
}
