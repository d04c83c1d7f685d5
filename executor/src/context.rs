//! The thread-local runtime context: which runtime `spawn` goes to, and
//! which worker (if any) this thread is.
//!
//! The worker is set for the length of a closure ([`set_scheduler`], as
//! tokio's `context/scoped.rs` does), so the reference it lends can never
//! outlive the worker's stack frame. The runtime handle is an owned clone,
//! set by a guard ([`enter_handle`], [`enter_block_on`]).

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

use crate::scheduler::worker;
use crate::scheduler::Handle;

struct Context {
    /// The runtime that `spawn` and `Handle::current` use here.
    handle: RefCell<Option<Handle>>,
    /// This thread's worker, while it runs one.
    scheduler: Scoped<worker::Context<'static>>,
    /// Inside a worker or a `block_on`: blocking here would stall a runtime.
    blocking_forbidden: Cell<bool>,
}

std::thread_local! {
    static CONTEXT: Context = const {
        Context {
            handle: RefCell::new(None),
            scheduler: Scoped::new(),
            blocking_forbidden: Cell::new(false),
        }
    };
}

/// A thread-local reference, set for the length of a closure.
///
/// # Rule
///
/// The pointer is non-null only while [`Scoped::set`] runs on this thread,
/// and then it points at the value `set` borrows for that whole time. Each
/// `set` restores the previous pointer when it returns or unwinds, so nested
/// `set`s unwind in order. `Scoped` is `!Sync` and lives in a thread-local:
/// only the thread that set it reads it.
struct Scoped<T> {
    inner: Cell<*const T>,
    // !Send + !Sync: the pointer is only meaningful on the thread that set it.
    _thread: PhantomData<*const T>,
}

impl<T> Scoped<T> {
    const fn new() -> Scoped<T> {
        Scoped {
            inner: Cell::new(std::ptr::null()),
            _thread: PhantomData,
        }
    }

    /// Runs `f` with `value` set.
    fn set<R>(&self, value: *const T, f: impl FnOnce() -> R) -> R {
        struct Reset<'a, T> {
            cell: &'a Cell<*const T>,
            prev: *const T,
        }
        impl<T> Drop for Reset<'_, T> {
            fn drop(&mut self) {
                self.cell.set(self.prev);
            }
        }
        let prev = self.inner.replace(value);
        let _reset = Reset {
            cell: &self.inner,
            prev,
        };
        f()
    }

    /// The pointer set, if any.
    #[inline]
    fn get(&self) -> *const T {
        self.inner.get()
    }
}

/// Runs `f` with `cx` as this thread's worker: tasks woken or spawned here
/// go to its queue, and blocking here (`block_on`, dropping a `Runtime`)
/// is refused. The handle of `cx`'s runtime is entered too.
pub(crate) fn set_scheduler<R>(cx: &worker::Context<'_>, f: impl FnOnce() -> R) -> R {
    let _handle = enter(Some(cx.handle), true);
    // Lifetime erased for the thread-local's type; `with_scheduler` hands
    // it back only as a borrow shorter than this call (the `Scoped` rule).
    let ptr = (cx as *const worker::Context<'_>).cast::<worker::Context<'static>>();
    CONTEXT.with(|c| c.scheduler.set(ptr, f))
}

/// Calls `f` with this thread's worker, if it runs one.
#[inline]
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&worker::Context<'_>>) -> R) -> R {
    let ptr = CONTEXT
        .try_with(|c| c.scheduler.get())
        .unwrap_or(std::ptr::null());
    // SAFETY: the `Scoped` rule — a non-null pointer points at the context
    // that the `set_scheduler` running below us on this thread borrows until
    // it returns, which is after `f` returns. `f` gets a borrow that cannot
    // outlive this call.
    f(unsafe { ptr.as_ref() })
}

/// Restores the previous context on drop.
#[must_use]
pub(crate) struct EnterGuard {
    handle: Option<Option<Handle>>,
    blocking_forbidden: bool,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| {
            if let Some(handle) = self.handle.take() {
                *cx.handle.borrow_mut() = handle;
            }
            cx.blocking_forbidden.set(self.blocking_forbidden);
        });
    }
}

fn enter(handle: Option<&Handle>, forbid_blocking: bool) -> EnterGuard {
    CONTEXT.with(|cx| EnterGuard {
        handle: handle.map(|h| cx.handle.replace(Some(h.clone()))),
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
    enter(Some(handle), true)
}

/// Sets the runtime that `spawn` uses here (blocking threads).
pub(crate) fn enter_handle(handle: &Handle) -> EnterGuard {
    let forbid = CONTEXT.with(|cx| cx.blocking_forbidden.get());
    enter(Some(handle), forbid)
}

/// Whether this thread runs a worker or a `block_on`, where waiting for a
/// runtime to stop could wait for this very thread.
pub(crate) fn blocking_forbidden() -> bool {
    CONTEXT
        .try_with(|cx| cx.blocking_forbidden.get())
        .unwrap_or(false)
}

/// Calls `f` with the runtime entered on this thread, if any.
pub(crate) fn with_handle<R>(f: impl FnOnce(&Handle) -> R) -> Option<R> {
    CONTEXT
        .try_with(|cx| cx.handle.borrow().as_ref().map(f))
        .ok()
        .flatten()
}
