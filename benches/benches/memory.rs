//! `memory`: heap bytes per pending task, `taskcell-executor` against
//! tokio, counted by `CountingAlloc` (this bench's global allocator); see
//! `taskcell_benches::memory` for how it is measured.
//!
//! Criterion measures time, so the memory figure is printed, not a criterion
//! result: before the benchmarks run, this prints the median bytes per
//! parked task of each runtime over five rounds of 100 000 tasks, each round
//! on a fresh runtime, the runtimes alternating. The criterion benchmarks
//! `memory/spawn_parked/<runtime>` then time what the measurement does:
//! spawning 100 000 tasks from outside the runtime until every one has
//! parked (runtime start-up and teardown excluded).
//!
//! Run with `cargo bench -p taskcell-benches --bench memory`. Under
//! `cargo test` (criterion's test mode, no `--bench` argument) the printout
//! uses one round instead of five, to stay quick in debug builds.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use taskcell_benches::memory::{median_bytes_per_task, CountingAlloc, OURS, TASKS, THEIRS};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Rounds per runtime for the printed figure.
const ROUNDS: usize = 5;

fn show(name: &str, bytes: Option<f64>) {
    match bytes {
        Some(bytes) => println!("memory/{name}: {bytes:.0} bytes per parked task"),
        None => println!("memory/{name}: unavailable"),
    }
}

fn memory(c: &mut Criterion) {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let rounds = if benchmarking { ROUNDS } else { 1 };
    let (measure, ours, theirs) = median_bytes_per_task(TASKS, rounds);
    println!(
        "memory: {} per parked task ({TASKS} tasks, median of {rounds})",
        measure.label()
    );
    show(OURS.name, ours);
    show(THEIRS.name, theirs);
    if let (Some(ours), Some(theirs)) = (ours, theirs) {
        println!(
            "memory: ratio {}/{}: {:.2}",
            OURS.name,
            THEIRS.name,
            ours / theirs
        );
    }

    let mut group = c.benchmark_group("memory");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for variant in [OURS, THEIRS] {
        group.bench_function(BenchmarkId::new("spawn_parked", variant.name), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| (variant.measure)(TASKS).spawn_time)
                    .sum()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, memory);
criterion_main!(benches);
