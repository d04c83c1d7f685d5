//! `memory`: heap bytes per pending task.
//!
//! [`TASKS`] tasks are spawned from outside a fresh runtime and each parks on
//! a shared gate (a `tokio::sync::Semaphore` with no permits; both runtimes
//! use it, so only the runtime differs). Once every task has been polled and
//! parked, the growth of the heap, divided by the number of tasks, is the
//! figure: the task's allocation, its future, and whatever the runtime keeps
//! per task. Then the gate closes, which releases every task, and the
//! runtime is dropped.
//!
//! The heap is counted exactly by [`CountingAlloc`], a global allocator that
//! wraps the system's: a program that installs it (`#[global_allocator]`,
//! as the showdown and the `memory` bench do) gets a figure that does not
//! depend on what ran before. Without it, the figure falls back to the
//! growth of the resident set (`/proc/self/statm`, Linux only, pages of
//! [`PAGE_SIZE`] bytes), which an allocator holding freed pages from an
//! earlier run can hide: [`Sample::measure`] says which it is.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Tasks parked per measurement.
pub const TASKS: usize = 100_000;
/// The page size assumed when reading `/proc/self/statm`.
pub const PAGE_SIZE: u64 = 4096;

/// One measurement.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Growth per parked task, in bytes; `None` where neither the heap nor
    /// `/proc/self/statm` can be read.
    pub bytes_per_task: Option<f64>,
    /// What was measured.
    pub measure: Measure,
    /// Time from the first spawn until every task has parked.
    pub spawn_time: Duration,
}

/// What a [`Sample`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Heap bytes, exactly ([`CountingAlloc`] is the global allocator).
    Heap,
    /// The resident set, in pages (the fallback).
    Resident,
}

impl Measure {
    /// How the figure reads, for labels.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Heap => "heap bytes",
            Measure::Resident => "resident bytes",
        }
    }
}

/// A global allocator that counts the bytes it holds, over the system
/// allocator. Counting is off (one relaxed load per call) except during a
/// measurement: its atomic add would otherwise slow every allocation of
/// the program that installs it.
///
/// ```
/// #[global_allocator]
/// static ALLOC: taskcell_benches::memory::CountingAlloc = taskcell_benches::memory::CountingAlloc;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

/// Whether [`CountingAlloc`] counts now.
static COUNTING: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed while counting.
static LIVE: AtomicI64 = AtomicI64::new(0);

fn count(delta: i64) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_add(delta, Ordering::Relaxed);
    }
}

fn size(bytes: usize) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments,
// unchanged, and so keeps `GlobalAlloc`'s contract as `System` does; the
// counting touches only two atomics and allocates nothing.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's `layout` is valid for `alloc` (non-zero size).
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(size(layout.size()));
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(size(layout.size()));
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (so from `System`) with
        // `layout`, as the caller promises.
        unsafe { System.dealloc(ptr, layout) };
        count(-size(layout.size()));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's promises for `realloc`, forwarded.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(size(new_size) - size(layout.size()));
        }
        new
    }
}

/// Bytes allocated minus freed through [`CountingAlloc`] while counting
/// was on.
pub fn counted_bytes() -> i64 {
    LIVE.load(Ordering::Relaxed)
}

/// Turns [`CountingAlloc`]'s counting on or off.
pub fn set_counting(on: bool) {
    COUNTING.store(on, Ordering::SeqCst);
}

/// Whether [`CountingAlloc`] is this program's global allocator: with
/// counting on, a fresh allocation shows in the count.
pub fn counting_is_global() -> bool {
    let was = COUNTING.swap(true, Ordering::SeqCst);
    let before = counted_bytes();
    let probe = std::hint::black_box(Box::new([0u8; 64]));
    let after = counted_bytes();
    drop(probe);
    COUNTING.store(was, Ordering::SeqCst);
    after - before >= 64
}

/// The reading a measurement takes before and after: heap bytes if
/// [`CountingAlloc`] is global (counting on until [`stop_reading`]),
/// otherwise the resident set.
fn start_reading() -> (Measure, Option<i64>) {
    if counting_is_global() {
        set_counting(true);
        (Measure::Heap, Some(counted_bytes()))
    } else {
        (
            Measure::Resident,
            resident_bytes().and_then(|b| i64::try_from(b).ok()),
        )
    }
}

/// The reading after, in the same measure; counting stops.
fn stop_reading(measure: Measure) -> Option<i64> {
    match measure {
        Measure::Heap => {
            let bytes = counted_bytes();
            set_counting(false);
            Some(bytes)
        }
        Measure::Resident => resident_bytes().and_then(|b| i64::try_from(b).ok()),
    }
}

/// One runtime.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The runtime's name.
    pub name: &'static str,
    /// Parks `tasks` tasks on a fresh runtime, measures, then releases them
    /// and drops the runtime.
    pub measure: fn(tasks: usize) -> Sample,
}

