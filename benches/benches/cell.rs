//! `cell`: one read-modify-write of a `u64`, through `TaskCell::with_mut`
//! inside a task against the ways of getting the same `&mut u64` that it
//! replaces. `RefCell::borrow_mut` is the floor (a borrow flag, no thread
//! check); the three `Mutex`es are what a `Send` future reaches for today.
//! The timed loops are in `taskcell_benches::cell`, run here through
//! `iter_custom`.

use criterion::{criterion_group, criterion_main, Criterion};
use taskcell_benches::cell::{OTHERS, TASK_CELL};

fn cell(c: &mut Criterion) {
    let mut group = c.benchmark_group("cell");
    for variant in [TASK_CELL].iter().chain(&OTHERS) {
        group.bench_function(variant.name, |b| b.iter_custom(variant.time));
    }
    group.finish();
}

criterion_group!(benches, cell);
criterion_main!(benches);
