//! Entry points for the loom models in `loom-tests/` (compiled only under
//! `cfg(taskcell_loom)`): the real task code driven by a queue that the
//! model runs by hand, and the real parker and idle protocol.

use std::collections::VecDeque;
use std::future::Future;

use taskcell::TaskId;

use crate::sync::{Arc, Mutex};
use crate::task::list::OwnedTasks;
use crate::task::{new_task, Notified, Schedule, Task};

pub use crate::scheduler::idle::Idle;
pub use crate::scheduler::park::Parker;
pub use crate::task::JoinHandle;

/// A scheduler whose queue the model drains itself, with an owned-task list
/// as the runtime has.
#[derive(Clone)]
pub struct Queue(Arc<Inner>);

struct Inner {
    queue: Mutex<VecDeque<Notified<Queue>>>,
    owned: OwnedTasks<Queue>,
}

impl Queue {
    /// An empty queue.
    pub fn new() -> Queue {
        Queue(Arc::new(Inner {
            queue: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(1),
        }))
    }

    /// Spawns `future`: binds it to the owned list and queues it.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = new_task(future, self.clone(), TaskId::fresh());
        match self.0.owned.bind(task) {
            Ok(()) => self.schedule(notified),
            Err(task) => {
                task.shutdown();
                drop(notified);
            }
        }
        join
    }

    /// Runs the next queued task; returns false if the queue was empty.
    pub fn run_next(&self) -> bool {
        let next = self.0.queue.lock().pop_front();
        match next {
            Some(task) => {
                task.run();
                true
            }
            None => false,
        }
    }

    /// How many notifications are queued.
    pub fn len(&self) -> usize {
        self.0.queue.lock().len()
    }

    /// Whether no notification is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The runtime's shutdown sequence: close the owned list and drop every
    /// future through it, then drop the queued notifications.
    pub fn shutdown(&self) {
        self.0.owned.close_and_drain(|task| task.shutdown());
        let queued: Vec<_> = self.0.queue.lock().drain(..).collect();
        drop(queued);
    }
}

impl Default for Queue {
    fn default() -> Queue {
        Queue::new()
    }
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}

impl Schedule for Queue {
    fn schedule(&self, task: Notified<Self>) {
        self.0.queue.lock().push_back(task);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.0.owned.remove(task)
    }
}