/// `taskcell-executor`: ours.
pub const OURS: Variant = Variant {
    name: "taskcell-executor",
    measure: on_taskcell::measure,
};

/// tokio: theirs.
pub const THEIRS: Variant = Variant {
    name: "tokio",
    measure: on_tokio::measure,
};

/// The resident set size of this process in bytes, from `/proc/self/statm`;
/// `None` where that file cannot be read or parsed.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * PAGE_SIZE)
}

/// The task every measurement parks: it counts itself as parked, then waits
/// for the gate to close.
async fn parked_task(gate: Arc<Semaphore>, parked: Arc<AtomicUsize>) {
    parked.fetch_add(1, Ordering::Release);
    // Closing the semaphore makes `acquire` fail: that is the release.
    let _ = gate.acquire().await;
}

/// Waits until `parked` reaches `tasks`.
fn wait_parked(parked: &AtomicUsize, tasks: usize) {
    while parked.load(Ordering::Acquire) < tasks {
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Growth from `before` to `after`, per task.
fn per_task(before: Option<i64>, after: Option<i64>, tasks: usize) -> Option<f64> {
    Some((after? as f64 - before? as f64) / tasks as f64)
}

/// Defines `mod $side` with [`Variant::measure`] on the runtime that
/// `$runtime()` builds.
macro_rules! on_runtime {
    ($(#[$doc:meta])* mod $side:ident, runtime = $runtime:path $(,)?) => {
        $(#[$doc])*
        pub mod $side {
            use std::sync::atomic::AtomicUsize;
            use std::sync::Arc;
            use std::time::Instant;

            use tokio::sync::Semaphore;

            use super::{parked_task, per_task, start_reading, stop_reading, wait_parked, Sample};

            /// See [`Variant::measure`](super::Variant::measure).
            pub fn measure(tasks: usize) -> Sample {
                let rt = $runtime();
                // Let the workers start before the first reading.
                rt.block_on(async {});
                let gate = Arc::new(Semaphore::new(0));
                let parked = Arc::new(AtomicUsize::new(0));

                let (measure, before) = start_reading();
                let start = Instant::now();
                for _ in 0..tasks {
                    rt.spawn(parked_task(gate.clone(), parked.clone()));
                }
                wait_parked(&parked, tasks);
                let spawn_time = start.elapsed();
                let after = stop_reading(measure);

                gate.close();
                drop(rt);
                Sample {
                    bytes_per_task: per_task(before, after, tasks),
                    measure,
                    spawn_time,
                }
            }
        }
    };
}

on_runtime! {
    /// The measurement on `taskcell-executor`.
    mod on_taskcell,
    runtime = crate::taskcell_runtime,
}

on_runtime! {
    /// The measurement on tokio.
    mod on_tokio,
    runtime = crate::tokio_runtime,
}

/// Measures each runtime `rounds` times, alternating ours and theirs, and
/// returns what was measured and the median bytes per task of each
/// (`None` if it could not be read), ours first.
pub fn median_bytes_per_task(tasks: usize, rounds: usize) -> (Measure, Option<f64>, Option<f64>) {
    let mut ours = Vec::with_capacity(rounds);
    let mut theirs = Vec::with_capacity(rounds);
    let mut measure = Measure::Resident;
    for _ in 0..rounds {
        let sample = (OURS.measure)(tasks);
        measure = sample.measure;
        ours.extend(sample.bytes_per_task);
        theirs.extend((THEIRS.measure)(tasks).bytes_per_task);
    }
    (
        measure,
        crate::median(&mut ours),
        crate::median(&mut theirs),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The count follows a known pattern of allocations made through the
    /// allocator directly (it is not this test binary's global one).
    #[test]
    fn counts_what_it_holds_while_counting() {
        assert!(!counting_is_global());
        let alloc = CountingAlloc;
        let (a, b) = (
            Layout::from_size_align(100, 8).unwrap(),
            Layout::from_size_align(300, 16).unwrap(),
        );
        set_counting(true);
        let start = counted_bytes();
        // SAFETY: non-zero layouts; each block is freed once, with its
        // layout (the grown one after `realloc`).
        unsafe {
            let p = alloc.alloc(a);
            let q = alloc.alloc_zeroed(b);
            assert_eq!(counted_bytes() - start, 400);
            let p = alloc.realloc(p, a, 250);
            assert_eq!(counted_bytes() - start, 550);
            alloc.dealloc(q, b);
            assert_eq!(counted_bytes() - start, 250);
            set_counting(false);
            // Not counted while off.
            let r = alloc.alloc(a);
            alloc.dealloc(r, a);
            set_counting(true);
            alloc.dealloc(p, Layout::from_size_align(250, 8).unwrap());
        }
        assert_eq!(counted_bytes() - start, 0);
        set_counting(false);
    }
}
