//! The owned-task list: every live task of a runtime, so that shutdown can
//! drop every pending future. Sharded intrusive lists under parking_lot
//! locks: one uncontended lock at spawn and one at completion, no allocation.

use std::ptr::NonNull;

use super::raw::{Header, Links, Task};
use crate::sync::Mutex;

pub(crate) struct OwnedTasks<S: 'static> {
    shards: Box<[Mutex<Shard>]>,
    _tasks: std::marker::PhantomData<Task<S>>,
}

struct Shard {
    head: Option<NonNull<Header>>,
    closed: bool,
    /// Tasks ever bound to this shard (for metrics; kept under the lock
    /// that a spawn takes anyway).
    bound: u64,
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
                        head: None,
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
        let old_head = shard.head;
        // SAFETY: task rule 6 — we hold the shard lock.
        unsafe {
            with_links(ptr, |links| {
                *links = Links {
                    prev: Some(Links::HEAD),
                    next: old_head,
                }
            });
            if let Some(old) = old_head {
                with_links(old, |links| links.prev = Some(ptr));
            }
        }
        shard.head = Some(ptr);
        shard.bound += 1;
        Ok(())
    }

    /// Unlinks the task if it is in the list, returning the list's reference.
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let ptr = task.as_raw();
        let mut shard = self.shard(task.header()).lock();
        // SAFETY: task rule 6 — we hold the shard lock.
        unsafe {
            let links = with_links(ptr, std::mem::take);
            match links.prev {
                None => return None, // not linked
                Some(prev) if prev == Links::HEAD => shard.head = links.next,
                Some(prev) => with_links(prev, |l| l.next = links.next),
            }
            if let Some(next) = links.next {
                with_links(next, |l| l.prev = links.prev);
            }
            // The list's reference, handed to the caller.
            Some(Task::from_raw(ptr))
        }
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
                    let Some(head) = guard.head else { break };
                    // SAFETY: task rule 6 — under the shard lock.
                    unsafe {
                        let links = with_links(head, std::mem::take);
                        guard.head = links.next;
                        if let Some(next) = links.next {
                            with_links(next, |l| l.prev = Some(Links::HEAD));
                        }
                        Task::from_raw(head)
                    }
                };
                f(task);
            }
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
    /// (rule 6), so it sees each shard's links in a consistent state. A task
    /// is linked exactly while the list holds a reference to it (rule 4),
    /// and unlinking needs the lock, so every header reached here is alive
    /// until the lock is released. Of the header, `f` may read only what is
    /// immutable (id, name, location) or atomic (the state word, the stats):
    /// nothing that a task's owner writes without synchronisation. So the
    /// walk adds no lock-free protocol; it may only make a spawn or a
    /// completion wait for the shard lock while `f` runs, which is why `f`
    /// must be quick (copy what it needs, allocate nothing large).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Header)) {
        for shard in self.shards.iter() {
            let guard = shard.lock();
            let mut next = guard.head;
            while let Some(ptr) = next {
                // SAFETY: rule 4 and 6 — linked, so alive while we hold the
                // lock; the links are read under that lock.
                let header = unsafe { ptr.as_ref() };
                f(header);
                // SAFETY: rule 6 — under the shard lock.
                next = unsafe { with_links(ptr, |links| links.next) };
            }
            drop(guard);
        }
    }
}

/// # Safety
///
/// `ptr` is a live task and the caller holds the lock of its shard (task
/// rule 6).
unsafe fn with_links<R>(ptr: NonNull<Header>, f: impl FnOnce(&mut Links) -> R) -> R {
    // SAFETY: the task is alive (the list or the caller holds a reference)
    // and the shard lock makes this access exclusive.
    unsafe { ptr.as_ref() }
        .links
        .with_mut(|links| f(unsafe { &mut *links }))
}
