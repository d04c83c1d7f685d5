//! The thread-local runtime context: which runtime `spawn` goes to, and
//! which worker (if any) this thread is.
//!
//! The worker is set for the length of a closure ([`set_scheduler`], as
//! tokio's `context/scoped.rs` does), so the reference it lends can never
//! outlive the worker's stack frame. The runtime handle is an owned clone,
//! set by a guard ([`enter_handle`], [`enter_block_on`]).

use std::cell::{Cell, RefCell};

use crate::scheduler::worker;
use crate::scheduler::Handle;
use crate::task::{JoinHandle, Meta};
use std::future::Future;

struct Context {
    /// The runtime that `spawn` and `Handle::current` use here.
    handle: RefCell<Option<Handle>>,
    /// This thread's worker, while it runs one.
    scheduler: Scoped<worker::Context<'static>>,
    /// Inside a worker or a `block_on`: blocking here would stall a runtime.
    blocking_forbidden: Cell<bool>,
    /// While a `block_on`'s own future is polled (not a task's).
    block_on_root: Cell<Option<BlockOnRoot>>,
    /// How many `EnterGuard`s are alive on this thread: each checks, when
    /// it drops, that it is the newest.
    depth: Cell<usize>,
}

std::thread_local! {
    static CONTEXT: Context = const {
        Context {
            handle: RefCell::new(None),
            scheduler: Scoped::new(),
            blocking_forbidden: Cell::new(false),
            block_on_root: Cell::new(None),
            depth: Cell::new(0),
        }
    };
}

/// A thread-local value that borrows from a stack frame, set for the
/// length of a closure.
///
/// # Rule
///
/// A value is set only while [`Scoped::set`] runs on this thread, and the
/// references in it are valid for that whole time (`set` borrows them for
/// its call). Each `set` restores the previous value when it returns or
/// unwinds, so nested `set`s unwind in order. [`Scoped::take`] may take the
/// value out for a while, and [`Scoped::put_back`] puts that same value
/// back, while the `set` that set it still runs (its caller proves it).
/// `Scoped` is `!Sync` and lives in a thread-local: only the thread that
/// set it reads it.
struct Scoped<T: Copy> {
    inner: Cell<Option<T>>,
}

impl<T: Copy> Scoped<T> {
    const fn new() -> Scoped<T> {
        Scoped {
            inner: Cell::new(None),
        }
    }

    /// Runs `f` with `value` set (`None`: with nothing set).
    fn set<R>(&self, value: Option<T>, f: impl FnOnce() -> R) -> R {
        struct Reset<'a, T: Copy> {
            cell: &'a Cell<Option<T>>,
            prev: Option<T>,
        }
        impl<T: Copy> Drop for Reset<'_, T> {
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

    /// Takes the value out, leaving nothing set (see the rule).
    fn take(&self) -> Option<T> {
        self.inner.take()
    }

    /// Puts back what [`Scoped::take`] took (see the rule).
    fn put_back(&self, value: Option<T>) {
        self.inner.set(value);
    }

    /// The value set, if any.
    #[inline]
    fn get(&self) -> Option<T> {
        self.inner.get()
    }
}

/// Runs `f` with `cx` as this thread's worker: tasks woken or spawned here
/// go to its queue, and blocking here (`block_on`, dropping a `Runtime`)
/// is refused. The handle of `cx`'s runtime is entered too.
pub(crate) fn set_scheduler<R>(cx: worker::Context<'_>, f: impl FnOnce() -> R) -> R {
    let _handle = enter(Some(cx.handle), true);
    // SAFETY: only the lifetime changes, for the thread-local's type. The
    // `Scoped` rule keeps the value set for no longer than `cx` borrows,
    // and `with_scheduler` hands it out only for shorter than that.
    let cx = unsafe { std::mem::transmute::<worker::Context<'_>, worker::Context<'static>>(cx) };
    CONTEXT.with(|c| c.scheduler.set(Some(cx), f))
}

/// Runs `f` as if this thread ran no worker and no `block_on`, with the
/// runtime still entered: what `block_in_place` runs while its worker's
/// core is lent out. Tasks woken or spawned in `f` go to the injector, and
/// `f` may block (`block_on` another runtime, or this one through
/// `Handle::block_on`).
pub(crate) fn without_scheduler<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|cx| cx.blocking_forbidden.set(self.0));
        }
    }
    let forbidden = CONTEXT.with(|cx| cx.blocking_forbidden.replace(false));
    let _restore = Restore(forbidden);
    // Nor in any `block_on`'s future: a runtime `f` makes and drives must
    // not see the mark.
    let root = CONTEXT.with(|cx| {
        let root = cx.block_on_root.get();
        cx.block_on_root.set(root.map(|root| BlockOnRoot {
            in_handle: false,
            ..root
        }));
        root
    });
    let _restore_root = RestoreRoot(root);
    CONTEXT.with(|c| c.scheduler.set(None, f))
}

