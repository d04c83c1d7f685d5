//! [`TaskCell`]: data owned by one task, shared with nobody else.
//!
//! # Rules
//!
//! The `unsafe` code of this module relies on these rules; each `// SAFETY:`
//! comment cites the ones it uses.
//!
//! 1. Through `&self`, `value` and `borrow` are touched only by code that
//!    runs with the cell's owner entered on its thread (`check` passed: the
//!    thread's current id equals `owner`). By Invariant I (see
//!    [`enter`](crate::enter)) such code runs on one thread at a time and
//!    successive entries are ordered by happens-before, so these accesses
//!    never race. `owner` changes through `&self` only from "unbound" to an
//!    id, by compare-and-swap, so two tasks never both pass `check` — or,
//!    by the owner itself, from its id with the `RECORDED` bit to its bare
//!    id, which changes no one's access.
//! 2. `borrow` counts the references lent out: `n > 0` shared references, `-1`
//!    one mutable reference, `0` none. A `&mut T` is lent only on the move
//!    `0 → -1` and a `&T` only on the move `n → n + 1` for `n ≥ 0`; the
//!    guard undoes the move when the closure returns or unwinds, by storing
//!    back the count it found. Accesses nest strictly (every access made
//!    inside the closure has ended, by return or unwind, before it does), so
//!    at that point the count is again the one the move left. So a `&mut T`
//!    never coexists with another reference.
//! 3. References are lent only to closures whose argument lifetime is
//!    higher-ranked, so they cannot outlive the call, even for a `'static`
//!    cell: none survives into a later poll on another thread.
//! 4. `T: Send` for `Sync`: the owning task may run on a different thread at
//!    each poll, so its accesses amount to moving `T` between threads, with
//!    happens-before in between (rule 1) — exactly what `Send` permits.
//!    Shared access from several threads at once never happens, so `T: Sync`
//!    is not needed.

use std::fmt;
use std::mem;

use crate::error::{AccessError, AccessErrorKind};
#[cfg(any(feature = "stream", feature = "http-body"))]
use crate::hint::Recorded;
use crate::id::{current_raw, TaskId, NO_TASK};
use crate::sync::{AtomicU64, Ordering::Relaxed, UnsafeCell};

/// The raw owner value meaning "not bound to a task yet".
///
/// Distinct from every id (ids stay below 2^62) and from [`NO_TASK`], so the
/// hot path compares owner and current id with one `==`.
const UNBOUND: u64 = 1 << 63;

/// Set in the owner word (beside an id or [`UNBOUND`]) while the hint record
/// describes the value: a poll through `&mut` sets it (`hint.rs`). With it
/// set the owner's `==` fails, so the owner's first access after a poll takes
/// the slow path once, which clears it — that access may change the value.
/// The fast path pays nothing for the record.
const RECORDED: u64 = 1 << 62;

