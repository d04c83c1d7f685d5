//! The crate's one door to atomics, `UnsafeCell`, `Arc` and locks.
//!
//! Under `cfg(taskcell_loom)` everything here is loom's checked version, so
//! the models in `loom-tests/` explore the real code. Both sides offer the
//! same API: loom's closure-based `UnsafeCell::with`/`with_mut`, and
//! parking_lot-shaped `Mutex`/`Condvar` (no poisoning).

#[cfg(not(taskcell_loom))]
mod imp {
    pub(crate) use std::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering,
    };
    pub(crate) use std::sync::Arc;

    pub(crate) use parking_lot::{Condvar, Mutex, MutexGuard};

    /// `std::cell::UnsafeCell` with loom's closure-based access API.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(taskcell_loom)]
mod imp {
    pub(crate) use loom::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering,
    };
    pub(crate) use loom::sync::Arc;

    pub(crate) use loom::cell::UnsafeCell;

    /// loom's `Mutex` with parking_lot's surface.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }

        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }
    }

    /// loom's `Condvar` with parking_lot's surface.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Self(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            // loom's `wait` takes the guard by value; swap it through a
            // temporary without unlocking twice.
            replace_with(guard, |g| self.0.wait(g).unwrap());
        }

        pub(crate) fn wait_for<T>(
            &self,
            guard: &mut MutexGuard<'_, T>,
            _timeout: std::time::Duration,
        ) -> bool {
            // loom has no clock: a timed wait is an untimed wait that may
            // also return spuriously, which callers must tolerate anyway.
            self.wait(guard);
            false
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    fn replace_with<T>(slot: &mut T, f: impl FnOnce(T) -> T) {
        // SAFETY: `slot` is read out and written back before anyone can
        // observe it; if `f` panics the process aborts (below), so the moved
        // out value is never dropped twice.
        unsafe {
            let old = std::ptr::read(slot);
            let abort = AbortOnPanic;
            std::ptr::write(slot, f(old));
            std::mem::forget(abort);
        }
    }

    struct AbortOnPanic;

    impl Drop for AbortOnPanic {
        fn drop(&mut self) {
            std::process::abort();
        }
    }
}

pub(crate) use imp::*;

/// Waits on `cv` while `pending(&mut state)` holds, until `deadline` if one
/// is given. Returns whether the wait ended because nothing is pending.
pub(crate) fn wait_while<T>(
    cv: &Condvar,
    guard: &mut MutexGuard<'_, T>,
    deadline: Option<std::time::Instant>,
    mut pending: impl FnMut(&mut T) -> bool,
) -> bool {
    while pending(&mut **guard) {
        match deadline {
            None => cv.wait(guard),
            Some(deadline) => {
                let now = std::time::Instant::now();
                if now >= deadline {
                    return false;
                }
                let _ = cv.wait_for(guard, deadline - now);
            }
        }
    }
    true
}
