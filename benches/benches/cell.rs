//! `cell`: one read-modify-write of a `u64`, through `TaskCell::with_mut`
//! inside a task against the ways of getting the same `&mut u64` that it
//! replaces. `RefCell::borrow_mut` is the floor (a borrow flag, no thread
//! check); the three `Mutex`es are what a `Send` future reaches for today.

use std::cell::RefCell;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, Criterion};
use taskcell::TaskCell;
use taskcell_benches::in_task;

fn cell(c: &mut Criterion) {
    let mut group = c.benchmark_group("cell");

    let task_cell = TaskCell::new(0u64);
    in_task(|| {
        group.bench_function("TaskCell::with_mut", |b| {
            b.iter(|| black_box(&task_cell).with_mut(|n| *n += 1))
        });
    });

    let ref_cell = RefCell::new(0u64);
    group.bench_function("RefCell::borrow_mut", |b| {
        b.iter(|| *black_box(&ref_cell).borrow_mut() += 1)
    });

    let std_mutex = std::sync::Mutex::new(0u64);
    group.bench_function("std::sync::Mutex", |b| {
        b.iter(|| *black_box(&std_mutex).lock().unwrap() += 1)
    });

    let pl_mutex = parking_lot::Mutex::new(0u64);
    group.bench_function("parking_lot::Mutex", |b| {
        b.iter(|| *black_box(&pl_mutex).lock() += 1)
    });

    // `lock().await`, uncontended: one poll that completes at once. Polling
    // by hand keeps any executor's overhead out of the figure.
    let tokio_mutex = tokio::sync::Mutex::new(0u64);
    let mut cx = Context::from_waker(Waker::noop());
    group.bench_function("tokio::sync::Mutex", |b| {
        b.iter(
            || match pin!(black_box(&tokio_mutex).lock()).poll(&mut cx) {
                Poll::Ready(mut guard) => *guard += 1,
                Poll::Pending => unreachable!("an uncontended lock is ready at once"),
            },
        )
    });

    group.finish();
}

criterion_group!(benches, cell);
criterion_main!(benches);
