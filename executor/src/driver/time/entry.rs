//! [`TimerEntry`]: a timer's place in a wheel, kept inside the pinned
//! `Sleep` that owns it, so that a timer costs no allocation (tokio's
//! `runtime/time/entry.rs` has the same shape).
//!
//! Its state word is all the wheel shares with it; see the rules in the
//! module docs of `driver/time`.

use std::marker::PhantomPinned;
use std::ptr::NonNull;
use std::task::Waker;

use super::wheel::Key;
use crate::primitives::AtomicU64;

/// The state of an entry that is in no wheel: never armed, fired, or
/// taken out.
pub(super) const FIRED: u64 = u64::MAX;

/// The latest deadline a timer holds; later ones are clamped to it (it is
/// some 584 million years after the runtime started).
pub(super) const MAX_TICK: u64 = u64::MAX - 1;

/// A timer's entry; see the module docs.
#[derive(Debug)]
pub(crate) struct TimerEntry {
    /// Shared with the wheel: the deadline tick while armed, [`FIRED`]
    /// otherwise (rules 2 and 3).
    pub(super) state: AtomicU64,
    /// The owner's own record, while the entry may be in a wheel.
    pub(super) armed: Option<Armed>,
    /// The wheel keeps a pointer to `state`: the entry must not move once
    /// armed.
    _pinned: PhantomPinned,
}

/// Where an armed entry is filed, and which waker it registered.
#[derive(Debug)]
pub(super) struct Armed {
    pub(super) wheel: u32,
    pub(super) key: Key,
    pub(super) waker: WakerId,
}

/// The identity of a registered waker: what `Waker::will_wake` compares,
/// kept as addresses (only compared, never followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WakerId {
    data: usize,
    vtable: usize,
}

impl WakerId {
    pub(super) fn of(waker: &Waker) -> WakerId {
        WakerId {
            data: waker.data() as usize,
            vtable: std::ptr::from_ref(waker.vtable()) as usize,
        }
    }

    /// Whether `waker` is the waker this id was taken from.
    #[inline]
    pub(super) fn is(&self, waker: &Waker) -> bool {
        *self == WakerId::of(waker)
    }
}

impl TimerEntry {
    /// An unarmed entry.
    pub(crate) fn new() -> TimerEntry {
        TimerEntry {
            state: AtomicU64::new(FIRED),
            armed: None,
            _pinned: PhantomPinned,
        }
    }

    /// Whether the entry is armed: in a wheel, or fired there and not yet
    /// seen to be.
    #[inline]
    pub(crate) fn is_armed(&self) -> bool {
        self.armed.is_some()
    }

    /// Whether the entry is armed and its wheel has fired it (its poll,
    /// not yet made, would be `Ready`).
    pub(crate) fn has_fired(&self) -> bool {
        // Acquire: as the poll's (rule 2).
        self.is_armed() && self.state.load(crate::primitives::Ordering::Acquire) == FIRED
    }
}

/// A wheel's pointer to the state word of a linked entry.
pub(super) struct EntryRef(NonNull<AtomicU64>);

// SAFETY: the pointer is only followed under the lock of the wheel that
// holds it, while the entry is linked there (rule 1), and it leads to an
// atomic, which any thread may use.
unsafe impl Send for EntryRef {}

impl EntryRef {
    pub(super) fn new(state: &AtomicU64) -> EntryRef {
        EntryRef(NonNull::from(state))
    }

    /// The entry's state word.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of the wheel in which the entry is linked
    /// (rule 1).
    pub(super) unsafe fn state(&self) -> &AtomicU64 {
        // SAFETY: the caller's promise: the entry is alive (rule 1).
        unsafe { self.0.as_ref() }
    }
}
