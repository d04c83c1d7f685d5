//! `Builder::thread_stack_size` gives worker threads the requested stack:
//! a task that needs far more stack than a default thread has runs fine.

mod common;

use std::hint::black_box;

use taskcell_executor::Builder;

/// Recurses `depth` times with a 64 KiB frame each: about `depth * 64` KiB
/// of stack.
#[inline(never)]
fn deep(depth: usize) -> u64 {
    let frame = black_box([depth as u8; 64 * 1024]);
    if depth == 0 {
        return u64::from(frame[0]);
    }
    let below = deep(depth - 1);
    below + u64::from(black_box(&frame)[frame.len() - 1])
}

#[test]
#[cfg_attr(miri, ignore = "a deep stack is too slow to interpret")]
fn a_task_can_use_the_configured_stack_size() {
    common::guarded(|| {
        // About 12 MiB of frames: far beyond the 2 MiB that Rust gives a
        // spawned thread by default, well within the 64 MiB asked for.
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .thread_stack_size(64 * 1024 * 1024)
            .build()
            .unwrap();
        let depth = 192;
        let out = rt.block_on(rt.spawn(async move { deep(depth) })).unwrap();
        assert_eq!(out, (1..=depth as u64).map(|d| d % 256).sum::<u64>());
    });
}