/// A cell owned by one task: `Sync` for any `T: Send`, with shared access
/// checked at run time to come from the owning task.
///
/// A future that holds `&T` across `.await` is `Send` only if `T: Sync`.
/// `&TaskCell<T>` is `Send` whenever `T: Send`, so a future can keep a
/// `&TaskCell<RefCell<_>>`, `&TaskCell<Cell<_>>` or a non-`Sync` stream across
/// `.await`, stay `Send`, and move between worker threads — with no `Mutex`.
///
/// # Access rules
///
/// - **Ownership.** The first shared access from inside a task binds the cell
///   to that task; from then on only that task may use [`with`](Self::with),
///   [`with_mut`](Self::with_mut) and the methods built on them. `&self`
///   never rebinds; [`unbind`](Self::unbind) (which needs `&mut self`) hands
///   the cell to whichever task touches it next.
/// - **Tasks.** A task is a future spawned on the taskcell runtime, or a
///   future wrapped in [`bind`](crate::bind) on any other executor. Plain
///   threads, and threads spawned from inside a task, are outside any task.
/// - **Closures only.** Shared access lends `&T` or `&mut T` to a closure;
///   nothing returns a reference or a guard, so no reference can outlive the
///   poll that made it.
/// - **Borrows.** As with `RefCell`, `with_mut` inside `with` (or any overlap
///   with a `&mut T`) on the same cell is refused.
/// - **Exclusive access is unchecked.** [`get_mut`](Self::get_mut),
///   [`into_inner`](Self::into_inner), [`unbind`](Self::unbind), `Drop` and
///   polling a cell that holds a future or stream need `&mut` (or
///   `Pin<&mut>`), so they work anywhere, in any task or none.
///
/// A refused access is an [`AccessError`] from the `try_` methods, or a panic
/// with the same message (which names the owner, the task that tried, and the
/// fix) from the others. It is never undefined behaviour.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use taskcell::{bind, TaskCell};
///
/// // A future that holds `&TaskCell<RefCell<_>>` across `.await` is `Send`.
/// async fn record(log: &TaskCell<RefCell<Vec<u32>>>, n: u32) {
///     match log.with(|l| l.borrow().len()) {
///         0 => {
///             tokio::task::yield_now().await;
///             log.with(|l| l.borrow_mut().push(n));
///         }
///         len => log.with(|l| l.borrow_mut().push(n * len as u32)),
///     }
/// }
///
/// # let rt = tokio::runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let task = tokio::spawn(bind(async {
///     let log = TaskCell::new(RefCell::new(Vec::new()));
///     record(&log, 7).await;
///     record(&log, 7).await;
///     log.into_inner().into_inner()
/// }));
/// assert_eq!(task.await.unwrap(), [7, 7]);
/// # });
/// ```
///
/// # What the compiler refuses
///
/// `TaskCell<T>` is neither `Send` nor `Sync` when `T` is not `Send`: a
/// non-`Send` type may be tied to its thread, and tasks migrate.
///
/// ```compile_fail,E0277
/// fn is_send<T: Send>() {}
/// is_send::<taskcell::TaskCell<std::rc::Rc<u8>>>();
/// ```
/// ```compile_fail,E0277
/// fn is_sync<T: Sync>() {}
/// is_sync::<taskcell::TaskCell<std::rc::Rc<u8>>>();
/// ```
///
/// The reference lent to a closure cannot escape it, not even from a
/// `'static` cell:
///
/// ```compile_fail
/// use std::cell::Cell;
/// static CELL: taskcell::TaskCell<Cell<u8>> = taskcell::TaskCell::new(Cell::new(0));
/// let escaped: &Cell<u8> = CELL.with(|c| c);
/// ```
/// ```compile_fail
/// use std::cell::Cell;
/// let cell = taskcell::TaskCell::new(Cell::new(0));
/// let mut slot = None;
/// cell.with(|c| slot = Some(c));
/// ```
///
/// Whereas copying the value out is fine:
///
/// ```
/// use std::cell::Cell;
/// static CELL: taskcell::TaskCell<Cell<u8>> = taskcell::TaskCell::new(Cell::new(7));
/// let n: u8 = futures::executor::block_on(taskcell::bind(async { CELL.with(|c| c.get()) }));
/// assert_eq!(n, 7);
/// ```
pub struct TaskCell<T: ?Sized> {
    /// The owning task's raw id, or [`UNBOUND`].
    owner: AtomicU64,
    /// The borrow count of rule 2; touched only by the owner (rule 1).
    borrow: UnsafeCell<isize>,
    /// What the last poll of the stream or body inside reported, for `&self`
    /// hint methods that the owner check refuses (see `poll.rs`).
    /// Valid while `owner` has [`RECORDED`]; written only through `&mut`.
    #[cfg(any(feature = "stream", feature = "http-body"))]
    hints: Recorded,
    value: UnsafeCell<T>,
}

// SAFETY: rule 4 — shared access comes from the owning task alone, on one
// thread at a time with happens-before between threads (rule 1), and never
// lends a reference beyond the call (rule 3); that is a move of `T` between
// threads, which `T: Send` allows. `Send` itself is derived: the fields are
// `Send` exactly when `T` is.
unsafe impl<T: ?Sized + Send> Sync for TaskCell<T> {}

