//! Task-local values, as tokio's `task_local!`: a value set for the length of
//! a future (or a closure) and visible to the code it runs, whichever worker
//! polls it.
//!
//! The value lives in the future ([`TaskLocalFuture`]), not in the task: each
//! poll moves it into a thread-local slot, polls the inner future, and moves
//! it back out, even when the poll unwinds. So a task that migrates between
//! workers carries its value with it, and a worker that polls another task
//! next sees no value, or that task's own. Nothing here touches the runtime:
//! a scope works on any executor, as tokio's does.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: `static`s of type [`LocalKey`], whose value is
/// set with [`LocalKey::scope`] or [`LocalKey::sync_scope`], as tokio's
/// `task_local!`.
///
/// ```
/// taskcell_executor::task_local! {
///     /// The request being served.
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let seen = rt.block_on(REQUEST_ID.scope(7, async {
///     taskcell_executor::yield_now().await;
///     REQUEST_ID.get()
/// }));
/// assert_eq!(seen, 7);
/// assert!(USER.try_with(|user| user.len()).is_err());
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of [`task_local!`]: a thread-local slot for the value while a
/// scope polls, wrapped in a [`LocalKey`].
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static SLOT: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__from_slot(SLOT)
        };
    };
}

/// A key for a task-local value, declared with [`task_local!`].
///
/// The value is set for the length of a future with [`scope`](Self::scope),
/// or of a closure with [`sync_scope`](Self::sync_scope), and read inside
/// it with [`with`](Self::with), [`try_with`](Self::try_with) or
/// [`get`](Self::get). Scopes nest: an inner scope of the same key hides the
/// outer value until it ends.
///
/// Unlike a `TaskCell`, whose value belongs to one task and is shared
/// with nobody, a task-local value is passed down: every future inside the
/// scope sees it, and a task spawned from inside does not (it is a new
/// task; give it its own scope).
pub struct LocalKey<T: 'static> {
    slot: std::thread::LocalKey<RefCell<Option<T>>>,
}

/// Why a scope could not be entered.
enum ScopeError {
    /// The slot is borrowed: a scope was entered from inside `with`.
    Borrowed,
    /// The thread's slot is gone: a thread-local destructor at thread exit.
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self) -> ! {
        match self {
            ScopeError::Borrowed => panic!(
                "cannot enter a task-local scope while the task-local storage is borrowed: \
                 a `scope` or `sync_scope` was entered from inside `with` of the same key"
            ),
            ScopeError::Destroyed => panic!(
                "cannot enter a task-local scope during or after destruction of the underlying \
                 thread-local: this thread is exiting"
            ),
        }
    }
}

/// While alive, `value` is in `key`'s slot and the slot's previous content
/// is in `value`; dropping it swaps them back, on unwind too.
struct Entered<'a, T: 'static> {
    key: &'static LocalKey<T>,
    value: &'a mut Option<T>,
}

impl<T: 'static> Drop for Entered<'_, T> {
    fn drop(&mut self) {
        // The slot could be borrowed only by a `with` still running inside
        // the scope, and every `with` ends before the scope's closure
        // returns; the thread-local was alive when the scope was entered
        // and cannot be destroyed while this thread runs the scope.
        self.key
            .slot
            .with(|slot| mem::swap(self.value, &mut *slot.borrow_mut()));
    }
}

