//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields once to the executor: wakes itself, returns `Pending`, then `Ready`.
pub fn yield_now() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

/// Suspends until a freshly spawned OS thread wakes the task. Executors
/// queue wake-ups from foreign threads globally (tokio's inject queue, the
/// thread pool's shared channel), so any worker may resume the task: this
/// makes migration likely even when every worker is busy.
pub fn remote_wake() -> impl Future<Output = ()> {
    RemoteWake { spawned: false }
}

struct RemoteWake {
    spawned: bool,
}

impl Future for RemoteWake {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.spawned {
            return Poll::Ready(());
        }
        self.spawned = true;
        let waker = cx.waker().clone();
        std::thread::spawn(move || waker.wake());
        Poll::Pending
    }
}

/// Scales a count down under Miri, which interprets every instruction.
pub fn scaled(n: usize, under_miri: usize) -> usize {
    if cfg!(miri) {
        under_miri
    } else {
        n
    }
}
