//! `worker_total_busy_duration` under concurrent readers and for short
//! stretches: every reading is a value the worker published, so it never
//! goes back and never exceeds the time since the runtime started (it used
//! to wrap to about 292 years when a stretch began between a reader's clock
//! reading and its load); and stretches shorter than the kernel's tick
//! count for what they last (a current-thread runtime used to read 0).
#![cfg(not(miri))]

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use taskcell_executor::time::sleep;

/// Keeps the thread busy for `d`.
fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

#[test]
fn readers_see_busy_time_grow_and_never_wrap() {
    const READERS: usize = 16;
    const ROUNDS: u32 = 150;
    const SPIN: Duration = Duration::from_micros(300);
    common::guarded(|| {
        let built = Instant::now();
        let rt = taskcell_executor::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap();
        let metrics = rt.handle().metrics();
        let done = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                let (metrics, done) = (metrics.clone(), Arc::clone(&done));
                thread::spawn(move || {
                    let mut last = Duration::ZERO;
                    let mut reads = 0u64;
                    while !done.load(SeqCst) {
                        let busy = metrics.worker_total_busy_duration(0);
                        assert!(busy >= last, "went back: {last:?} then {busy:?}");
                        let elapsed = built.elapsed();
                        assert!(busy <= elapsed, "{busy:?} busy in {elapsed:?}");
                        last = busy;
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        rt.block_on(rt.spawn(async {
            for _ in 0..ROUNDS {
                spin(SPIN);
                sleep(Duration::from_millis(1)).await;
            }
        }))
        .unwrap();
        done.store(true, SeqCst);
        for reader in readers {
            assert!(reader.join().unwrap() > 0);
        }
        // Every spin counted once the worker parks and publishes.
        let spun = SPIN * ROUNDS;
        assert!(
            common::wait_until(Duration::from_secs(30), || {
                metrics.worker_total_busy_duration(0) >= spun
            }),
            "{:?} busy after spinning {spun:?}",
            metrics.worker_total_busy_duration(0)
        );
        assert!(metrics.worker_total_busy_duration(0) <= built.elapsed());
    });
}

#[test]
fn short_stretches_on_a_current_thread_runtime_count() {
    const TASKS: u32 = 10;
    const SPIN: Duration = Duration::from_micros(50);
    common::guarded(|| {
        let rt = common::current_thread_rt();
        let metrics = rt.handle().metrics();
        assert_eq!(metrics.worker_total_busy_duration(0), Duration::ZERO);
        rt.block_on(async {
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| taskcell_executor::spawn(async { spin(SPIN) }))
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        // `block_on` returned: its stretch is published, to the nanosecond.
        let busy = metrics.worker_total_busy_duration(0);
        assert!(
            busy >= SPIN * TASKS,
            "{busy:?} busy after {:?} of work",
            SPIN * TASKS
        );
    });
}
