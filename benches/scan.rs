//! Criterion benchmarks of the engine on in-memory inputs built from a fixed
//! seed. Each benchmark first checks its finding count, then times.
//!
//! Run: `cargo bench --bench scan`; compare runs with `-- --save-baseline NAME`
//! and `-- --baseline NAME`.

use std::fmt::Write as _;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trawl::{Context, Rules, Scanner};

/// A small deterministic PRNG (xorshift64*), so corpora are identical on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "was",
    "for",
    "on",
    "that",
    "with",
    "system",
    "service",
    "request",
    "customer",
    "order",
    "payment",
    "invoice",
    "shipment",
    "report",
    "quarter",
    "budget",
    "policy",
    "release",
    "cluster",
    "database",
    "migration",
    "backup",
    "latency",
    "throughput",
    "warning",
    "retry",
    "timeout",
    "network",
    "storage",
    "region",
    "replica",
    "index",
    "query",
    "cache",
    "session",
    "user",
    "admin",
    "manager",
    "support",
    "ticket",
    "review",
];

/// Luhn check digit for a string of digits.
fn luhn_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// One benchmark input and the number of findings it must produce.
struct Corpus {
    name: &'static str,
    bytes: Vec<u8>,
    expected: usize,
}

const SIZE: usize = 4 << 20;

/// English-like prose with no sensitive value and no digits.
fn prose(rng: &mut Rng) -> Corpus {
    let mut s = String::new();
    while s.len() < SIZE {
        for _ in 0..(8 + rng.below(14)) {
            let w = rng.pick(WORDS);
            s.push_str(w);
            s.push(' ');
        }
        s.push_str(". ");
        if rng.below(6) == 0 {
            s.push('\n');
        }
    }
    Corpus { name: "prose_no_candidates", bytes: s.into_bytes(), expected: 0 }
}

/// Application logs full of numbers and keyword-like words (account, card,
/// phone, ip...) with one planted SSN per 1,000 lines.
fn logs(rng: &mut Rng) -> Corpus {
    let mut s = String::new();
    let mut planted = 0;
    let mut line = 0u64;
    while s.len() < SIZE {
        line += 1;
        let _ = write!(
            s,
            "2024-05-{:02}T{:02}:{:02}:{:02}.{:03}Z INFO [{}] {} account={} card_status={} phone_ok=true ip_hash={:016x} took {}ms",
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.below(1000),
            rng.pick(&["auth", "payments", "orders", "notify"]),
            rng.pick(WORDS),
            rng.below(100_000),
            rng.pick(&["ok", "declined", "expired"]),
            rng.next(),
            rng.below(5000)
        );
        if line.is_multiple_of(1000) {
            let _ =
                write!(s, " ssn={:03}-{:02}-{:04}", 100 + rng.below(500), 10 + rng.below(89), 1000 + rng.below(8999));
            planted += 1;
        }
        s.push('\n');
    }
    Corpus { name: "logs_keywords_few_matches", bytes: s.into_bytes(), expected: planted }
}

/// A CSV where every cell is a number: ids, amounts, counts, epoch millis,
/// 9- and 16-digit numbers that fail their checksums.
fn numbers_csv(rng: &mut Rng) -> Corpus {
    let mut s = String::from("id,amount,count,epoch_ms,ref9,ref16,ratio\n");
    while s.len() < SIZE {
        let body: String = (0..15).map(|_| char::from(b'0' + rng.below(10) as u8)).collect();
        let bad = (luhn_digit(&body) + 1 + rng.below(9) as u32) % 10;
        let _ = writeln!(
            s,
            "{},{}.{:02},{},{},{},{}{},0.{}",
            rng.below(10_000_000),
            rng.below(100_000),
            rng.below(100),
            rng.below(1000),
            1_600_000_000_000 + rng.below(100_000_000_000),
            // 9 digits starting with 9: never a valid SSN area.
            900_000_000 + rng.below(99_999_999),
            body,
            bad,
            rng.below(1_000_000)
        );
    }
    Corpus { name: "numbers_csv", bytes: s.into_bytes(), expected: 0 }
}

/// Dense sensitive data: every line holds an e-mail address and a valid card number.
fn dense(rng: &mut Rng) -> Corpus {
    let mut s = String::new();
    let mut planted = 0;
    while s.len() < SIZE {
        let body: String =
            std::iter::once('4').chain((0..14).map(|_| char::from(b'0' + rng.below(10) as u8))).collect();
        let card = format!("{body}{}", luhn_digit(&body));
        let _ = writeln!(
            s,
            "customer {} <{}.{}@example.com> paid with card {card}",
            rng.below(1_000_000),
            rng.pick(WORDS),
            rng.below(100)
        );
        planted += 2;
    }
    Corpus { name: "match_dense", bytes: s.into_bytes(), expected: planted }
}

fn count(scanner: &Scanner, scratch: &mut trawl::Scratch, hay: &[u8]) -> usize {
    let mut n = 0;
    let chunk = 1 << 20;
    let ctx = Context::none();
    let context = scanner.context_len();
    let mut start = 0;
    while start < hay.len() {
        let end = (start + chunk).min(hay.len());
        let lo = start.saturating_sub(context);
        let hi = (end + context).min(hay.len());
        scanner.find(scratch, &hay[lo..hi], start - lo..end - lo, &ctx, &mut |_| {
            n += 1;
            true
        });
        start = end;
    }
    n
}

fn scan(c: &mut Criterion) {
    let scanner = Scanner::new(&Rules::builtin().expect("builtin rules load")).expect("builtin rules compile");
    let mut scratch = scanner.scratch();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let corpora = [prose(&mut rng), logs(&mut rng), numbers_csv(&mut rng), dense(&mut rng)];
    let mut group = c.benchmark_group("scan");
    for corpus in &corpora {
        let got = count(&scanner, &mut scratch, &corpus.bytes);
        assert_eq!(got, corpus.expected, "{}: wrong answer, not timing it", corpus.name);
        group.throughput(Throughput::Bytes(corpus.bytes.len() as u64));
        group.bench_function(corpus.name, |b| b.iter(|| count(&scanner, &mut scratch, &corpus.bytes)));
    }
    group.finish();
}

fn startup(c: &mut Criterion) {
    let rules = Rules::builtin().expect("builtin rules load");
    c.bench_function("startup_compile_and_scan_small", |b| {
        b.iter(|| {
            let scanner = Scanner::new(&rules).expect("compile");
            let mut scratch = scanner.scratch();
            let hay = b"user: jane.doe@example.com ssn: 219-44-5178";
            count(&scanner, &mut scratch, hay)
        })
    });
}

criterion_group!(benches, scan, startup);
criterion_main!(benches);
