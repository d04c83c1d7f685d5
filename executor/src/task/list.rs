//! The owned-task list: every live task of a runtime, so that shutdown can
//! drop every pending future and a dump can list them. Sharded slabs under
//! parking_lot locks: one uncontended lock at spawn and one at completion.
//! A task keeps its slot's index in its header (a `u32`, where intrusive
//! links would take two pointers: the header stays at six words). A shard's
//! slab grows to the most tasks it ever held at once and keeps that
//! capacity, so after the first burst a spawn allocates nothing here.
//!
//! # Sharing between cores
//!
//! A task is typically bound by the thread that spawns it and removed by
//! the worker that completes it, so a slot's cache line moves between the
//! two. Two choices keep that to the one move each needs:
//!
//! - **The free list is a queue.** `remove` appends a slot at the tail and
//!   `bind` takes the oldest from the head. Taken last-in-first-out, a
//!   spawner would reuse the very slot a worker freed a moment ago, and the
//!   line holding it and its neighbours would bounce between them on every
//!   spawn; first-in-first-out, the spawner walks the slab like a ring while
//!   the workers free behind it.
//! - **Each shard has cache lines of its own** (128 bytes, as for
//!   crossbeam's `CachePadded`), so spawns and completions in different
//!   shards do not contend for one line.
//!
//! Measured on `spawn_many_remote_idle` at 2 workers on 2 cores (`rt_insns`,
//! medians of 20 alternating runs), the stack-ordered, unpadded slab took
//! 20–30 % longer than the intrusive list it replaced, on the same count of
//! instructions; the queue and the padding bring that to 5–10 %.
//!
//! # The slab's invariant
//!
//! Under a shard's lock, and so at every point where one of the methods
//! below reads the slab:
//!
//! - a task of this shard whose header holds a slot index other than
//!   [`UNLISTED`] sits in that slot, which is below `slots.len()`;
//! - while the shard is open, every index on the free list, its tail
//!   included, is below `slots.len()` and names an empty slot.
//!
//! `bind` and `remove` index the slab unchecked on the strength of it. The
//! slab only shrinks in `close_and_drain`, from the end, after closing the
//! shard: each task it pops is marked `UNLISTED` under the same lock, and
//! the free list, which may then name popped slots, is neither followed
//! (`bind` refuses a closed shard) nor extended (`remove` leaves it alone
//! once the shard is closed) again, and is emptied at the end.

use std::ptr::{self, NonNull};

use super::raw::{Header, Task};
use crate::primitives::Mutex;

/// The slot index of a task that is in no list.
pub(crate) const UNLISTED: u32 = u32::MAX;

pub(crate) struct OwnedTasks<S: 'static> {
    shards: Box<[Padded]>,
    _tasks: std::marker::PhantomData<Task<S>>,
}

/// A shard on cache lines of its own (see "Sharing between cores").
#[repr(align(128))]
struct Padded(Mutex<Shard>);

struct Shard {
    /// The list's reference to each task (task rule 4), by slot.
    slots: Vec<Slot>,
    /// The oldest empty slot (each empty slot names the next newer one),
    /// reused before the slab grows; [`NO_FREE`] if none.
    free: u32,
    /// The newest empty slot, after which `remove` appends; [`NO_FREE`] if
    /// none.
    free_tail: u32,
    closed: bool,
    /// Tasks ever bound to this shard (for metrics; kept under the lock
    /// that a spawn takes anyway).
    bound: u64,
}

/// The end of a shard's free list. Slot indices stay below it, so that an
/// empty slot can name the next one in the bits of a pointer, on every
/// platform.
const NO_FREE: u32 = u32::MAX >> 1;

/// One word of a shard's slab: a listed task's header, or, with the low bit
/// set, an empty slot naming the next empty one (or [`NO_FREE`]). Headers
/// are 8-aligned, so a task's pointer never has that bit; an empty slot is a
/// pointer without provenance that is never dereferenced.
#[derive(Clone, Copy)]
struct Slot(*mut Header);

impl Slot {
    fn task(ptr: NonNull<Header>) -> Slot {
        Slot(ptr.as_ptr())
    }