impl<T> TaskCell<T> {
    /// Creates a cell that is not bound to any task yet; the first task to
    /// access it through `&self` takes it.
    ///
    /// `const`, so cells can live in `static`s:
    ///
    /// ```
    /// use std::cell::Cell;
    /// use taskcell::TaskCell;
    ///
    /// static HITS: TaskCell<Cell<u32>> = TaskCell::new(Cell::new(0));
    /// assert_eq!(HITS.owner(), None);
    /// ```
    #[cfg(not(taskcell_loom))]
    pub const fn new(value: T) -> TaskCell<T> {
        TaskCell {
            owner: AtomicU64::new(UNBOUND),
            borrow: UnsafeCell::new(0),
            #[cfg(any(feature = "stream", feature = "http-body"))]
            hints: Recorded::NONE,
            value: UnsafeCell::new(value),
        }
    }

    /// Creates a cell that is not bound to any task yet (loom build: not
    /// `const`, as loom's atomics are not).
    #[cfg(taskcell_loom)]
    pub fn new(value: T) -> TaskCell<T> {
        TaskCell {
            owner: AtomicU64::new(UNBOUND),
            borrow: UnsafeCell::new(0),
            #[cfg(any(feature = "stream", feature = "http-body"))]
            hints: Recorded::NONE,
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the cell and returns the value; works anywhere, since `self`
    /// is owned.
    ///
    /// ```
    /// let cell = taskcell::TaskCell::new(vec![1, 2]);
    /// assert_eq!(cell.into_inner(), [1, 2]);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// Replaces the value, returning the old one.
    ///
    /// # Panics
    ///
    /// On any refused access (see [`try_with_mut`](Self::try_with_mut), the
    /// fallible form).
    ///
    /// ```
    /// use taskcell::{bind, TaskCell};
    ///
    /// let cell = TaskCell::new(String::from("old"));
    /// let old = futures::executor::block_on(bind(async { cell.replace("new".into()) }));
    /// assert_eq!(old, "old");
    /// assert_eq!(cell.into_inner(), "new");
    /// ```
    #[track_caller]
    pub fn replace(&self, value: T) -> T {
        self.with_mut(|slot| mem::replace(slot, value))
    }

    /// Sets the value, dropping the old one after the access has ended (so a
    /// `Drop` that touches this cell sees it free).
    ///
    /// # Panics
    ///
    /// On any refused access (see [`try_with_mut`](Self::try_with_mut)).
    ///
    /// ```
    /// use taskcell::{bind, TaskCell};
    ///
    /// let cell = TaskCell::new(1);
    /// futures::executor::block_on(bind(async { cell.set(2) }));
    /// assert_eq!(cell.into_inner(), 2);
    /// ```
    #[track_caller]
    pub fn set(&self, value: T) {
        drop(self.replace(value));
    }

    /// Returns a copy of the value.
    ///
    /// # Panics
    ///
    /// On any refused access (see [`try_with`](Self::try_with)).
    ///
    /// ```
    /// use taskcell::{bind, TaskCell};
    ///
    /// let cell = TaskCell::new(5);
    /// assert_eq!(futures::executor::block_on(bind(async { cell.get() })), 5);
    /// ```
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Copy,
    {
        self.with(|value| *value)
    }

    /// Takes the value, leaving `T::default()` in its place.
    ///
    /// # Panics
    ///
    /// On any refused access (see [`try_with_mut`](Self::try_with_mut)).
    ///
    /// ```
    /// use taskcell::{bind, TaskCell};
    ///
    /// let cell = TaskCell::new(vec![1, 2]);
    /// let taken = futures::executor::block_on(bind(async { cell.take() }));
    /// assert_eq!(taken, [1, 2]);
    /// assert!(cell.into_inner().is_empty());
    /// ```
    #[track_caller]
    pub fn take(&self) -> T
    where
        T: Default,
    {
        self.replace(T::default())
    }
}

impl<T: ?Sized> TaskCell<T> {
    /// Lends `&T` to `f`, from inside the owning task.
    ///
    /// The first access from inside a task binds an unbound cell to that task.
    ///
    /// # Panics
    ///
    /// Outside any task, in a task other than the owner, or inside
    /// [`with_mut`](Self::with_mut) on the same cell; the message names the
    /// owner, the task that tried, and the fix. [`try_with`](Self::try_with)
    /// returns these as an [`AccessError`] instead.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use taskcell::{bind, TaskCell};
    ///
    /// let hits = TaskCell::new(Cell::new(0));
    /// futures::executor::block_on(bind(async {
    ///     hits.with(|h| h.set(h.get() + 1));
    ///     hits.with(|h| assert_eq!(h.get(), 1));
    /// }));
    /// ```
    #[inline]
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(err) => err.panic(),
        }
    }

