//! Where the floor of `TaskCell::with_mut` lies: the same `*n += 1` loop as
//! the `cell` bench, through stand-alone cells that keep one part of the
//! check or another, timed in alternation against `RefCell::borrow_mut`.
//!
//! ```text
//! cargo run --release -p taskcell-benches --example cell_floor
//! ```
//!
//! Each line is a median over rounds of the variant's time per increment
//! divided by `RefCell`'s in the same round:
//!
//! - `owner + current + borrow`: what `TaskCell::with_mut` checks — a relaxed
//!   load of the owner compared with the thread-local current id, then the
//!   borrow flag (stored and restored around the closure, which the
//!   optimiser folds as it does for `RefCell`);
//! - `owner + current`: the same without the borrow flag (unsound for a
//!   real cell: a nested `with_mut` would alias);
//! - `owner + constant + borrow`: the owner compared with a constant instead
//!   of the thread-local (no task identity at all);
//! - `one word, stored twice`: owner and borrow in one atomic word, so one
//!   load checks both, at the price of two atomic stores per access (which
//!   the optimiser may not fold);
//! - `TaskCell::with_mut`: the real thing, inside a task, for comparison.

use std::cell::{Cell, UnsafeCell};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use taskcell_benches::cell::{per_op, Alone, Variant, REF_CELL, TASK_CELL};
use taskcell_benches::median;

std::thread_local! {
    static CURRENT: Cell<u64> = const { Cell::new(0) };
}

/// The owner every stand-alone cell is created with, and the current id.
const OWNER: u64 = 7;
/// A bit no owner has: the one-word cell's "lent" mark.
const LENT: u64 = 1 << 62;

/// An owner word, a borrow flag and a value, laid out as in `TaskCell`.
struct Split {
    owner: AtomicU64,
    borrow: UnsafeCell<isize>,
    value: UnsafeCell<u64>,
}

/// Owner and borrow in one word.
struct OneWord {
    word: AtomicU64,
    value: UnsafeCell<u64>,
}

#[cold]
#[inline(never)]
fn refused() -> ! {
    panic!("the check failed: every variant runs as the owner")
}

fn split() -> Split {
    Split {
        owner: AtomicU64::new(OWNER),
        borrow: UnsafeCell::new(0),
        value: UnsafeCell::new(0),
    }
}

/// Times `iters` calls of `op` on `black_box(cell)`: `cell` alone on its
/// lines, as the `cell` bench's cells are ([`Alone`]).
#[inline(always)]
fn time<C>(iters: u64, cell: &C, mut op: impl FnMut(&C)) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        op(black_box(cell));
    }
    start.elapsed()
}

/// `*n += 1` inside the borrow flag's dance: "is it 0? store -1 … store
/// back what was found", as `TaskCell::with_mut` does after its check.
#[inline(always)]
fn increment_lent(cell: &Split) {
    // SAFETY: one thread, and no reference to `borrow` or `value` outlives
    // the statement that makes it.
    unsafe {
        let found = *cell.borrow.get();
        if found != 0 {
            refused()
        }
        *cell.borrow.get() = -1;
        *cell.value.get() += 1;
        *cell.borrow.get() = found;
    }
}

fn owner_current_borrow(iters: u64) -> Duration {
    time(iters, &*Alone::new(split()), |cell| {
        if cell.owner.load(Relaxed) != CURRENT.with(Cell::get) {
            refused()
        }
        increment_lent(cell);
    })
}

fn owner_current(iters: u64) -> Duration {
    time(iters, &*Alone::new(split()), |cell| {
        if cell.owner.load(Relaxed) != CURRENT.with(Cell::get) {
            refused()
        }
        // SAFETY: one thread; the reference ends with the statement.
        unsafe { *cell.value.get() += 1 }
    })
}

fn owner_constant_borrow(iters: u64) -> Duration {
    time(iters, &*Alone::new(split()), |cell| {
        if cell.owner.load(Relaxed) != OWNER {
            refused()
        }
        increment_lent(cell);
    })
}

fn one_word(iters: u64) -> Duration {
    let cell = Alone::new(OneWord {
        word: AtomicU64::new(OWNER),
        value: UnsafeCell::new(0),
    });
    time(iters, &*cell, |cell| {
        let current = CURRENT.with(Cell::get);
        if cell.word.load(Relaxed) != current {
            refused()
        }
        cell.word.store(current | LENT, Relaxed);
        // SAFETY: one thread; the reference ends with the statement.
        unsafe { *cell.value.get() += 1 };
        cell.word.store(current, Relaxed);
    })
}

fn main() {
    CURRENT.with(|current| current.set(OWNER));
    let rounds = 15;
    let budget = Duration::from_millis(20);
    let variant = |name, time| Variant { name, time };
    let variants = [
        variant("owner + current + borrow", owner_current_borrow),
        variant("owner + current", owner_current),
        variant("owner + constant + borrow", owner_constant_borrow),
        variant("one word, stored twice", one_word),
        TASK_CELL,
    ];
    let mut ratios = vec![Vec::with_capacity(rounds); variants.len()];
    for _ in 0..rounds {
        let floor = per_op(REF_CELL, budget);
        for (&variant, ratios) in variants.iter().zip(&mut ratios) {
            ratios.push(per_op(variant, budget) / floor);
        }
    }
    println!("time per `*n += 1` over RefCell::borrow_mut's, median of {rounds} rounds:");
    for (variant, ratios) in variants.iter().zip(&mut ratios) {
        println!(
            "  {:26} {:.2}",
            variant.name,
            median(ratios).unwrap_or(f64::NAN)
        );
    }
}