    fn free(next: u32) -> Slot {
        // `next <= NO_FREE < 2^31`, so the shifted value fits in 32 bits.
        Slot(ptr::without_provenance_mut(((next as usize) << 1) | 1))
    }

    /// The task in the slot, or the next empty slot.
    fn get(self) -> Result<NonNull<Header>, u32> {
        if self.0.addr() & 1 == 0 {
            // SAFETY: only `Slot::task` makes an untagged slot, from a
            // `NonNull`.
            Ok(unsafe { NonNull::new_unchecked(self.0) })
        } else {
            Err((self.0.addr() >> 1) as u32)
        }
    }
}

// SAFETY: the shard holds list references to tasks (task rule 4), which are
// `Send`; it is only reached under its lock.
unsafe impl Send for Shard {}

impl<S: 'static> OwnedTasks<S> {
    pub(crate) fn new(shards: usize) -> Self {
        let shards = shards.next_power_of_two();
        OwnedTasks {
            shards: (0..shards)
                .map(|_| {
                    Padded(Mutex::new(Shard {
                        slots: Vec::new(),
                        free: NO_FREE,
                        free_tail: NO_FREE,
                        closed: false,
                        bound: 0,
                    }))
                })
                .collect(),
            _tasks: std::marker::PhantomData,
        }
    }

    fn shard(&self, header: &Header) -> &Mutex<Shard> {
        &self.shards[header.id.as_u64() as usize & (self.shards.len() - 1)].0
    }

    /// Adds the task; the list keeps the reference. `Err` gives it back if
    /// the list is closed (the runtime shut down).
    pub(crate) fn bind(&self, task: Task<S>) -> Result<(), Task<S>> {
        let mut shard = self.shard(task.header()).lock();
        if shard.closed {
            return Err(task);
        }
        let ptr = task.into_raw();
        let slot = if shard.free != NO_FREE {
            let slot = shard.free;
            // SAFETY: the slab's invariant — the shard is open, so the free
            // list's head is an index below `slots.len()`.
            let entry = unsafe { shard.slots.get_unchecked_mut(slot as usize) };
            let next = entry.get().expect_err("the free list names a full slot");
            *entry = Slot::task(ptr);
            shard.free = next;
            if next == NO_FREE {
                shard.free_tail = NO_FREE;
            }
            slot
        } else {
            let slot = u32::try_from(shard.slots.len())
                .ok()
                .filter(|&slot| slot < NO_FREE)
                .expect("more than 2^31 - 1 live tasks in one list shard");
            shard.slots.push(Slot::task(ptr));
            slot
        };
        // SAFETY: task rule 6 — we hold the shard lock.
        unsafe { set_slot(ptr, slot) };
        shard.bound += 1;
        Ok(())
    }

    /// Takes the task out if it is in the list, returning the list's
    /// reference.
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let ptr = task.as_raw();
        let mut shard = self.shard(task.header()).lock();
        // SAFETY: task rule 6 — we hold the shard lock.
        let slot = unsafe { slot(ptr) };
        if slot == UNLISTED {
            return None;
        }
        // SAFETY: the slab's invariant — the task is listed, so its slot is
        // below `slots.len()`.
        let entry = unsafe { shard.slots.get_unchecked_mut(slot as usize) };
        debug_assert!(entry.get() == Ok(ptr), "a task's slot holds another");
        *entry = Slot::free(NO_FREE);
        // A closed shard is being drained: its free list is never followed
        // again, and may name popped slots, so it is left alone.
        if !shard.closed {
            let tail = shard.free_tail;
            if tail == NO_FREE {
                shard.free = slot;
            } else {
                // SAFETY: the slab's invariant — the shard is open, so the
                // free list's tail is below `slots.len()`.
                *unsafe { shard.slots.get_unchecked_mut(tail as usize) } = Slot::free(slot);
            }
            shard.free_tail = slot;
        }
        // SAFETY: task rule 6 — we hold the shard lock.
        unsafe { set_slot(ptr, UNLISTED) };
        // SAFETY: rule 4 — the list's reference, handed to the caller.
        Some(unsafe { Task::from_raw(ptr) })
    }

    /// Closes the list to new tasks and hands every task in it (with the
    /// list's reference) to `f`, one shard lock at a time; `f` runs without
    /// the lock held.
    pub(crate) fn close_and_drain(&self, mut f: impl FnMut(Task<S>)) {
        // Every shard closes before any task is handed to `f`: `f` may drop
        // a future whose `Drop` spawns, and that spawn must be refused, in
        // whatever shard its task falls, not bound to a runtime that will
        // never run it.
        for Padded(shard) in self.shards.iter() {
            shard.lock().closed = true;
        }
        for Padded(shard) in self.shards.iter() {
            loop {
                let task = {
                    let mut guard = shard.lock();
                    let Some(slot) = guard.slots.pop() else { break };
                    let Ok(ptr) = slot.get() else { continue };
                    // SAFETY: task rule 6 — under the shard lock.
                    unsafe { set_slot(ptr, UNLISTED) };
                    // SAFETY: rule 4 — the list's reference moves to `f`.
                    unsafe { Task::from_raw(ptr) }
                };
                f(task);
            }
            let mut guard = shard.lock();
            guard.free = NO_FREE;
            guard.free_tail = NO_FREE;
        }
    }
}

