//! `rt`: the multi-thread scheduler of `taskcell-executor` against tokio's,
//! on the workloads of tokio's own scheduler benchmarks
//! (`benches/rt_multi_threaded.rs` in the tokio repository). The workloads
//! themselves, and what each one does, are in `taskcell_benches::rt`; this
//! file runs them under criterion.
//!
//! As in tokio's file: criterion's `b.iter` around one iteration (a
//! `block_on`, or plain `spawn`s), no `b.to_async`, and the runtime built once
//! per benchmark, or once per sample for `yield_many` and `chained_spawn`.
//! Both runtimes get [`workers`](taskcell_benches::workers) worker threads:
//! the machine's available parallelism, or `TASKCELL_WORKERS`.
//!
//! Naming: one criterion group, `rt`; each benchmark's id is
//! `rt/<workload>/<runtime>`, e.g. `rt/spawn_many_local/taskcell` and
//! `rt/spawn_many_local/tokio`, and the two run one right after the other.
//! Criterion's HTML report then has a summary per workload (`rt/<workload>`)
//! comparing the two runtimes, one per runtime (`rt/taskcell`, `rt/tokio`)
//! over all workloads, and in the index a table with a row per runtime and a
//! column per workload.
//!
//! Run with `cargo bench -p taskcell-benches --bench rt` (add a filter such
//! as `-- ping_pong` for one workload). Each of the 14 benchmarks gets 1 s of
//! warm-up and 8 s of measurement, about three minutes in all (an estimate,
//! not timed). tokio's runtimes are built with its `rt-multi-thread` feature
//! (`enable_all` turns on its `time` driver, as tokio's benchmark does); its
//! `sync` feature provides `oneshot`.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use taskcell_benches::rt::{Workload, WORKLOADS};
use taskcell_benches::Routine;

/// Adds `workload` on one runtime, built by `setup` and labelled `label`.
fn bench(
    group: &mut BenchmarkGroup<'_, WallTime>,
    workload: &Workload,
    label: &str,
    setup: fn() -> Routine,
) {
    let id = BenchmarkId::new(workload.name, label);
    if workload.setup_per_sample {
        group.bench_function(id, |b| {
            let mut routine = setup();
            b.iter(&mut routine)
        });
    } else {
        let mut routine = setup();
        group.bench_function(id, |b| b.iter(&mut routine));
    }
}

fn rt(c: &mut Criterion) {
    let mut group = c.benchmark_group("rt");
    // For a noisy 2-core machine: 20 samples and a short warm-up, so that
    // the 14 benchmarks fit in about three minutes. Criterion switches to
    // flat sampling by itself where an iteration is too long for linear
    // sampling to fit in the measurement time.
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    for workload in &WORKLOADS {
        bench(&mut group, workload, "taskcell", workload.taskcell);
        bench(&mut group, workload, "tokio", workload.tokio);
    }

    group.finish();
}

criterion_group!(benches, rt);
criterion_main!(benches);
