//! [`Builder`]: spawn a task with a name.

use std::future::Future;
use std::panic::Location;

use super::join::JoinHandle;
use super::raw::Meta;
use crate::context;
use crate::runtime::Handle;

/// Spawns a task with options, in tokio's shape: for now, a name.
///
/// The name shows in the task's [`JoinError`](crate::JoinError) (`task 7
/// "conn-handler" panicked with message "bad frame"`), in `TaskCell`
/// [`AccessError`](crate::AccessError) messages that mention the task, and
/// in task dumps ([`Handle::dump`]). Every spawn function records its
/// caller's location too, named or not.
///
/// Spawning cannot fail: on a runtime that has shut down the handle
/// resolves as cancelled, as with [`Handle::spawn`].
///
/// ```
/// use taskcell_executor::task::Builder;
///
/// let rt = taskcell_executor::Runtime::new().unwrap();
/// let out = rt.block_on(async {
///     Builder::new().name("answer").spawn(async { 42 }).await.unwrap()
/// });
/// assert_eq!(out, 42);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder with no name set.
    ///
    /// ```
    /// let builder = taskcell_executor::task::Builder::new();
    /// # drop(builder);
    /// ```
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// Names the task.
    ///
    /// ```
    /// let builder = taskcell_executor::task::Builder::new().name("listener");
    /// # drop(builder);
    /// ```
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    #[track_caller]
    fn meta(&self) -> Meta<'a> {
        Meta {
            name: self.name,
            location: Location::caller(),
        }
    }

    /// Spawns `future` on the runtime this code runs in.
    ///
    /// # Panics
    ///
    /// Outside any runtime, as [`spawn`](crate::spawn).
    ///
    /// ```
    /// use taskcell_executor::task::Builder;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let err = Builder::new().name("worker").spawn(async { panic!("bad frame") }).await.unwrap_err();
    ///     assert_eq!(err.name(), Some("worker"));
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let meta = self.meta();
        match context::spawn(future, meta) {
            Some(join) => join,
            None => panic!(
                "there is no reactor running, must be called from the context of a Tokio 1.x \
                 runtime: `task::Builder::spawn` called outside a taskcell runtime: call it \
                 from a task, a `block_on` or a `spawn_blocking` closure, or use `spawn_on` \
                 with a runtime's handle"
            ),
        }
    }

    /// Spawns `future` on the runtime of `handle`.
    ///
    /// ```
    /// use taskcell_executor::task::Builder;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let task = Builder::new().name("tick").spawn_on(async { 1 }, rt.handle());
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_with(future, self.meta())
    }

    /// Spawns `future`, which need not be `Send`, into the
    /// [`LocalSet`](super::LocalSet) or
    /// [`LocalRuntime`](crate::runtime::LocalRuntime) this code runs in.
    ///
    /// # Panics
    ///
    /// Outside a `LocalSet` and a `LocalRuntime`, as
    /// [`spawn_local`](super::spawn_local).
    ///
    /// ```
    /// use taskcell_executor::task::{Builder, LocalSet};
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// LocalSet::new().block_on(&rt, async {
    ///     let rc = std::rc::Rc::new(());
    ///     let task = Builder::new().name("local").spawn_local(async move { drop(rc) });
    ///     task.await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        super::local::spawn_local_with(future, self.meta(), "`task::Builder::spawn_local`")
    }

    /// Spawns `future`, which need not be `Send`, into `local`.
    ///
    /// ```
    /// use taskcell_executor::task::{Builder, LocalSet};
    ///
    /// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
    /// let local = LocalSet::new();
    /// let task = Builder::new().name("two").spawn_local_on(async { 2 }, &local);
    /// assert_eq!(local.block_on(&rt, task).unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn spawn_local_on<F>(self, future: F, local: &super::LocalSet) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        local.spawn_with(future, self.meta())
    }

    /// Runs `f` on the blocking pool of the runtime this code runs in.
    ///
    /// # Panics
    ///
    /// Outside any runtime, as [`spawn_blocking`](crate::spawn_blocking).
    ///
    /// ```
    /// use taskcell_executor::task::Builder;
    ///
    /// let rt = taskcell_executor::Runtime::new().unwrap();
    /// let sum = rt.block_on(async {
    ///     Builder::new().name("sum").spawn_blocking(|| (1..=4).sum::<u32>()).await.unwrap()
    /// });
    /// assert_eq!(sum, 10);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let meta = self.meta();
        match context::spawn_blocking(f, meta) {
            Some(join) => join,
            None => panic!(
                "there is no reactor running, must be called from the context of a Tokio 1.x \
                 runtime: `task::Builder::spawn_blocking` called outside a taskcell runtime: \
                 call it from a task, a `block_on` or a `spawn_blocking` closure"
            ),
        }
    }
}