    /// Lends `&T` to `f` if this is the owning task (binding an unbound cell
    /// to it); otherwise returns why not, without calling `f`.
    ///
    /// ```
    /// use taskcell::{bind, AccessErrorKind, TaskCell};
    ///
    /// let cell = TaskCell::new(3);
    /// assert_eq!(cell.try_with(|n| *n).unwrap_err().kind(), AccessErrorKind::NotInTask);
    /// futures::executor::block_on(bind(async {
    ///     assert_eq!(cell.try_with(|n| *n), Ok(3));
    /// }));
    /// ```
    #[inline]
    pub fn try_with<R>(&self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        self.check()?;
        // SAFETY: rule 1, `check` passed.
        let _borrow = unsafe { self.borrow(false)? };
        // SAFETY: rule 1 (we are the owner: no other thread touches `value`),
        // rule 2 (a shared borrow is registered until `_borrow` drops, so no
        // `&mut T` exists), rule 3 (the reference does not outlive `f`).
        Ok(self.value.with(|value| f(unsafe { &*value })))
    }

    /// Lends `&mut T` to `f`, from inside the owning task.
    ///
    /// # Panics
    ///
    /// Outside any task, in a task other than the owner, or inside
    /// [`with`](Self::with) or `with_mut` on the same cell.
    /// [`try_with_mut`](Self::try_with_mut) returns these as an
    /// [`AccessError`] instead.
    ///
    /// ```
    /// use taskcell::{bind, TaskCell};
    ///
    /// let names = TaskCell::new(Vec::new());
    /// futures::executor::block_on(bind(async {
    ///     names.with_mut(|n| n.push("ada"));
    /// }));
    /// assert_eq!(names.into_inner(), ["ada"]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        match self.try_with_mut(f) {
            Ok(r) => r,
            Err(err) => err.panic(),
        }
    }

    /// Lends `&mut T` to `f` if this is the owning task and the cell is not
    /// borrowed; otherwise returns why not, without calling `f`.
    ///
    /// ```
    /// use taskcell::{bind, AccessErrorKind, TaskCell};
    ///
    /// let cell = TaskCell::new(0);
    /// futures::executor::block_on(bind(async {
    ///     let nested = cell.with(|_| cell.try_with_mut(|n| *n += 1));
    ///     assert_eq!(nested.unwrap_err().kind(), AccessErrorKind::Borrowed);
    ///     assert_eq!(cell.try_with_mut(|n| { *n += 1; *n }), Ok(1));
    /// }));
    /// ```
    #[inline]
    pub fn try_with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, AccessError> {
        self.check()?;
        // SAFETY: rule 1, `check` passed.
        let _borrow = unsafe { self.borrow(true)? };
        // SAFETY: rule 1 (we are the owner: no other thread touches `value`),
        // rule 2 (the exclusive borrow is registered until `_borrow` drops, so
        // no other reference exists), rule 3 (it does not outlive `f`).
        Ok(self.value.with_mut(|value| f(unsafe { &mut *value })))
    }

    /// Returns `&mut T`; no check is needed, since `&mut self` is exclusive.
    ///
    /// ```
    /// let mut cell = taskcell::TaskCell::new(1);
    /// *cell.get_mut() += 1; // outside any task: fine with `&mut`
    /// assert_eq!(cell.into_inner(), 2);
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        // The caller may change the value: forget the record.
        #[cfg(any(feature = "stream", feature = "http-body"))]
        {
            // Relaxed: `&mut self` orders this with every other access.
            let owner = self.owner.load(Relaxed);
            if owner & RECORDED != 0 {
                self.owner.store(owner & !RECORDED, Relaxed);
            }
        }
        self.value.get_mut()
    }

    /// The value, for a poll, keeping the record (`poll.rs`).
    #[cfg(any(feature = "stream", feature = "http-body"))]
    #[inline]
    pub(crate) fn value_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// Records what a poll saw, valid until the next access that may change
    /// the value (`poll.rs`).
    #[cfg(any(feature = "stream", feature = "http-body"))]
    #[inline]
    pub(crate) fn record(&mut self, recorded: Recorded) {
        self.hints = recorded;
        // Relaxed: `&mut self` orders this with every other access.
        let owner = self.owner.load(Relaxed);
        self.owner.store(owner | RECORDED, Relaxed);
    }

    /// The hints the last poll recorded, if nothing may have changed the
    /// value since; otherwise [`Recorded::NONE`] (`poll.rs`).
    #[cfg(any(feature = "stream", feature = "http-body"))]
    #[inline]
    pub(crate) fn recorded(&self) -> Recorded {
        // Relaxed: a reader that must see the owner's clearing store is
        // ordered after it by whatever handed the cell over, and coherence
        // then shows it the store; `hints` changes only through `&mut`.
        if self.owner.load(Relaxed) & RECORDED != 0 {
            self.hints
        } else {
            Recorded::NONE
        }
    }

    /// Releases the cell from its owner, so that the next task to access it
    /// through `&self` takes it. Needs `&mut self`: no task can be using it.
    ///
    /// ```
    /// use taskcell::{bind, TaskCell};
    ///
    /// let mut cell = TaskCell::new(0);
    /// let first = bind(async { cell.set(1) });
    /// let first_id = first.id();
    /// futures::executor::block_on(first);
    /// assert_eq!(cell.owner(), Some(first_id));
    ///
    /// cell.unbind();
    /// assert_eq!(cell.owner(), None);
    /// futures::executor::block_on(bind(async { cell.set(2) })); // a new task takes it
    /// ```
    pub fn unbind(&mut self) {
        // Relaxed: `&mut self` already orders this with every other access.
        self.owner.store(UNBOUND, Relaxed);
    }

    /// The task that owns the cell, or `None` while it is unbound.
    ///
    /// ```
    /// use taskcell::{bind, TaskCell};
    ///
    /// let cell = TaskCell::new(0);
    /// assert_eq!(cell.owner(), None);
    /// let task = bind(async { cell.get() });
    /// let id = task.id();
    /// futures::executor::block_on(task);
    /// assert_eq!(cell.owner(), Some(id));
    /// ```
    pub fn owner(&self) -> Option<TaskId> {
        // Relaxed: a snapshot for the caller; no memory is read through it.
        owner_id(self.owner.load(Relaxed))
    }

    /// Whether [`try_with`](Self::try_with) would succeed here and now.
    ///
    /// True inside the owning task when the cell is not mutably borrowed, and
    /// inside any task while the cell is unbound (the access would bind it;
    /// this method does not). The answer for an unbound cell can be overtaken
    /// by another task binding it first.
    ///
    /// ```
    /// use taskcell::{bind, TaskCell};
    ///
    /// let cell = TaskCell::new(0);
    /// assert!(!cell.is_accessible()); // outside any task
    /// futures::executor::block_on(bind(async {
    ///     assert!(cell.is_accessible());
    ///     cell.with_mut(|_| assert!(!cell.is_accessible()));
    /// }));
    /// ```
    pub fn is_accessible(&self) -> bool {
        let current = current_raw();
        let owner = self.owner.load(Relaxed) & !RECORDED;
        if current == NO_TASK {
            false
        } else if owner == UNBOUND {
            true
        } else if owner == current {
            // SAFETY: rule 1, we are the owner.
            self.borrow.with(|borrow| unsafe { *borrow >= 0 })
        } else {
            false
        }
    }

    /// Passes when the current task owns the cell, binding it if unbound.
    ///
    /// The hot path: a thread-local load, a relaxed load and a compare.
    #[inline(always)]
    fn check(&self) -> Result<(), AccessError> {
        // Relaxed: `owner` decides who may access, it publishes nothing. The
        // owner's own accesses are ordered by the hand-offs between its
        // entries (rule 1); a stale value here can only be `UNBOUND` seen by
        // a non-owner, which the compare-and-swap in `bind_or_refuse` settles.
        let owner = self.owner.load(Relaxed);
        // The current id's one use is this compare, so its load folds into
        // it (`cmp %fs:…, owner`); the slow path reads it again.
        if owner == current_raw() {
            Ok(())
        } else {
            self.bind_or_refuse(owner)
        }
    }

    #[cold]
    #[inline(never)]
    fn bind_or_refuse(&self, owner: u64) -> Result<(), AccessError> {
        let current = current_raw();
        let refuse = |kind, owner| {
            Err(AccessError::new(
                kind,
                owner_id(owner),
                TaskId::from_raw(current),
                false,
            ))
        };
        if current == NO_TASK {
            return refuse(AccessErrorKind::NotInTask, owner);
        }
        let base = owner & !RECORDED;
        if base == current {
            // Ours, with a hint record that this access may outdate: forget
            // it. A plain store: only the owner stores to a bound owner word
            // through `&self` (rule 1), and nobody else's access changes.
            self.owner.store(current, Relaxed);
            return Ok(());
        }
        let owner = if base == UNBOUND {
            // Relaxed on both sides: binding publishes no data (see `check`);
            // the compare-and-swap alone makes exactly one task the owner.
            // Binding also forgets any record, as the new owner may change
            // the value; the bit itself only changes through `&mut`, so
            // `owner` is the expected value.
            match self
                .owner
                .compare_exchange(owner, current, Relaxed, Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(actual) => actual,
            }
        } else {
            owner
        };
        refuse(AccessErrorKind::OtherTask, owner)
    }

    /// Registers a borrow (rule 2) until the returned guard drops.
    ///
    /// The guard stores back the count found here rather than adding to the
    /// count it finds, so for `with_mut` the whole dance is "is it 0? store
    /// -1 … store 0", which the optimiser folds away when the closure does
    /// not touch the cell, as it does for `RefCell`.
    ///
    /// # Safety
    ///
    /// `check` has passed on this thread, within the current entry of the
    /// owner (rule 1), and the guard is dropped within it.
    #[inline(always)]
    unsafe fn borrow(&self, exclusive: bool) -> Result<BorrowGuard<'_>, AccessError> {
        // SAFETY: rule 1, guaranteed by the caller.
        let found = self.borrow.with(|borrow| unsafe { *borrow });
        let lent = match found {
            0 if exclusive => -1,
            n if !exclusive && n >= 0 => n + 1,
            _ => return Err(borrowed_error(exclusive)),
        };
        // SAFETY: rule 1, guaranteed by the caller.
        self.borrow.with_mut(|borrow| unsafe { *borrow = lent });
        Ok(BorrowGuard {
            flag: &self.borrow,
            restore: found,
        })
    }
}

