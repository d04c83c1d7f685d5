//! `across_await`: tasks that own some state and update it between
//! `yield_now`s, keeping it in a `TaskCell` or behind a `Mutex`; see
//! `taskcell_benches::across_await` for the workload.
//!
//! One iteration spawns 256 tasks of 1 000 steps each from `block_on` and
//! joins them, on a runtime with `TASKCELL_WORKERS` worker threads (by
//! default one per core; see `taskcell_benches::workers`): criterion's
//! `b.iter` around `block_on`, as in the `rt` bench. Ids: `across_await/<variant>`,
//! ours (`taskcell-executor+TaskCell`) first.
//!
//! Run with `cargo bench -p taskcell-benches --bench across_await`: six
//! benchmarks of 1 s warm-up and 5 s measurement each.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use taskcell_benches::across_await::{OURS, THEIRS};

fn across_await(c: &mut Criterion) {
    let mut group = c.benchmark_group("across_await");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    for variant in [OURS].iter().chain(&THEIRS) {
        let mut routine = (variant.setup)();
        group.bench_function(variant.name, |b| b.iter(&mut routine));
    }

    group.finish();
}

criterion_group!(benches, across_await);
criterion_main!(benches);
