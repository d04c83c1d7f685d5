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
                    prev: None,
                    next: old_head,
                    linked: true,
                }
            });
            if let Some(old) = old_head {
                with_links(old, |links| links.prev = Some(ptr));
            }
        }
        shard.head = Some(ptr);
        Ok(())
    }

    /// Unlinks the task if it is in the list, returning the list's reference.
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let ptr = task.as_raw();
        let mut shard = self.shard(task.header()).lock();
        // SAFETY: task rule 6 — we hold the shard lock.
        unsafe {
            let links = with_links(ptr, std::mem::take);
            if !links.linked {
                return None;
            }
            match links.prev {
                Some(prev) => with_links(prev, |l| l.next = links.next),
                None => shard.head = links.next,
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
                            with_links(next, |l| l.prev = None);
                        }
                        Task::from_raw(head)
                    }
                };
                f(task);
            }
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