impl<S: 'static> OwnedTasks<S> {
    /// The tasks ever added to the list.
    pub(crate) fn bound_count(&self) -> u64 {
        self.shards
            .iter()
            .map(|Padded(shard)| shard.lock().bound)
            .sum()
    }

    /// The tasks in the list now: a walk, so that spawns and completions
    /// keep no count (metrics are read rarely, tasks come and go often).
    pub(crate) fn len(&self) -> usize {
        let mut len = 0;
        self.for_each(|_| len += 1);
        len
    }

    /// Calls `f` with the header of every task in the list, one shard at a
    /// time, under that shard's lock (task dumps).
    ///
    /// Why this walk is sound without a model of its own: it is a plain
    /// traversal under the same lock that every change of the list takes
    /// (rule 6), so it sees each shard's slab in a consistent state. A task
    /// is in a slot exactly while the list holds a reference to it (rule 4),
    /// and leaving the slot needs the lock, so every header reached here is
    /// alive until the lock is released. Of the header, `f` may read only what is
    /// immutable (id, name, location) or atomic (the state word, the stats):
    /// nothing that a task's owner writes without synchronisation. So the
    /// walk adds no lock-free protocol; it may only make a spawn or a
    /// completion wait for the shard lock while `f` runs, which is why `f`
    /// must be quick (copy what it needs, allocate nothing large).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Header)) {
        for Padded(shard) in self.shards.iter() {
            let guard = shard.lock();
            for slot in guard.slots.iter() {
                let Ok(ptr) = slot.get() else { continue };
                // SAFETY: rules 4 and 6 — listed, so alive while we hold the
                // lock.
                f(unsafe { ptr.as_ref() });
            }
            drop(guard);
        }
    }
}

/// The task's slot index.
///
/// # Safety
///
/// `ptr` is a live task and the caller holds the lock of its shard (task
/// rule 6).
unsafe fn slot(ptr: NonNull<Header>) -> u32 {
    // SAFETY: the task is alive (the list or the caller holds a reference)
    // and the shard lock makes this access exclusive.
    unsafe { ptr.as_ref() }.slot.with(|slot| unsafe { *slot })
}

/// Sets the task's slot index.
///
/// # Safety
///
/// As for [`slot`].
unsafe fn set_slot(ptr: NonNull<Header>, value: u32) {
    // SAFETY: as in `slot`.
    unsafe { ptr.as_ref() }
        .slot
        .with_mut(|slot| unsafe { *slot = value });
}

#[cfg(all(test, not(taskcell_loom)))]
mod tests {
    use super::*;

    /// An empty slot keeps its successor exactly, up to the end marker, and
    /// a task's slot gives back its pointer: the tag bit never mixes the two.
    #[test]
    fn slots_round_trip() {
        for next in [0, 1, 2, 1 << 20, NO_FREE - 1, NO_FREE] {
            assert_eq!(Slot::free(next).get(), Err(next));
        }
        let header = std::mem::MaybeUninit::<Header>::uninit();
        let ptr = NonNull::from(&header).cast::<Header>();
        assert_eq!(Slot::task(ptr).get(), Ok(ptr));
        assert_eq!(std::mem::size_of::<Slot>(), std::mem::size_of::<usize>());
    }
}