/// Undoes a borrow-count move when an access ends, on return or unwind, by
/// storing back the count from before the move (rule 2).
///
/// Holds `&UnsafeCell`, so it is neither `Send` nor `Sync`: it is dropped on
/// the thread and within the entry that created it.
struct BorrowGuard<'a> {
    flag: &'a UnsafeCell<isize>,
    restore: isize,
}

impl Drop for BorrowGuard<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: rule 1 — created after `check` passed, and dropped before
        // the closure's caller returns, so still within the owner's entry.
        // Rule 2 — accesses nest strictly, so the count is the one this
        // guard's move left, and `restore` undoes exactly that move.
        self.flag
            .with_mut(|borrow| unsafe { *borrow = self.restore });
    }
}

/// The refusal of an overlapping borrow: the owner is the current task.
#[cold]
#[inline(never)]
fn borrowed_error(wanted_mut: bool) -> AccessError {
    let current = TaskId::current();
    AccessError::new(AccessErrorKind::Borrowed, current, current, wanted_mut)
}

fn owner_id(raw: u64) -> Option<TaskId> {
    let raw = raw & !RECORDED;
    if raw == UNBOUND {
        None
    } else {
        TaskId::from_raw(raw)
    }
}

impl<T: Default> Default for TaskCell<T> {
    /// An unbound cell holding `T::default()`.
    fn default() -> Self {
        TaskCell::new(T::default())
    }
}

