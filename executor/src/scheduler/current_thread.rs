//! The current-thread flavour: one core, lent to whichever `block_on`
//! drives the runtime. That thread runs the root future and the runtime's
//! tasks, and sleeps in the driver when there is nothing to do. A second
//! `block_on` meanwhile polls its own future alone, and takes the core over
//! when the first gives it back.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::park::{Parker, RootWaker};
use super::worker::{self, Core};
use super::{Config, Flavor, Handle, Shared};
use crate::context;
use crate::primitives::Arc;
use crate::runtime::metrics::WorkerMetrics;

/// How many tasks the current-thread driver runs between looks at the root
/// future. It runs them even when the root future was woken meanwhile (as
/// tokio does): a root future that yields in a loop, waiting for a task,
/// lets that task run.
const DRIVER_BUDGET: u32 = 61;

/// A current-thread runtime's scheduler: its core waits in the shared state
/// for a `block_on` to take it.
#[derive(Debug)]
pub(crate) struct CurrentThread(());

impl CurrentThread {
    /// Builds the scheduler, with its one core ready to be taken.
    pub(crate) fn new(config: Config) -> (Handle, CurrentThread) {
        debug_assert_eq!(config.workers, 1);
        let (handle, cores) = Handle::new(Flavor::CurrentThread, config);
        *handle.shared.current_core.lock() = cores.into_iter().next().map(Box::new);
        (handle, CurrentThread(()))
    }

    /// Drives the runtime with its core, or, while another `block_on` holds
    /// the core, polls `future` alone and waits for either its wake-up or
    /// the core's return, then takes the core over.
    pub(crate) fn block_on<F: Future>(handle: &Handle, mut future: Pin<&mut F>) -> F::Output {
        let shared = &*handle.shared;
        let (root, waker) = RootWaker::standalone();
        let mut cx = Context::from_waker(&waker);
        loop {
            // A statement of its own: the guard must be gone before `drive`.
            let core = shared.current_core.lock().take();
            if let Some(core) = core {
                let core = ReturnCore(shared, Some(core));
                let core = core.1.as_deref().expect("just put there");
                return drive(core, handle, future);
            }
            // Register before looking again, so a core returned from now on
            // unparks us (see `Shared::core_waiters`).
            shared.core_waiters.lock().push(Arc::clone(&root.parker));
            let waiting = WaitForCore(shared, &root.parker);
            if shared.current_core.lock().is_some() {
                continue;
            }
            if let Poll::Ready(out) = shared.poll_root(future.as_mut(), &mut cx) {
                return out;
            }
            root.parker.park();
            shared.clock().refresh();
            drop(waiting);
        }
    }

    /// Tears the scheduler down (`Handle::finish_shutdown`): there are no
    /// threads to wait for.
    pub(crate) fn shutdown(&mut self, handle: &Handle, deadline: Option<Instant>) {
        handle.begin_shutdown();
        handle.finish_shutdown(deadline);
    }
}

/// Runs `root` and the runtime's tasks on this thread, with `core`, until
/// `root` is ready.
fn drive<F: Future>(core: &Core, handle: &Handle, mut root: Pin<&mut F>) -> F::Output {
    let shared = &*handle.shared;
    let parker = Arc::clone(&shared.remotes[core.index].parker);
    let root_waker = StdArc::new(RootWaker::new(parker));
    let waker = Waker::from(StdArc::clone(&root_waker));
    let mut cx = Context::from_waker(&waker);
    let worker = worker::Context {
        core,
        shared,
        handle,
    };
    context::set_scheduler(worker, || {
        let _publish = Publish(core, shared);
        let metrics = core.metrics(shared);
        metrics.unparked(shared.clock());
        let _stop = Stop(shared, metrics);
        // Whether the root future was woken during its own poll (it
        // yielded): like a task that yields, it is polled again only after
        // a driver turn, so a root that yields while it waits for I/O sees
        // it come in (tokio polls its driver before each poll of a woken
        // root).
        let mut root_yielded = false;
        loop {
            if root_waker.take_woken() {
                if let Poll::Ready(out) = shared.poll_root(root.as_mut(), &mut cx) {
                    return out;
                }
                root_yielded = root_waker.is_woken();
            }
            let mut ran = 0;
            while ran < DRIVER_BUDGET {
                match core.next_task(shared) {
                    Some(task) => core.run_task(shared, task),
                    None => break,
                }
                ran += 1;
            }
            // Tasks that yielded run again after a driver turn, and after
            // the root future has had its poll (tokio's order): a task
            // spinning on `yield_now` gets one poll a round.
            if root_yielded {
                root_yielded = false;
                core.yield_to_driver(shared);
                continue;
            }
            if core.run_deferred(shared) {
                continue;
            }
            if ran == 0 && !root_waker.is_woken() {
                // The hooks run around the park; work `on_thread_park` makes
                // runs instead of it.
                shared.park_hooks.parking();
                if !core.has_local_work(shared) && !root_waker.is_woken() {
                    core.publish_polls(shared);
                    metrics.parking(shared.clock());
                    core.in_driver.set(true);
                    root_waker.parker.park_on(&shared.driver, None);
                    core.in_driver.set(false);
                    metrics.unparked(shared.clock());
                }
                shared.park_hooks.unparked();
            }
        }
    })
}

/// Ends the core's busy stretch when `drive` returns or unwinds.
struct Stop<'a>(&'a Shared, &'a WorkerMetrics);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.1.stopped(self.0.clock());
    }
}

/// Publishes the polls counted when `drive` returns or unwinds.
struct Publish<'a>(&'a Core, &'a Shared);

impl Drop for Publish<'_> {
    fn drop(&mut self) {
        self.0.publish_polls(self.1);
    }
}

/// Puts the current-thread core back, even if the root future panics, and
/// unparks the `block_on` calls waiting for it.
struct ReturnCore<'a>(&'a Shared, Option<Box<Core>>);

impl Drop for ReturnCore<'_> {
    fn drop(&mut self) {
        let shared = self.0;
        *shared.current_core.lock() = self.1.take();
        for parker in shared.core_waiters.lock().iter() {
            parker.unpark();
        }
    }
}

/// A `block_on`'s place among the core's waiters, left on drop.
struct WaitForCore<'a>(&'a Shared, &'a Arc<Parker>);

impl Drop for WaitForCore<'_> {
    fn drop(&mut self) {
        let mut waiters = self.0.core_waiters.lock();
        if let Some(at) = waiters.iter().position(|p| Arc::ptr_eq(p, self.1)) {
            waiters.swap_remove(at);
        }
    }
}
