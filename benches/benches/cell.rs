//! `cell`: one read-modify-write of a `u64`, through `TaskCell::with_mut`
//! inside a task against the ways of getting the same `&mut u64` that it
//! replaces. `RefCell::borrow_mut` is the floor (a borrow flag, no thread
//! check); the three `Mutex`es are what a `Send` future reaches for today.
//! The timed loops are in `taskcell_benches::cell`, run here through
//! `iter_custom`.
//!
//! The ratio to `RefCell` is printed first, timed in alternation (median of
//! 21 rounds of at least 20 ms each; one short round under `cargo test`,
//! criterion's test mode): the criterion figures below it time each variant
//! for seconds on its own, so on a busy machine their ratio moves with the
//! load, where the alternating one does not.
//!
//! Run with `cargo bench -p taskcell-benches --bench cell`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use taskcell_benches::cell::{ratio_to_ref_cell, OTHERS, TASK_CELL};

/// Rounds of the printed ratio.
const ROUNDS: usize = 21;

fn cell(c: &mut Criterion) {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let (rounds, budget) = if benchmarking {
        (ROUNDS, Duration::from_millis(20))
    } else {
        (1, Duration::from_micros(100))
    };
    println!(
        "cell: TaskCell::with_mut / RefCell::borrow_mut = {:.2} (median of {rounds} alternating rounds)",
        ratio_to_ref_cell(rounds, budget)
    );

    let mut group = c.benchmark_group("cell");
    for variant in [TASK_CELL].iter().chain(&OTHERS) {
        group.bench_function(variant.name, |b| b.iter_custom(variant.time));
    }
    group.finish();
}

criterion_group!(benches, cell);
criterion_main!(benches);
