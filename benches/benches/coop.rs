//! `coop`: the latency of a ping-pong pair while as many hog tasks as
//! workers loop on an always-ready timer, taskcell-executor against tokio;
//! see `taskcell_benches::coop` for the workload.
//!
//! The figure that matters is a tail latency, which criterion does not
//! report, so it is printed first: the p50 and p99 round trip of each
//! runtime, median over five rounds (one under `cargo test`, criterion's test
//! mode), the runtimes alternating. The criterion benchmarks
//! `coop/ping_pong_under_hogs/<runtime>` then time a whole round (runtime
//! start-up included).
//!
//! Run with `cargo bench -p taskcell-benches --bench coop`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use taskcell_benches::coop::{median_quantiles, under_hogs_ours, under_hogs_tokio, ROUND_TRIPS};

/// Rounds per runtime for the printed figure.
const ROUNDS: usize = 5;

fn coop(c: &mut Criterion) {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let rounds = if benchmarking { ROUNDS } else { 1 };
    let ((ours_p50, ours_p99), (tokio_p50, tokio_p99)) = median_quantiles(rounds, ROUND_TRIPS);
    println!("coop: ping-pong round trip under hogs ({ROUND_TRIPS} trips, median of {rounds})");
    println!(
        "coop: p50 taskcell {:.1} µs, tokio {:.1} µs (ratio {:.2})",
        ours_p50 / 1e3,
        tokio_p50 / 1e3,
        ours_p50 / tokio_p50
    );
    println!(
        "coop: p99 taskcell {:.1} µs, tokio {:.1} µs (ratio {:.2})",
        ours_p99 / 1e3,
        tokio_p99 / 1e3,
        ours_p99 / tokio_p99
    );

    let mut group = c.benchmark_group("coop");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    group.bench_function(BenchmarkId::new("ping_pong_under_hogs", "taskcell"), |b| {
        b.iter(|| under_hogs_ours(ROUND_TRIPS))
    });
    group.bench_function(BenchmarkId::new("ping_pong_under_hogs", "tokio"), |b| {
        b.iter(|| under_hogs_tokio(ROUND_TRIPS))
    });
    group.finish();
}

criterion_group!(benches, coop);
criterion_main!(benches);