/// What [`suspend_scheduler`] took from this thread, for
/// [`resume_scheduler`].
pub(crate) struct Suspended {
    scheduler: Option<worker::Context<'static>>,
    blocking_forbidden: bool,
}

/// Makes this thread no worker until [`resume_scheduler`], with the runtime
/// still entered and blocking allowed: a `block_in_place` whose core is
/// lent out, for the rest of its task's poll.
///
/// The caller resumes before the `set_scheduler` frame below it returns
/// (the `Scoped` rule): `Core::run_task` does, right after the poll.
pub(crate) fn suspend_scheduler() -> Suspended {
    CONTEXT.with(|cx| Suspended {
        scheduler: cx.scheduler.take(),
        blocking_forbidden: cx.blocking_forbidden.replace(false),
    })
}

/// Makes this thread the worker it was before [`suspend_scheduler`].
pub(crate) fn resume_scheduler(suspended: Suspended) {
    let _ = CONTEXT.try_with(|cx| {
        cx.scheduler.put_back(suspended.scheduler);
        cx.blocking_forbidden.set(suspended.blocking_forbidden);
    });
}

/// Calls `f` with this thread's worker, if it runs one.
#[inline]
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&worker::Context<'_>>) -> R) -> R {
    // The `Scoped` rule: a value set here borrows from a `set_scheduler`
    // running below us on this thread, which returns after `f` does; `f`,
    // generic over the lifetimes, cannot keep what it is lent.
    let cx = CONTEXT.try_with(|c| c.scheduler.get()).ok().flatten();
    f(cx.as_ref())
}

/// Restores the previous context on drop.
#[must_use]
pub(crate) struct EnterGuard {
    handle: Option<Option<Handle>>,
    blocking_forbidden: bool,
    /// The thread's guard count with this one: it must be the newest when
    /// it drops.
    depth: usize,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| {
            if cx.depth.get() != self.depth && !std::thread::panicking() {
                // What it would restore is not what was there before the
                // newer guards: refuse, as tokio does, rather than leave a
                // runtime entered for good.
                // tokio's words first (its `SetCurrentGuard`), then ours.
                panic!(
                    "`EnterGuard` values dropped out of order. Guards returned by \
                     `tokio::runtime::Handle::enter()` must be dropped in the reverse order as \
                     they were acquired. In taskcell this holds for the guards of \
                     `Runtime::enter` and `Handle::enter` alike, and a guard made outside a \
                     `block_on` or a task cannot be dropped inside one"
                );
            }
            cx.depth.set(self.depth - 1);
            if let Some(handle) = self.handle.take() {
                *cx.handle.borrow_mut() = handle;
            }
            cx.blocking_forbidden.set(self.blocking_forbidden);
        });
    }
}

fn enter(handle: Option<&Handle>, forbid_blocking: bool) -> EnterGuard {
    CONTEXT.with(|cx| {
        let depth = cx.depth.get() + 1;
        cx.depth.set(depth);
        EnterGuard {
            handle: handle.map(|h| cx.handle.replace(Some(h.clone()))),
            blocking_forbidden: cx.blocking_forbidden.replace(forbid_blocking),
            depth,
        }
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
        // tokio 1.54's words first (its `enter_runtime`), then ours.
        panic!(
            "Cannot start a runtime from within a runtime. This happens because a function \
             (like `block_on`) attempted to block the current thread while the thread is \
             being used to drive asynchronous tasks. If you are in an async function, use \
             `.await` on the future instead of blocking on it. Blocking this thread would \
             stall the tasks it runs, which may be the ones being waited for; blocking code \
             belongs in `spawn_blocking`."
        );
    }
    enter(Some(handle), true)
}

/// Whether this thread's context can still be read: false once it has been
/// destroyed, at thread exit.
pub(crate) fn is_alive() -> bool {
    CONTEXT.try_with(|_| ()).is_ok()
}

/// Sets the runtime that `spawn` uses here (blocking threads).
pub(crate) fn enter_handle(handle: &Handle) -> EnterGuard {
    let forbid = CONTEXT.with(|cx| cx.blocking_forbidden.get());
    enter(Some(handle), forbid)
}

/// As [`enter_handle`], unless this thread's context is already gone (a
/// runtime dropped by a thread-local's destructor, at thread exit): then
/// nothing is entered.
pub(crate) fn try_enter_handle(handle: &Handle) -> Option<EnterGuard> {
    if !is_alive() {
        return None;
    }
    Some(enter_handle(handle))
}

/// A `block_on`'s own future, while it is polled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockOnRoot {
    /// Its identity (`taskcell::bind`), for `TaskCell`s: not a task's.
    pub(crate) id: taskcell::TaskId,
    /// Whether it is a `Handle::block_on`'s; see
    /// [`in_handle_block_on_root`].
    pub(crate) in_handle: bool,
}

