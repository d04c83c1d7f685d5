//! The blocking pool behind `spawn_blocking`: threads that run closures
//! allowed to block, growing up to `max_blocking_threads` and exiting after
//! `thread_keep_alive` without work.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::context;
use crate::primitives::{wait_while, Condvar, Mutex};
use crate::runtime::ThreadHooks;
use crate::scheduler::Handle;
use crate::task::{Notified, Schedule, Task};

thread_local! {
    /// The pool whose thread this is (null elsewhere): a pool shut down from
    /// one of its own threads (a `Runtime` dropped inside `spawn_blocking`)
    /// must not wait for that thread.
    static OWN_POOL: Cell<*const BlockingPool> = const { Cell::new(std::ptr::null()) };
}

/// The scheduler of blocking tasks: the pool's queue.
pub(crate) struct BlockingSchedule {
    handle: Handle,
}

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified<Self>) {
        self.handle.blocking().push(task, &self.handle);
    }

    fn yield_now(&self, _task: Notified<Self>) {
        unreachable!("a blocking task finishes in its one poll");
    }

    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        #[cfg(feature = "test-util")]
        self.handle.blocking_task_released();
        None // blocking tasks are not in the owned-task list
    }
}

impl BlockingSchedule {
    pub(crate) fn new(handle: Handle) -> BlockingSchedule {
        BlockingSchedule { handle }
    }
}

/// A closure run as a one-poll future.
pub(crate) struct BlockingTask<F>(Option<F>);

impl<F> BlockingTask<F> {
    pub(crate) fn new(f: F) -> BlockingTask<F> {
        BlockingTask(Some(f))
    }
}

impl<F> Unpin for BlockingTask<F> {}

impl<R, F: FnOnce() -> R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("a blocking task is polled once");
        Poll::Ready(f())
    }
}

pub(crate) struct BlockingPool {
    state: Mutex<PoolState>,
    /// Idle threads wait here for work.
    work: Condvar,
    /// Shutdown waits here for threads to exit.
    exited: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    hooks: StdArc<ThreadHooks>,
}

struct PoolState {
    queue: VecDeque<Notified<BlockingSchedule>>,
    threads: usize,
    idle: usize,
    /// Notifications sent to idle threads and not yet taken.
    notified: usize,
    shutdown: bool,
}

impl BlockingPool {
    pub(crate) fn new(
        max_threads: usize,
        keep_alive: Duration,
        hooks: StdArc<ThreadHooks>,
    ) -> Self {
        BlockingPool {
            state: Mutex::new(PoolState {
                queue: VecDeque::new(),
                threads: 0,
                idle: 0,
                notified: 0,
                shutdown: false,
            }),
            work: Condvar::new(),
            exited: Condvar::new(),
            max_threads,
            keep_alive,
            hooks,
        }
    }

    /// Queues `task` for a blocking thread, starting one if none is idle
    /// and the cap allows; gives the task back if the pool has shut down,
    /// for the caller to cancel (`scheduler::Refused`).
    pub(crate) fn push(
        &self,
        task: Notified<BlockingSchedule>,
        handle: &Handle,
    ) -> Option<Notified<BlockingSchedule>> {
        let mut state = self.state.lock();
        if state.shutdown {
            // Refused: the caller cancels it (`scheduler::Refused`).
            return Some(task);
        }
        state.queue.push_back(task);
        if state.idle > state.notified {
            state.notified += 1;
            self.work.notify_one();
        } else if state.threads < self.max_threads {
            state.threads += 1;
            drop(state);
            if let Err(err) = self.spawn_thread(handle) {
                // Leave the task queued for the existing threads; with none,
                // it is cancelled at shutdown.
                self.state.lock().threads -= 1;
                eprintln!("taskcell-executor: could not start a blocking thread: {err}");
            }
        }
        None
    }

    fn spawn_thread(&self, handle: &Handle) -> std::io::Result<()> {
        let handle = handle.clone();
        let mut builder = std::thread::Builder::new().name(self.hooks.name());
        if let Some(size) = self.hooks.stack_size {
            builder = builder.stack_size(size);
        }
        builder.spawn(move || {
            let _cx = context::enter_handle(&handle);
            handle.blocking().run_thread();
        })?;
        Ok(())
    }

    fn run_thread(&self) {
        OWN_POOL.with(|own| own.set(self));
        self.hooks.started();
        let mut state = self.state.lock();
        loop {
            if let Some(task) = state.queue.pop_front() {
                drop(state);
                task.run();
                state = self.state.lock();
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            let deadline = Instant::now() + self.keep_alive;
            let _ = self.work.wait_for(&mut state, self.keep_alive);
            state.idle -= 1;
            if state.notified > 0 {
                state.notified -= 1;
            } else if state.shutdown {
                // Idle at shutdown: cancel what is queued (tokio's
                // `shutdown_or_run_if_mandatory`).
                let queued = std::mem::take(&mut state.queue);
                drop(state);
                for task in queued {
                    task.0.shutdown();
                }
                state = self.state.lock();
                break;
            } else if state.queue.is_empty() && !state.shutdown && Instant::now() >= deadline {
                break; // idle for a whole keep-alive
            }
        }
        state.threads -= 1;
        drop(state);
        self.exited.notify_all();
        self.hooks.stopped();
    }

    /// Stops taking tasks and waits (until the deadline, if any) for the
    /// threads to finish. Threads busy or starting run what is queued, as
    /// tokio's do; threads idle now cancel it; with no thread at all, it is
    /// cancelled here.
    pub(crate) fn shutdown(&self, deadline: Option<Instant>) {
        let queued = {
            let mut state = self.state.lock();
            state.shutdown = true;
            // A thread starting or busy runs what is queued, as tokio's;
            // with none, nobody will.
            if state.threads == 0 {
                std::mem::take(&mut state.queue)
            } else {
                VecDeque::new()
            }
        };
        self.work.notify_all();
        for task in queued {
            task.0.shutdown();
        }
        // On one of our own threads, that thread stays until its closure
        // returns, after this: do not count it.
        let this_thread = usize::from(OWN_POOL.with(|own| std::ptr::eq(own.get(), self)));
        let mut state = self.state.lock();
        wait_while(&self.exited, &mut state, deadline, |state| {
            state.threads > this_thread
        });
    }
}
