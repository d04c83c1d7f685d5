//! The multi-thread flavour: a pool of worker threads, each running
//! [`Core::run`](super::worker::Core::run), and `block_on` on any other
//! thread beside them.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};
use std::time::Instant;

use super::park::RootWaker;
use super::worker::{self, Core};
use super::{Config, Flavor, Handle};
use crate::context;
use crate::runtime::ThreadHooks;
use crate::sync::wait_while;

/// The worker threads of a multi-thread runtime.
#[derive(Debug)]
pub(crate) struct MultiThread {
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl MultiThread {
    /// Builds the scheduler and starts one thread per worker.
    ///
    /// # Errors
    ///
    /// If a thread cannot be started; those already started are shut down.
    pub(crate) fn new(
        config: Config,
        hooks: &StdArc<ThreadHooks>,
    ) -> io::Result<(Handle, MultiThread)> {
        let (handle, cores) = Handle::new(Flavor::MultiThread, config);
        let mut pool = MultiThread {
            threads: Vec::with_capacity(cores.len()),
        };
        for core in cores {
            match spawn_worker(&handle, Box::new(core), hooks) {
                Ok(thread) => pool.threads.push(thread),
                Err(err) => {
                    pool.shutdown(&handle, None);
                    return Err(err);
                }
            }
        }
        Ok((handle, pool))
    }

    /// Polls `future` on this thread (each poll with a fresh budget),
    /// sleeping between wake-ups, while the workers run the tasks. Each
    /// wake-up refreshes the runtime's coarse clock, so that tasks this
    /// thread spawns are stamped with the time (task dumps).
    pub(crate) fn block_on<F: Future>(handle: &Handle, mut future: Pin<&mut F>) -> F::Output {
        let shared = &*handle.shared;
        let (root, waker) = RootWaker::standalone();
        let mut cx = Context::from_waker(&waker);
        loop {
            shared.clock().refresh();
            if let Poll::Ready(out) = shared.poll_root(future.as_mut(), &mut cx) {
                return out;
            }
            root.parker.park();
        }
    }

    /// Stops the workers, waiting for them until `deadline` (if any), then
    /// tears the scheduler down (`Handle::finish_shutdown`).
    pub(crate) fn shutdown(&mut self, handle: &Handle, deadline: Option<Instant>) {
        handle.begin_shutdown();
        let shared = &*handle.shared;
        // Wait for the workers to leave their loops.
        let workers = self.threads.len();
        let all_exited = wait_while(
            &shared.exited_cv,
            &mut shared.exited.lock(),
            deadline,
            |exited| *exited < workers,
        );
        for thread in self.threads.drain(..) {
            if all_exited {
                let _ = thread.join();
            }
        }
        handle.finish_shutdown(deadline);
    }
}

/// Starts the thread of one worker: its hooks, its loop, and the count of
/// exited workers that shutdown waits on.
fn spawn_worker(
    handle: &Handle,
    core: Box<Core>,
    hooks: &StdArc<ThreadHooks>,
) -> io::Result<std::thread::JoinHandle<()>> {
    let handle = handle.clone();
    let hooks = StdArc::clone(hooks);
    let mut builder = std::thread::Builder::new().name(hooks.name.clone());
    if let Some(size) = hooks.stack_size {
        builder = builder.stack_size(size);
    }
    builder.spawn(move || {
        hooks.started();
        let shared = &*handle.shared;
        let cx = worker::Context {
            core: &core,
            shared,
            handle: &handle,
        };
        context::set_scheduler(cx, || core.run(shared));
        core.drain(shared);
        *shared.exited.lock() += 1;
        shared.exited_cv.notify_all();
        hooks.stopped();
    })
}