/// Runs `poll`, the poll of a `block_on`'s own future, marked as such.
pub(crate) fn as_block_on_root<R>(root: BlockOnRoot, poll: impl FnOnce() -> R) -> R {
    let before = CONTEXT.with(|cx| cx.block_on_root.replace(Some(root)));
    let _restore = RestoreRoot(before);
    poll()
}

/// Puts back the mark of [`as_block_on_root`] when dropped.
struct RestoreRoot(Option<BlockOnRoot>);

impl Drop for RestoreRoot {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.block_on_root.set(self.0));
    }
}

/// The identity of the `block_on` future being polled here, if any: with
/// it entered, this code runs in no task (`task::try_id`).
pub(crate) fn block_on_root_id() -> Option<taskcell::TaskId> {
    CONTEXT
        .try_with(|cx| cx.block_on_root.get().map(|root| root.id))
        .ok()
        .flatten()
}

/// Whether this code runs in the poll of a `Handle::block_on`'s own
/// future: there, as in tokio, `block_in_place` runs its closure at once
/// whatever the flavour, while `Runtime::block_on` of a current-thread
/// runtime refuses it. Tasks are never polled inside that poll (a
/// `LocalSet`'s are, and `block_in_place` refuses those first), and
/// `without_scheduler` clears the mark for the closure.
pub(crate) fn in_handle_block_on_root() -> bool {
    CONTEXT
        .try_with(|cx| cx.block_on_root.get().is_some_and(|root| root.in_handle))
        .unwrap_or(false)
}

/// Whether this thread runs a worker or a `block_on`, where waiting for a
/// runtime to stop could wait for this very thread.
pub(crate) fn blocking_forbidden() -> bool {
    CONTEXT
        .try_with(|cx| cx.blocking_forbidden.get())
        .unwrap_or(false)
}

/// Calls `f` with the runtime entered on this thread, if any.
#[inline]
pub(crate) fn with_handle<R>(f: impl FnOnce(&Handle) -> R) -> Option<R> {
    CONTEXT
        .try_with(|cx| {
            let handle = cx.handle.borrow();
            match handle.as_ref() {
                Some(handle) => Some(f(handle)),
                None => {
                    // `f` may own user values (a future to spawn): they are
                    // dropped after the borrow, whose `Drop`s may enter a
                    // runtime.
                    drop(handle);
                    drop(f);
                    None
                }
            }
        })
        .ok()
        .flatten()
}

/// Spawns `future` on the runtime of the calling code; `None` outside any.
///
/// Nothing of the user's is dropped under the context's borrow: a task the
/// runtime refuses (it has shut down) is cancelled once the borrow is
/// released, and a future with no runtime to go to is dropped after it
/// (`with_handle`). A `Drop` may enter a runtime (`block_on`), which needs
/// that borrow free.
#[inline]
pub(crate) fn spawn<F>(future: F, meta: Meta<'_>) -> Option<JoinHandle<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (join, refused) = with_handle(|handle| handle.spawn_or_refuse(future, meta))?;
    if let Some(refused) = refused {
        refused.cancel();
    }
    Some(join)
}

/// Runs `f` on the blocking pool of the runtime of the calling code; `None`
/// outside any. As [`spawn`], nothing is dropped under the borrow.
pub(crate) fn spawn_blocking<F, R>(f: F, meta: Meta<'_>) -> Option<JoinHandle<R>>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let (join, refused) = with_handle(|handle| handle.spawn_blocking_or_refuse(f, meta))?;
    if let Some(refused) = refused {
        refused.cancel();
    }
    Some(join)
}