impl<T: 'static> LocalKey<T> {
    /// Used by [`task_local!`]; not part of the API.
    #[doc(hidden)]
    pub const fn __from_slot(slot: std::thread::LocalKey<RefCell<Option<T>>>) -> Self {
        LocalKey { slot }
    }

    /// Runs `f` with `value` (and whatever `value` held before, moved back
    /// afterwards) in this key's slot.
    fn enter<R>(
        &'static self,
        value: &mut Option<T>,
        f: impl FnOnce() -> R,
    ) -> Result<R, ScopeError> {
        let swapped = self.slot.try_with(|slot| match slot.try_borrow_mut() {
            Ok(mut held) => {
                mem::swap(value, &mut *held);
                Ok(())
            }
            Err(_) => Err(ScopeError::Borrowed),
        });
        match swapped {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(err),
            Err(_) => return Err(ScopeError::Destroyed),
        }
        let _entered = Entered { key: self, value };
        Ok(f())
    }

    /// `future`, with this key set to `value` whenever it is polled (and
    /// when it is dropped).
    ///
    /// The value moves with the future: across `.await`s, and to whichever
    /// worker polls it next. It is dropped with the [`TaskLocalFuture`],
    /// unless taken out first with [`TaskLocalFuture::take_value`].
    ///
    /// ```
    /// taskcell_executor::task_local! {
    ///     static DEPTH: u32;
    /// }
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(DEPTH.scope(1, async {
    ///     assert_eq!(DEPTH.get(), 1);
    ///     DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
    ///     assert_eq!(DEPTH.get(), 1);
    /// }));
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            future: Some(future),
            _pinned: PhantomPinned,
        }
    }

    /// Runs `f` with this key set to `value`, and returns what it returns.
    ///
    /// # Panics
    ///
    /// If called from inside [`with`](Self::with) of the same key, or from
    /// a thread-local's destructor after this key's slot was destroyed.
    ///
    /// ```
    /// taskcell_executor::task_local! {
    ///     static NAME: &'static str;
    /// }
    ///
    /// let len = NAME.sync_scope("worker", || NAME.with(|name| name.len()));
    /// assert_eq!(len, 6);
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut value = Some(value);
        // A `match`, not a closure: the panic must point at the caller,
        // and a closure does not pass `#[track_caller]` on.
        match self.enter(&mut value, f) {
            Ok(out) => out,
            Err(err) => err.panic(),
        }
    }

    /// Calls `f` with a reference to the value of the scope this code runs
    /// in.
    ///
    /// # Panics
    ///
    /// Outside any scope of this key, with tokio's message.
    ///
    /// ```should_panic
    /// taskcell_executor::task_local! {
    ///     static UNSET: u8;
    /// }
    ///
    /// UNSET.with(|_| ()); // no scope: panics
    /// ```
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(out) => out,
            Err(_) => panic!(
                "cannot access a task-local storage value without setting it first: wrap the \
                 future in `KEY.scope(value, future)` or the code in `KEY.sync_scope(value, || ..)`"
            ),
        }
    }

    /// Calls `f` with a reference to the value of the scope this code runs
    /// in, or fails outside any scope of this key.
    ///
    /// ```
    /// taskcell_executor::task_local! {
    ///     static LIMIT: usize;
    /// }
    ///
    /// assert!(LIMIT.try_with(|limit| *limit).is_err());
    /// assert_eq!(LIMIT.sync_scope(3, || LIMIT.try_with(|limit| *limit)), Ok(3));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, TaskLocalAccessError>
    where
        F: FnOnce(&T) -> R,
    {
        // A destroyed slot (a thread-local destructor at thread exit) runs
        // no scope, so it reads as "not set". The borrow cannot fail: the
        // slot is borrowed mutably only while a scope swaps its value, which
        // runs no user code.
        self.slot
            .try_with(|slot| slot.borrow().as_ref().map(f))
            .ok()
            .flatten()
            .ok_or(TaskLocalAccessError(()))
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the value of the scope this code runs in.
    ///
    /// # Panics
    ///
    /// Outside any scope of this key, as [`with`](Self::with).
    ///
    /// ```
    /// taskcell_executor::task_local! {
    ///     static TAG: String;
    /// }
    ///
    /// let tag = TAG.sync_scope("a".to_string(), || TAG.get());
    /// assert_eq!(tag, "a");
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// A clone of the value of the scope this code runs in, or an error
    /// outside any scope of this key.
    ///
    /// ```
    /// taskcell_executor::task_local! {
    ///     static TAG: u32;
    /// }
    ///
    /// assert!(TAG.try_get().is_err());
    /// assert_eq!(TAG.sync_scope(5, || TAG.try_get()), Ok(5));
    /// ```
    pub fn try_get(&'static self) -> Result<T, TaskLocalAccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

pin_project_lite::pin_project! {
    /// A future with a task-local value set while it is polled and dropped:
    /// what [`LocalKey::scope`] returns.
    pub struct TaskLocalFuture<T, F>
    where
        T: 'static,
    {
        key: &'static LocalKey<T>,
        value: Option<T>,
        // `None` once it has completed (dropped inside the scope then).
        #[pin]
        future: Option<F>,
        // Never `Unpin`, as tokio's, whatever `F` is.
        #[pin]
        _pinned: PhantomPinned,
    }

    impl<T, F> PinnedDrop for TaskLocalFuture<T, F>
    where
        T: 'static,
    {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if mem::needs_drop::<F>() && this.future.is_some() {
                // The future's `Drop` sees the value too, when the scope can
                // be entered; otherwise the field drops it after this.
                let mut future = this.future;
                let _ = this.key.enter(this.value, || future.set(None));
            }
        }
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of the scope, leaving it unset for later polls
    /// of the future (inside them, [`LocalKey::try_with`] fails). `None`
    /// once taken.
    ///
    /// ```
    /// use std::pin::pin;
    ///
    /// taskcell_executor::task_local! {
    ///     static STATE: Vec<u8>;
    /// }
    ///
    /// let mut scoped = pin!(STATE.scope(vec![1, 2], async {}));
    /// assert_eq!(scoped.as_mut().take_value(), Some(vec![1, 2]));
    /// assert_eq!(scoped.as_mut().take_value(), None);
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().value.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let polled = this.key.enter(this.value, || {
            let inner = future.as_mut().as_pin_mut()?;
            let poll = inner.poll(cx);
            if poll.is_ready() {
                // Dropped inside the scope, as on an early drop.
                future.set(None);
            }
            Some(poll)
        });
        match polled {
            Ok(Some(poll)) => poll,
            Ok(None) => panic!("`TaskLocalFuture` polled after completion"),
            Err(err) => err.panic(),
        }
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("TaskLocalFuture");
        match &self.value {
            Some(value) => out.field("value", value),
            None => out.field("value", &format_args!("<taken>")),
        };
        out.finish()
    }
}

/// [`LocalKey::try_with`] and [`LocalKey::try_get`] outside any scope of
/// the key.
///
/// ```
/// taskcell_executor::task_local! {
///     static KEY: u8;
/// }
///
/// let err = KEY.try_get().unwrap_err();
/// assert_eq!(err.to_string(), "task-local value not set");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TaskLocalAccessError(());

impl fmt::Debug for TaskLocalAccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessError")
    }
}

impl fmt::Display for TaskLocalAccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("task-local value not set")
    }
}

impl std::error::Error for TaskLocalAccessError {}
