//! Criterion benchmarks of the engine on in-memory inputs (filled in with the throughput work).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn scan(c: &mut Criterion) {
    let scanner = trawl::Scanner::new(&trawl::Rules::builtin().expect("builtin rules")).expect("compile");
    let mut scratch = scanner.scratch();
    let hay = "The quick brown fox jumps over the lazy dog. ".repeat(20_000);
    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Bytes(hay.len() as u64));
    group.bench_function("prose", |b| {
        b.iter(|| {
            let mut n = 0;
            scanner.find(&mut scratch, hay.as_bytes(), 0..hay.len(), &trawl::Context::none(), &mut |_| {
                n += 1;
                true
            });
            n
        })
    });
    group.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