impl<T> From<T> for TaskCell<T> {
    /// An unbound cell holding `value`.
    fn from(value: T) -> Self {
        TaskCell::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for TaskCell<T> {
    /// Shows the value when the current task owns the cell and it is not
    /// mutably borrowed; otherwise shows why not. Never binds, never panics.
    ///
    /// ```
    /// use taskcell::{bind, TaskCell};
    ///
    /// let cell = TaskCell::new(7);
    /// assert_eq!(format!("{cell:?}"), "TaskCell { value: <unbound>, owner: None }");
    /// futures::executor::block_on(bind(async {
    ///     cell.get(); // binds
    ///     let shown = format!("{cell:?}");
    ///     assert!(shown.starts_with("TaskCell { value: 7, owner: Some(TaskId("), "{shown}");
    /// }));
    /// assert!(format!("{cell:?}").contains("<owned by task "));
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TaskCell");
        let owner = self.owner.load(Relaxed) & !RECORDED;
        if owner == current_raw() {
            // We own it, so `try_with` cannot bind; it fails only if borrowed.
            if self.try_with(|value| d.field("value", &value)).is_err() {
                d.field("value", &format_args!("<borrowed>"));
            }
        } else if owner == UNBOUND {
            d.field("value", &format_args!("<unbound>"));
        } else {
            d.field("value", &format_args!("<owned by task {owner}>"));
        }
        d.field("owner", &owner_id(owner)).finish()
    }
}

#[cfg(all(test, not(taskcell_loom)))]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use super::*;
    use crate::enter;

