//! The owned-task list: every live task of a runtime, so that shutdown can
//! drop every pending future and a dump can list them. Sharded slabs under
//! parking_lot locks: one uncontended lock at spawn and one at completion.
//! A task keeps its slot's index in its header (a `u32`, where intrusive
//! links would take two pointers: the header stays at six words). A shard's
//! slab grows to the most tasks it ever held at once and keeps that
//! capacity, so after the first burst a spawn allocates nothing here.

use std::ptr::NonNull;

use super::raw::{Header, Task};
use crate::sync::Mutex;

/// The slot index of a task that is in no list.
pub(crate) const UNLISTED: u32 = u32::MAX;

pub(crate) struct OwnedTasks<S: 'static> {
    shards: Box<[Mutex<Shard>]>,
    _tasks: std::marker::PhantomData<Task<S>>,
}

struct Shard {
    /// The list's reference to each task (task rule 4), by slot.
    slots: Vec<Slot>,
    /// The first empty slot (each empty slot names the next), reused before
    /// the slab grows; `UNLISTED` if none.
    free: u32,
    closed: bool,
    /// Tasks ever bound to this shard (for metrics; kept under the lock
    /// that a spawn takes anyway).
    bound: u64,
}

#[derive(Clone, Copy)]
enum Slot {
    Task(NonNull<Header>),
    /// Empty; the next empty slot, or `UNLISTED`.
    Free(u32),
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
                    Mutex::new(Shard {
                        slots: Vec::new(),
                        free: UNLISTED,
                        closed: false,
                        bound: 0,
                    })
                })
                .collect(),
            _tasks: std::marker::PhantomData,
        }
    }

    fn shard(&self, header: &Header) -> &Mutex<Shard> {
        &self.shards[header.id.as_u64() as usize & (self.shards.len() - 1)]
    }

    /// Adds the task; the list keeps the reference. `Err` gives it back if
    /// the list is closed (the runtime shut down).
    pub(crate) fn bind(&self, task: Task<S>) -> Result<(), Task<S>> {
        let mut shard = self.shard(task.header()).lock();
        if shard.closed {
            return Err(task);
        }
        let ptr = task.into_raw();
        let slot = if shard.free != UNLISTED {
            let slot = shard.free;
            match std::mem::replace(&mut shard.slots[slot as usize], Slot::Task(ptr)) {
                Slot::Free(next) => shard.free = next,
                Slot::Task(_) => unreachable!("the free list names a full slot"),
            }
            slot
        } else {
            let slot = u32::try_from(shard.slots.len())
                .ok()
                .filter(|&slot| slot != UNLISTED)
                .expect("more than 2^32 - 1 live tasks in one list shard");
            shard.slots.push(Slot::Task(ptr));
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
        let next = shard.free;
        let taken = std::mem::replace(&mut shard.slots[slot as usize], Slot::Free(next));
        debug_assert!(matches!(taken, Slot::Task(p) if p == ptr));
        shard.free = slot;
        // SAFETY: task rule 6 — we hold the shard lock.
        unsafe { set_slot(ptr, UNLISTED) };
        // SAFETY: rule 4 — the list's reference, handed to the caller.
        Some(unsafe { Task::from_raw(ptr) })
    }

    /// Closes the list to new tasks and hands every task in it (with the
    /// list's reference) to `f`, one shard lock at a time; `f` runs without
    /// the lock held.
    pub(crate) fn close_and_drain(&self, mut f: impl FnMut(Task<S>)) {
        for shard in self.shards.iter() {
            shard.lock().closed = true;
            loop {
                let task = {
                    let mut guard = shard.lock();
                    let Some(slot) = guard.slots.pop() else { break };
                    let Slot::Task(ptr) = slot else { continue };
                    // SAFETY: task rule 6 — under the shard lock.
                    unsafe { set_slot(ptr, UNLISTED) };
                    // SAFETY: rule 4 — the list's reference moves to `f`.
                    unsafe { Task::from_raw(ptr) }
                };
                f(task);
            }
            shard.lock().free = UNLISTED;
        }
    }
}

impl<S: 'static> OwnedTasks<S> {
    /// The tasks ever added to the list.
    pub(crate) fn bound_count(&self) -> u64 {
        self.shards.iter().map(|shard| shard.lock().bound).sum()
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
        for shard in self.shards.iter() {
            let guard = shard.lock();
            for slot in guard.slots.iter() {
                let Slot::Task(ptr) = slot else { continue };
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
