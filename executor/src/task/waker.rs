//! Raw wakers over the task header: the reference count lives in the state
//! word, so cloning or waking allocates nothing.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::{header, Header};
use super::state::ToNotified;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker borrowing the caller's reference: no count change.
///
/// # Safety
///
/// The task stays alive while the returned waker is used; clones take their
/// own references.
pub(super) unsafe fn waker_ref(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    // SAFETY: `VTABLE` upholds the `RawWaker` contract over a task header;
    // `ManuallyDrop` keeps the borrowed reference from being dropped.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &VTABLE)) })
}

fn ptr_of(data: *const ()) -> NonNull<Header> {
    // SAFETY: every waker made here holds a non-null header pointer.
    unsafe { NonNull::new_unchecked(data as *mut Header) }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned holds a reference (rule 4).
    unsafe { header(ptr_of(data)) }.state.ref_inc();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    let ptr = ptr_of(data);
    // SAFETY: this waker's reference keeps the task alive until consumed.
    let header = unsafe { header(ptr) };
    match header.state.transition_to_notified_by_val() {
        ToNotified::DoNothing => {}
        ToNotified::Submit => {
            // SAFETY: rule 4 — the transition took a reference for the
            // notification; this waker's own keeps the task alive meanwhile.
            unsafe { (header.vtable.schedule)(ptr) };
            if header.state.ref_dec(1) {
                // SAFETY: rule 4 — the waker held the last reference.
                unsafe { (header.vtable.dealloc)(ptr) }
            }
        }
        // SAFETY: rule 4 — the waker held the last reference.
        ToNotified::Dealloc => unsafe { (header.vtable.dealloc)(ptr) },
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    let ptr = ptr_of(data);
    // SAFETY: the borrowed waker holds a reference.
    let header = unsafe { header(ptr) };
    match header.state.transition_to_notified_by_ref() {
        // SAFETY: rule 4 — the transition took a reference for it.
        ToNotified::Submit => unsafe { (header.vtable.schedule)(ptr) },
        ToNotified::DoNothing => {}
        ToNotified::Dealloc => unreachable!("a wake by reference drops no reference"),
    }
}

unsafe fn drop_waker(data: *const ()) {
    let ptr = ptr_of(data);
    // SAFETY: this waker's reference keeps the task alive until dropped.
    let header = unsafe { header(ptr) };
    if header.state.ref_dec(1) {
        // SAFETY: rule 4 — that was the last reference.
        unsafe { (header.vtable.dealloc)(ptr) }
    }
}