    /// The guards store back the count they found (rule 2): an unwind out of
    /// nested shared borrows leaves each level's count as it found it.
    #[test]
    fn unwind_through_nested_borrows_restores_each_count() {
        let cell = TaskCell::new(1);
        // SAFETY: a fresh id, entered only on this thread; the guard is a
        // local dropped at the end of the test.
        let _guard = unsafe { enter(TaskId::fresh()) };
        cell.with(|a| {
            let unwound = catch_unwind(AssertUnwindSafe(|| {
                cell.with(|b| cell.with(|c| panic!("{}", a + b + c)))
            }));
            assert!(unwound.is_err());
            // The outer shared borrow is still registered…
            assert_eq!(
                cell.try_with_mut(|n| *n).unwrap_err().kind(),
                AccessErrorKind::Borrowed
            );
            // …and shared borrows still nest.
            assert_eq!(cell.with(|b| a + b), 2);
        });
        // All released: exclusive access works, and then shared again.
        cell.with_mut(|n| *n += 1);
        let unwound = catch_unwind(AssertUnwindSafe(|| {
            cell.with_mut(|_| panic!("in with_mut"))
        }));
        assert!(unwound.is_err());
        assert_eq!(cell.with(|a| cell.with(|b| a + b)), 4);
    }
}
