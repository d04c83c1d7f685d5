//! `cell`: one read-modify-write of a `u64` (`*n += 1`), uncontended, on one
//! thread, through `TaskCell::with_mut` inside a task against the ways of
//! getting the same `&mut u64` that it replaces. `RefCell::borrow_mut` is
//! the floor (a borrow flag, no thread check); the three `Mutex`es are what
//! a `Send` future reaches for today. `tokio::sync::Mutex` is
//! `lock().await`, polled by hand once, so that no executor's overhead is in
//! the figure.
//!
//! Each [`Variant`] times a loop of `iters` increments, each through
//! [`black_box`], the way criterion's `iter` does; the criterion bench runs
//! it through `iter_custom`, the `showdown` program through [`per_op`].
//!
//! Every cell and lock lies alone in a 128-byte-aligned heap block
//! ([`Alone`]), as a task's state lies in its task's allocation. Where a
//! cell lies moves these loops by more than the check does: on an Intel
//! Xeon, `RefCell`'s loop took 0.36 ns when its cell shared a cache line with
//! the stack slot through which `black_box` passes the cell's address, and
//! 0.50 ns when it did not, so a cell on the stack, placed by ASLR, gave a
//! ratio of 1.0 or 1.4 from one process to the next.
//!
//! The figure that matters is the ratio to `RefCell`, a fraction of a
//! nanosecond; timed apart, as criterion times benchmarks (seconds of one,
//! then seconds of the next), it moves with whatever else the machine does
//! in between. [`ratio_to_ref_cell`] times the two in alternation instead,
//! and the criterion bench prints it first.

use std::cell::RefCell;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use taskcell::TaskCell;

use crate::{in_task, median};

/// One way of doing `*n += 1`.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The benchmark's name, e.g. `TaskCell::with_mut`.
    pub name: &'static str,
    /// Runs `iters` increments and returns the time they took.
    pub time: fn(iters: u64) -> Duration,
}

/// `TaskCell::with_mut`, inside a task: ours.
pub const TASK_CELL: Variant = Variant {
    name: "TaskCell::with_mut",
    time: task_cell,
};

/// `RefCell::borrow_mut`: the floor, a borrow flag and no thread check.
pub const REF_CELL: Variant = Variant {
    name: "RefCell::borrow_mut",
    time: ref_cell,
};

/// What `TaskCell::with_mut` is compared with, in the order of the bench.
pub const OTHERS: [Variant; 4] = [
    REF_CELL,
    Variant {
        name: "std::sync::Mutex",
        time: std_mutex,
    },
    Variant {
        name: "parking_lot::Mutex",
        time: parking_lot_mutex,
    },
    Variant {
        name: "tokio::sync::Mutex",
        time: tokio_mutex,
    },
];

/// A value alone in its own 128-byte-aligned block (two cache lines, for
/// the adjacent-line prefetcher): the cells of every variant live in one, on
/// the heap, so that no variant shares a line with the loop's stack and
/// each is timed at the same offset in its line.
///
/// ```
/// use std::cell::RefCell;
/// use taskcell_benches::cell::Alone;
///
/// let cell = Alone::new(RefCell::new(0u64));
/// *cell.borrow_mut() += 1;
/// assert_eq!(std::ptr::from_ref(&*cell).addr() % 128, 0);
/// assert_eq!(*cell.borrow(), 1);
/// ```
#[derive(Debug)]
#[repr(align(128))]
pub struct Alone<T>(T);

impl<T> Alone<T> {
    /// `value`, alone in a new heap block.
    pub fn new(value: T) -> Box<Self> {
        Box::new(Alone(value))
    }
}

impl<T> std::ops::Deref for Alone<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Times `iters` calls of `op`.
#[inline(always)]
fn time(iters: u64, mut op: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        op();
    }
    start.elapsed()
}

fn task_cell(iters: u64) -> Duration {
    let cell = Alone::new(TaskCell::new(0u64));
    in_task(|| time(iters, || black_box(&**cell).with_mut(|n| *n += 1)))
}

fn ref_cell(iters: u64) -> Duration {
    let cell = Alone::new(RefCell::new(0u64));
    time(iters, || *black_box(&**cell).borrow_mut() += 1)
}

fn std_mutex(iters: u64) -> Duration {
    let mutex = Alone::new(std::sync::Mutex::new(0u64));
    time(iters, || *black_box(&**mutex).lock().unwrap() += 1)
}

fn parking_lot_mutex(iters: u64) -> Duration {
    let mutex = Alone::new(parking_lot::Mutex::new(0u64));
    time(iters, || *black_box(&**mutex).lock() += 1)
}

fn tokio_mutex(iters: u64) -> Duration {
    let mutex = Alone::new(tokio::sync::Mutex::new(0u64));
    let mut cx = Context::from_waker(Waker::noop());
    time(iters, || {
        match pin!(black_box(&**mutex).lock()).poll(&mut cx) {
            Poll::Ready(mut guard) => *guard += 1,
            Poll::Pending => unreachable!("an uncontended lock is ready at once"),
        }
    })
}

/// Nanoseconds per increment of `variant`: doubles the loop length until one
/// loop takes at least `budget`, and returns the figure of that loop.
///
/// ```
/// use std::time::Duration;
/// use taskcell_benches::cell::{per_op, TASK_CELL};
///
/// assert!(per_op(TASK_CELL, Duration::from_micros(10)) > 0.0);
/// ```
pub fn per_op(variant: Variant, budget: Duration) -> f64 {
    let mut iters = 1_000u64;
    loop {
        let elapsed = (variant.time)(iters);
        if elapsed >= budget {
            return elapsed.as_nanos() as f64 / iters as f64;
        }
        iters *= 2;
    }
}

/// `TaskCell::with_mut` over `RefCell::borrow_mut`: `rounds` rounds, each
/// timing one [`per_op`] loop of each, TaskCell first; the median of the
/// rounds' ratios, so that a burst of load on the machine lands on both
/// sides of a ratio alike.
///
/// ```
/// use std::time::Duration;
/// use taskcell_benches::cell::ratio_to_ref_cell;
///
/// let ratio = ratio_to_ref_cell(3, Duration::from_micros(10));
/// assert!(ratio.is_finite() && ratio > 0.0);
/// ```
pub fn ratio_to_ref_cell(rounds: usize, budget: Duration) -> f64 {
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|_| per_op(TASK_CELL, budget) / per_op(REF_CELL, budget))
        .collect();
    median(&mut ratios).unwrap_or(f64::NAN)
}
