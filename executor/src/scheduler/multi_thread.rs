//! The multi-thread flavour: a pool of worker threads, each running
//! [`Core::run`](super::worker::Core::run), and `block_on` on any other
//! thread beside them.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};
use std::time::Instant;

use super::lend::Lend;
use super::park::RootWaker;
use super::worker::{self, Core};
use super::{Config, Flavor, Handle, Shared};
use crate::context;
use crate::primitives::wait_while;
use crate::runtime::ThreadHooks;
use crate::task::Meta;

/// The worker threads of a multi-thread runtime.
#[derive(Debug)]
pub(crate) struct MultiThread {
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl MultiThread {
    /// Builds the scheduler and starts one thread per worker.
    ///
    /// # Errors
    ///
    /// If a thread cannot be started; those already started are shut down.
    pub(crate) fn new(
        config: Config,
        hooks: &StdArc<ThreadHooks>,
    ) -> io::Result<(Handle, MultiThread)> {
        let (handle, cores) = Handle::new(Flavor::MultiThread, config);
        let mut pool = MultiThread {
            threads: Vec::with_capacity(cores.len()),
        };
        for core in cores {
            match spawn_worker(&handle, Box::new(core), hooks) {
                Ok(thread) => pool.threads.push(thread),
                Err(err) => {
                    pool.shutdown(&handle, None);
                    return Err(err);
                }
            }
        }
        Ok((handle, pool))
    }

    /// Polls `future` on this thread (each poll with a fresh budget),
    /// sleeping between wake-ups, while the workers run the tasks. Each
    /// wake-up refreshes the runtime's coarse clock, so that tasks this
    /// thread spawns are stamped with the time (task dumps).
    pub(crate) fn block_on<F: Future>(handle: &Handle, mut future: Pin<&mut F>) -> F::Output {
        let shared = &*handle.shared;
        let (root, waker) = RootWaker::standalone();
        let mut cx = Context::from_waker(&waker);
        loop {
            shared.clock().refresh();
            if let Poll::Ready(out) = shared.poll_root(future.as_mut(), &mut cx) {
                return out;
            }
            root.parker.park();
        }
    }

    /// Stops the workers, waiting for them until `deadline` (if any), then
    /// tears the scheduler down (`Handle::finish_shutdown`).
    pub(crate) fn shutdown(&mut self, handle: &Handle, deadline: Option<Instant>) {
        handle.begin_shutdown();
        let shared = &*handle.shared;
        // Wait for the workers to leave their loops, or to be stuck in a
        // `block_in_place` that got its core back.
        let workers = self.threads.len();
        let mut exits = shared.exited.lock();
        let all_left = wait_while(&shared.exited_cv, &mut exits, deadline, |exits| {
            exits.left + exits.stuck < workers
        });
        let stuck = exits.stuck > 0;
        drop(exits);
        if stuck {
            // A closure in `block_in_place` may wait for one of the tasks
            // (tokio's `hang_on_shutdown`): drop them first, then wait for
            // its thread.
            handle.finish_shutdown(deadline);
        }
        let all_exited = all_left
            && wait_while(
                &shared.exited_cv,
                &mut shared.exited.lock(),
                deadline,
                |exits| exits.left < workers,
            );
        for thread in self.threads.drain(..) {
            if all_exited {
                let _ = thread.join();
            }
        }
        if !stuck {
            handle.finish_shutdown(deadline);
        }
    }
}

/// Starts the thread of one worker: its hooks, its loop, and the count of
/// exited workers that shutdown waits on.
fn spawn_worker(
    handle: &Handle,
    core: Box<Core>,
    hooks: &StdArc<ThreadHooks>,
) -> io::Result<std::thread::JoinHandle<()>> {
    let handle = handle.clone();
    let hooks = StdArc::clone(hooks);
    let mut builder = std::thread::Builder::new().name(hooks.name());
    if let Some(size) = hooks.stack_size {
        builder = builder.stack_size(size);
    }
    builder.spawn(move || {
        hooks.started();
        let shared = &*handle.shared;
        let cx = worker::Context {
            core: &core,
            shared,
            handle: &handle,
        };
        context::set_scheduler(cx, || core.run(shared));
        core.drain(shared);
        shared.exited.lock().left += 1;
        shared.exited_cv.notify_all();
        hooks.stopped();
    })
}

/// Runs `f`, which may block, on this worker's thread, while another thread
/// runs the worker's core (tokio's `block_in_place`); see [`Lend`].
///
/// Elsewhere — a `block_on` of a multi-thread runtime, a blocking thread,
/// outside any runtime — `f` just runs. Either way `f` runs with no budget,
/// as if this thread ran no worker and no `block_on` (so it may block on
/// another runtime, or on this one through `Handle::block_on`), with the
/// runtime still entered.
///
/// # Panics
///
/// On a current-thread runtime's thread, or while polling a `LocalSet`,
/// with tokio's message.
#[track_caller]
pub(crate) fn block_in_place<F: FnOnce() -> R, R>(f: F) -> R {
    // In a `LocalSet`'s poll, blocking would stall the set's other tasks.
    let in_local_set = crate::task::local::is_polling_a_set();
    let lent = context::with_scheduler(|cx| match cx {
        _ if in_local_set => Err(()),
        // The future of a `Handle::block_on`, on any flavour (as tokio's):
        // the closure runs at once.
        _ if context::in_handle_block_on_root() => Ok(None),
        Some(cx) if cx.shared.flavor == Flavor::CurrentThread => Err(()),
        Some(cx) => Ok(lend_core(cx)),
        None => {
            // A `block_on` of a current-thread runtime that another holds
            // the core of is that runtime's thread all the same.
            let on_current_thread = context::blocking_forbidden()
                && context::with_handle(|h| h.shared.flavor == Flavor::CurrentThread)
                    .unwrap_or(false);
            if on_current_thread {
                Err(())
            } else {
                Ok(None)
            }
        }
    });
    let Ok(lent) = lent else {
        panic!(
            "can call blocking only when running on the multi-threaded runtime: \
             `block_in_place` would stall the other tasks of this thread (a current-thread \
             runtime, or a `LocalSet`); use `spawn_blocking` there"
        );
    };
    match lent {
        // In a task's poll (`Core::run_task` runs each with a budget): the
        // core comes back once the poll is over (`take_back_lent`), not when
        // `f` returns. Until then this thread is no worker, so the rest of
        // the poll needs nothing of the core, and runs at once: a closure
        // that waits for it, in a `block_in_place` of the task that
        // borrowed the core, cannot deadlock it.
        Some(lent) if crate::coop::is_constrained() => {
            defer_take_back(lent);
            crate::coop::with_budget(crate::coop::Budget::UNCONSTRAINED, f)
        }
        // Elsewhere (a user's waker or hook run by the worker itself, or
        // `unconstrained`), the core comes back when `f` returns, or
        // unwinds, before this thread is a worker again.
        lent => context::without_scheduler(|| {
            let _take_back = lent;
            crate::coop::with_budget(crate::coop::Budget::UNCONSTRAINED, f)
        }),
    }
}

std::thread_local! {
    /// The core lent in this poll, and the worker context set aside; that
    /// there is one is `coop::is_lent_out`, which `Core::run_task` reads
    /// after every poll beside the budget.
    static PENDING: std::cell::RefCell<Option<(LentCore, context::Suspended)>> =
        const { std::cell::RefCell::new(None) };
}

/// Sets this worker aside until the poll under way is over; its core is
/// lent out.
fn defer_take_back(lent: LentCore) {
    let suspended = context::suspend_scheduler();
    PENDING.with(|pending| *pending.borrow_mut() = Some((lent, suspended)));
    crate::coop::set_lent_out(true);
}

/// Takes the core lent in the poll that just ended back (waiting for the
/// borrower to give it back) and makes this thread its worker again.
#[cold]
#[inline(never)]
pub(crate) fn take_back_lent() {
    crate::coop::set_lent_out(false);
    let pending = PENDING.with(|pending| pending.borrow_mut().take());
    if let Some((lent, suspended)) = pending {
        drop(lent);
        context::resume_scheduler(suspended);
    }
}

/// A worker's core lent out, taken back on drop.
struct LentCore {
    lend: StdArc<Lend>,
    handle: Handle,
    index: usize,
}

impl Drop for LentCore {
    fn drop(&mut self) {
        let shared = &*self.handle.shared;
        let parker = &shared.remotes[self.index].parker;
        if self.lend.take_back(|| parker.unpark()) {
            // Counted as stuck by the borrower (or by shutdown, for an
            // offer it withdrew): this thread goes on now.
            shared.exited.lock().stuck -= 1;
        }
        *shared.lends[self.index].lock() = None;
    }
}

/// Gives the core back when the borrower's loop ends (or unwinds, from a
/// park hook): counted as stuck if the runtime is shutting down.
struct GiveBack<'a>(&'a Lend, &'a Shared);

impl Drop for GiveBack<'_> {
    fn drop(&mut self) {
        let shared = self.1;
        let at_shutdown = shared.is_shutdown();
        if at_shutdown {
            shared.exited.lock().stuck += 1;
            shared.exited_cv.notify_all();
        }
        self.0.give_back(at_shutdown);
    }
}

