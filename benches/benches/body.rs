//! `body`: a 64 MiB HTTP response in 16 KiB chunks through hyper over
//! loopback, its body made `Sync` for `BoxBody` by a `TaskCell`, a `Mutex`
//! or a `SyncWrapper`, on `taskcell-executor` and on tokio; see
//! `taskcell_benches::body` for the workload.
//!
//! One iteration is one request on a kept-alive connection, the whole body
//! read by hyper's client; criterion reports the throughput. Ids:
//! `body/<runtime>+<wrapper>`, ours (`taskcell-executor+TaskCell`) first.
//!
//! Run with `cargo bench -p taskcell-benches --bench body`: six benchmarks
//! of 1 s warm-up and 5 s measurement each.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use taskcell_benches::body::{OURS, THEIRS, TOTAL};

fn body(c: &mut Criterion) {
    let mut group = c.benchmark_group("body");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Bytes(TOTAL));

    for variant in [OURS].iter().chain(&THEIRS) {
        let mut routine = (variant.setup)();
        group.bench_function(variant.name, |b| b.iter(&mut routine));
    }

    group.finish();
}

criterion_group!(benches, body);
criterion_main!(benches);
