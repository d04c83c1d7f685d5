//! Helpers shared by the executor's integration tests: runtimes, drop
//! probes, a watchdog against hangs, and quiet expected panics.
#![allow(dead_code)]

use std::any::Any;
use std::future::Future;
use std::panic::{self, PanicHookInfo};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, Once, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use taskcell_executor::{Builder, Runtime, TaskId};

/// Scales a count down under Miri, which interprets every instruction.
pub const fn scaled(n: usize, under_miri: usize) -> usize {
    if cfg!(miri) {
        under_miri
    } else {
        n
    }
}

/// Whether the socket is readable now, without waiting.
#[cfg(unix)]
pub fn readable_now(socket: &taskcell_executor::net::UnixStream) -> bool {
    let mut readable = std::pin::pin!(socket.readable());
    readable
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready()
}

/// A multi-thread runtime with `workers` worker threads.
pub fn rt(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("building a multi-thread runtime")
}

/// A current-thread runtime.
pub fn current_thread_rt() -> Runtime {
    Builder::new_current_thread()
        .build()
        .expect("building a current-thread runtime")
}

/// How long a test body may run before the watchdog calls it a hang.
pub const WATCHDOG: Duration = Duration::from_secs(120);

/// Runs `body` on its own thread and fails the test if it has not finished
/// after `limit`: a deadlock or a lost wake-up in the runtime then shows up
/// as a failing test instead of a test run that never ends. A panic in
/// `body` is passed on unchanged.
pub fn watchdog<R: Send + 'static>(
    limit: Duration,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    if cfg!(miri) {
        return body();
    }
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let runner = thread::Builder::new()
        .name("test-body".into())
        .spawn(move || {
            let out = body();
            let _ = done_tx.send(());
            out
        })
        .expect("spawning the test body thread");
    match done_rx.recv_timeout(limit) {
        Ok(()) | Err(RecvTimeoutError::Disconnected) => match runner.join() {
            Ok(out) => out,
            Err(payload) => panic::resume_unwind(payload),
        },
        Err(RecvTimeoutError::Timeout) => {
            panic!("test body still running after {limit:?}: deadlock or lost wake-up")
        }
    }
}

/// Runs `body` under the default [`WATCHDOG`] limit.
pub fn guarded<R: Send + 'static>(body: impl FnOnce() -> R + Send + 'static) -> R {
    watchdog(WATCHDOG, body)
}

/// Polls `cond` (sleeping a millisecond in between) until it holds or
/// `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Locks `m`, ignoring poisoning (a test thread may panic on purpose).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Counts drops of [`Probe`]s and records the task identity entered at each.
#[derive(Clone, Default)]
pub struct DropLog {
    count: Arc<AtomicUsize>,
    ids: Arc<Mutex<Vec<Option<TaskId>>>>,
}

impl DropLog {
    pub fn new() -> DropLog {
        DropLog::default()
    }

    /// A probe that logs its drop here.
    pub fn probe(&self) -> Probe {
        Probe {
            log: self.clone(),
            panic_on_drop: false,
        }
    }

    /// A probe that logs its drop here, then panics with an [`ExpectedPanic`].
    pub fn panicking_probe(&self) -> Probe {
        Probe {
            log: self.clone(),
            panic_on_drop: true,
        }
    }

    /// How many probes have been dropped.
    pub fn count(&self) -> usize {
        self.count.load(SeqCst)
    }

    /// `TaskId::current()` at each drop, in drop order.
    pub fn ids(&self) -> Vec<Option<TaskId>> {
        lock(&self.ids).clone()
    }
}

/// Logs its drop, with the task identity entered at that moment, in a
/// [`DropLog`].
pub struct Probe {
    log: DropLog,
    panic_on_drop: bool,
}

impl Drop for Probe {
    fn drop(&mut self) {
        lock(&self.log.ids).push(TaskId::current());
        self.log.count.fetch_add(1, SeqCst);
        if self.panic_on_drop {
            panic::panic_any(ExpectedPanic(usize::MAX));
        }
    }
}

/// A panic payload the tests raise on purpose; its panics are not printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedPanic(pub usize);

/// Marks string panic messages the tests raise on purpose.
pub const EXPECTED: &str = "[expected panic]";

/// Installs (once per test binary) a panic hook that stays silent for the
/// panics the tests raise on purpose ([`ExpectedPanic`] payloads and
/// messages containing [`EXPECTED`]) and reports every other panic as usual.
pub fn quiet_expected_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            let payload = info.payload();
            let expected = payload.is::<ExpectedPanic>()
                || payload_str(payload).is_some_and(|msg| msg.contains(EXPECTED));
            if !expected {
                default(info);
            }
        }));
    });
}

/// The message of a string panic payload.
pub fn payload_str(payload: &(dyn Any + Send)) -> Option<&str> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Some(s)
    } else {
        payload.downcast_ref::<String>().map(String::as_str)
    }
}

/// The message of a string panic payload, or a placeholder naming its type.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload_str(payload)
        .map(str::to_owned)
        .unwrap_or_else(|| "<non-string panic payload>".to_owned())
}

/// Yields once: wakes itself, returns `Pending`, then `Ready`. Unlike the
/// runtime's `yield_now`, it relies only on the `Waker` contract.
pub fn yield_once() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

/// Suspends once and has a long-lived foreign (non-runtime) thread wake the
/// task. A work-stealing runtime queues wake-ups from foreign threads where
/// every worker takes work from, so the task may resume on any worker: this
/// makes migration between workers likely even while every worker is busy.
pub fn remote_wake() -> impl Future<Output = ()> {
    RemoteWake { sent: false }
}

struct RemoteWake {
    sent: bool,
}

impl Future for RemoteWake {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.sent {
            return Poll::Ready(());
        }
        self.sent = true;
        foreign_waker_thread()
            .send(cx.waker().clone())
            .expect("the foreign waker thread lives as long as the process");
        Poll::Pending
    }
}

/// A plain thread, started on first use, that wakes every waker sent to it.
fn foreign_waker_thread() -> mpsc::Sender<Waker> {
    static SENDER: OnceLock<Mutex<mpsc::Sender<Waker>>> = OnceLock::new();
    let sender = SENDER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Waker>();
        thread::Builder::new()
            .name("foreign-waker".into())
            .spawn(move || {
                for waker in rx {
                    waker.wake();
                }
            })
            .expect("spawning the foreign waker thread");
        Mutex::new(tx)
    });
    lock(sender).clone()
}
