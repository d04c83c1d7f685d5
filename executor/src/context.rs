//! The thread-local runtime context: which runtime `spawn` goes to, and
//! which worker (if any) this thread is.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use crate::runtime::Handle;
use crate::scheduler::worker::Core;
use crate::scheduler::Shared;

struct Context {
    /// The runtime that `spawn` and `Handle::current` use here.
    handle: RefCell<Option<Handle>>,
    /// This thread's worker, while it runs one.
    worker: Cell<Option<(NonNull<Core>, NonNull<Shared>)>>,
    /// Inside a worker or a `block_on`: blocking here would stall a runtime.
    blocking_forbidden: Cell<bool>,
}

std::thread_local! {
    static CONTEXT: Context = const {
        Context {
            handle: RefCell::new(None),
            worker: Cell::new(None),
            blocking_forbidden: Cell::new(false),
        }
    };
}

/// Restores the previous context on drop.
#[must_use]
pub(crate) struct EnterGuard {
    handle: Option<Option<Handle>>,
    worker: Option<Option<(NonNull<Core>, NonNull<Shared>)>>,
    blocking_forbidden: bool,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| {
            if let Some(handle) = self.handle.take() {
                *cx.handle.borrow_mut() = handle;
            }
            if let Some(worker) = self.worker.take() {
                cx.worker.set(worker);
            }
            cx.blocking_forbidden.set(self.blocking_forbidden);
        });
    }
}

fn enter(
    handle: Option<&Handle>,
    worker: Option<(NonNull<Core>, NonNull<Shared>)>,
    forbid_blocking: bool,
) -> EnterGuard {
    CONTEXT.with(|cx| EnterGuard {
        handle: handle.map(|h| cx.handle.replace(Some(h.clone()))),
        worker: worker.map(|w| cx.worker.replace(Some(w))),
        blocking_forbidden: cx.blocking_forbidden.replace(forbid_blocking),
    })
}

/// Enters `handle` for `block_on`.
///
/// # Panics
///
/// Inside a runtime worker or another `block_on`.
#[track_caller]
pub(crate) fn enter_block_on(handle: &Handle) -> EnterGuard {
    if CONTEXT.with(|cx| cx.blocking_forbidden.get()) {
        panic!(
            "`block_on` called from inside a runtime: blocking this thread would stall the \
             tasks it runs, which may be the ones being waited for. Use `.await` instead, or \
             move the blocking code into `spawn_blocking`."
        );
    }
    enter(Some(handle), None, true)
}

/// Makes this thread the worker running `core` of `shared`.
pub(crate) fn enter_worker(core: &Core, shared: &Shared) -> EnterGuard {
    enter(
        None,
        Some((NonNull::from(core), NonNull::from(shared))),
        true,
    )
}

/// Sets the runtime that `spawn` uses here (worker and blocking threads).
pub(crate) fn enter_handle(handle: &Handle) -> EnterGuard {
    let forbid = CONTEXT.with(|cx| cx.blocking_forbidden.get());
    enter(Some(handle), None, forbid)
}

/// Whether this thread runs a worker or a `block_on`, where waiting for a
/// runtime to stop could wait for this very thread.
pub(crate) fn blocking_forbidden() -> bool {
    CONTEXT
        .try_with(|cx| cx.blocking_forbidden.get())
        .unwrap_or(false)
}

/// Calls `f` with this thread's worker, if it runs one.
#[inline]
pub(crate) fn with_worker<R>(f: impl FnOnce(Option<(&Core, &Shared)>) -> R) -> R {
    let worker = CONTEXT.try_with(|cx| cx.worker.get()).ok().flatten();
    // SAFETY: the pointers are set by `enter_worker` from references that
    // outlive its guard, and cleared when the guard drops; they are only
    // read on the thread that set them.
    f(worker.map(|(core, shared)| unsafe { (core.as_ref(), shared.as_ref()) }))
}

/// Calls `f` with the runtime entered on this thread, if any.
pub(crate) fn with_handle<R>(f: impl FnOnce(&Handle) -> R) -> Option<R> {
    CONTEXT
        .try_with(|cx| cx.handle.borrow().as_ref().map(f))
        .ok()
        .flatten()
}