/// The core of this worker, for another thread to run: the [`Lend`] rules
/// say when each may touch it.
struct CorePtr(*const Core);

// SAFETY: `Lend` rules 1–2 — the pointer is dereferenced only by the
// borrower, between `take` and `give_back`, while the lender, which owns
// the core, touches it not and keeps it alive (it waits in `take_back`).
unsafe impl Send for CorePtr {}

/// Offers this worker's core to a new blocking thread, which runs it until
/// it is wanted back; `None` if the blocking pool has shut down.
fn lend_core(cx: &worker::Context<'_>) -> Option<LentCore> {
    let lend = StdArc::new(Lend::new());
    let handle = cx.handle.clone();
    let core = CorePtr(cx.core);
    let borrower = {
        let (lend, handle) = (StdArc::clone(&lend), handle.clone());
        move || {
            let core = core;
            if !lend.take() {
                return;
            }
            // SAFETY: `Lend` rule 1 — the offer was taken: until `give_back`
            // (in `GiveBack`'s drop, after the last use of `core`) only this
            // thread touches the core, which the lender keeps alive.
            let core = unsafe { &*core.0 };
            let shared = &*handle.shared;
            let _give_back = GiveBack(&lend, shared);
            let cx = worker::Context {
                core,
                shared,
                handle: &handle,
            };
            context::set_scheduler(cx, || core.run_lent(shared, &lend));
        }
    };
    // Registered before the borrower can start, for shutdown to find.
    *cx.shared.lends[cx.core.index].lock() = Some(StdArc::clone(&lend));
    let (join, refused) = handle.spawn_blocking_or_refuse(borrower, Meta::caller());
    drop(join);
    if let Some(refused) = refused {
        refused.cancel();
        *cx.shared.lends[cx.core.index].lock() = None;
        return None;
    }
    if cx.core.has_local_work(cx.shared) {
        // Siblings may steal the queued tasks before the borrower starts.
        cx.shared.notify_parked();
    }
    Some(LentCore {
        lend,
        handle,
        index: cx.core.index,
    })
}
