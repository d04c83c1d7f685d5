//! The crate's one door to shared-memory primitives.
//!
//! Everything that loom must see — atomics, `UnsafeCell` and the thread-local
//! task identity — is reached through this module, which switches to loom's
//! checked versions under `cfg(taskcell_loom)`. Both sides offer the same API
//! (loom's closure-based `UnsafeCell::with`/`with_mut`), so the code loom
//! checks is the code that ships.

#[cfg(taskcell_loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(taskcell_loom))]
pub(crate) use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) use cell::UnsafeCell;

#[cfg(not(taskcell_loom))]
mod cell {
    /// `std::cell::UnsafeCell` with loom's closure-based access API.
    pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        pub(crate) fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }

        #[inline(always)]
        pub(crate) fn get_mut(&mut self) -> &mut T {
            self.0.get_mut()
        }
    }
}

#[cfg(taskcell_loom)]
mod cell {
    /// loom's checked `UnsafeCell`, with the same surface as the std side.
    pub(crate) struct UnsafeCell<T: ?Sized>(loom::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::cell::UnsafeCell::new(value))
        }

        pub(crate) fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            self.0.with(f)
        }

        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            self.0.with_mut(f)
        }

        pub(crate) fn get_mut(&mut self) -> &mut T {
            // SAFETY: `&mut self` is exclusive for the lifetime of the returned
            // reference, exactly as for `std::cell::UnsafeCell::get_mut`; loom
            // records the start of the access, which is all it can check here.
            self.0.with_mut(|ptr| unsafe { &mut *ptr })
        }
    }
}
