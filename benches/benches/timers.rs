//! `timers`: timer churn, `taskcell-executor` against tokio: 100 000 sleeps
//! set and fired, and 100 000 timeouts set and cancelled before they fire.
//! The workloads are in `taskcell_benches::timers`; this file runs them
//! under criterion, one `block_on` per iteration on a runtime built once
//! per benchmark, with `TASKCELL_WORKERS` workers (by default one per core).
//!
//! Ids: `timers/<workload>/<runtime>`, e.g. `timers/sleeps/taskcell` and
//! `timers/sleeps/tokio`, run one right after the other.
//!
//! Run with `cargo bench -p taskcell-benches --bench timers`: four
//! benchmarks of 1 s warm-up and 5 s measurement each.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use taskcell_benches::timers::WORKLOADS;

fn timers(c: &mut Criterion) {
    let mut group = c.benchmark_group("timers");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    for workload in &WORKLOADS {
        for (label, setup) in [("taskcell", workload.taskcell), ("tokio", workload.tokio)] {
            let mut routine = setup();
            group.bench_function(BenchmarkId::new(workload.name, label), |b| {
                b.iter(&mut routine)
            });
        }
    }

    group.finish();
}

criterion_group!(benches, timers);
criterion_main!(benches);
