//! Timers across workers: each worker has its own wheel, yet a timer whose
//! worker is stuck in a long poll still fires on time; timers dropped or
//! reset from other threads leave no entry behind and fire at the last
//! deadline set; a sleep moved to a task on another worker still fires; a
//! waker dropped or woken by the wheel may use the wheel.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;
use taskcell_executor::time::Instant;

use taskcell_executor::time::{sleep, sleep_until, timeout, Sleep};
use taskcell_executor::{Handle, Runtime};

const HOUR: Duration = Duration::from_secs(3600);
const SETTLE: Duration = Duration::from_secs(30);

/// One test of this file at a time: some measure lateness in milliseconds,
/// which a neighbour firing 100 000 timers on the same two cores would
/// distort.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `body` under the watchdog, alone among this file's tests.
fn serial<R: Send + 'static>(body: impl FnOnce() -> R + Send + 'static) -> R {
    let _alone = common::lock(&SERIAL);
    common::guarded(body)
}

/// Polls `sleep` once with the task's waker; returns whether it was ready.
fn poll_once(mut sleep: Pin<&mut Sleep>) -> impl Future<Output = bool> + '_ {
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        Poll::Ready(sleep.as_mut().poll(cx).is_ready())
    })
}

/// A waker that records when it was first woken.
struct WokenAt(Mutex<Option<Instant>>);

impl Wake for WokenAt {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        common::lock(&self.0).get_or_insert_with(Instant::now);
    }
}

/// Arms a `delay` sleep on the calling worker with a waker that records
/// when it fires, then blocks this worker for `block` inside the same poll.
/// Returns the deadline and when the wheel fired the timer.
async fn arm_then_block(delay: Duration, block: Duration) -> (Instant, Option<Instant>) {
    let woken = Arc::new(WokenAt(Mutex::new(None)));
    let waker = Waker::from(woken.clone());
    let mut nap = Box::pin(sleep(delay));
    let deadline = nap.deadline();
    assert!(nap
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    // Stuck: this worker runs nothing else, and does not look at its wheel.
    thread::sleep(block);
    let fired = *common::lock(&woken.0);
    (deadline, fired)
}

/// Five times: a task arms a 50 ms sleep on its worker and blocks that
/// worker for 250 ms; the timer fires within 5 ms of its deadline all the
/// same, from another worker.
fn a_stuck_workers_timer_fires_on_time(rt: &Runtime) {
    for _ in 0..5 {
        let stuck = arm_then_block(Duration::from_millis(50), Duration::from_millis(250));
        let (deadline, fired) = rt.block_on(rt.spawn(stuck)).unwrap();
        let fired = fired.expect("the timer did not fire while its worker was stuck");
        assert!(fired >= deadline, "fired {:?} early", deadline - fired);
        let late = fired - deadline;
        assert!(late <= Duration::from_millis(5), "fired {late:?} late");
    }
}

/// The other worker sleeps in the driver, until the earliest deadline of
/// every wheel: it fires the stuck worker's timer on time.
#[test]
fn a_timer_whose_worker_is_stuck_fires_on_time_from_the_parked_driver() {
    serial(|| a_stuck_workers_timer_fires_on_time(&io_common::rt_all(2)));
}

/// The other worker is busy too, running short tasks: its looks at the
/// driver fire the stuck worker's overdue timer.
#[test]
fn a_timer_whose_worker_is_stuck_fires_on_time_from_a_busy_worker() {
    serial(|| {
        let rt = io_common::rt_all(2);
        let stop = Arc::new(AtomicBool::new(false));
        let spinning = Arc::new(AtomicUsize::new(0));
        // Keeps a worker busy: yields in a loop, with a little work in
        // between, until told to stop.
        let spinner = {
            let (stop, spinning) = (stop.clone(), spinning.clone());
            rt.spawn(async move {
                while !stop.load(SeqCst) {
                    spinning.fetch_add(1, SeqCst);
                    std::hint::black_box((0..200).sum::<u64>());
                    taskcell_executor::yield_now().await;
                }
            })
        };
        assert!(common::wait_until(SETTLE, || spinning.load(SeqCst) > 0));
        a_stuck_workers_timer_fires_on_time(&rt);
        stop.store(true, SeqCst);
        rt.block_on(spinner).unwrap();
    });
}

/// 100 000 timeouts armed by the workers' tasks and dropped on plain
/// threads leave every wheel empty.
#[test]
fn timeouts_dropped_from_other_threads_leave_the_wheels_empty() {
    const TIMEOUTS: usize = 100_000;
    const BATCH: usize = 1_000;
    serial(|| {
        let rt = io_common::rt_all(2);
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::sync_channel::<Vec<Pin<Box<dyn Future<Output = ()> + Send>>>>(4);
        let rx = Arc::new(Mutex::new(rx));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let rx = rx.clone();
                thread::spawn(move || loop {
                    let batch = common::lock(&rx).recv();
                    match batch {
                        Ok(batch) => drop(batch),
                        Err(_) => break,
                    }
                })
            })
            .collect();
        let tasks: Vec<_> = (0..TIMEOUTS / BATCH)
            .map(|_| {
                let tx = tx.clone();
                rt.spawn(async move {
                    let mut batch: Vec<Pin<Box<dyn Future<Output = ()> + Send>>> = Vec::new();
                    for i in 0..BATCH {
                        let mut t = Box::pin(async move {
                            let _ = timeout(
                                HOUR + Duration::from_micros(i as u64),
                                std::future::pending::<()>(),
                            )
                            .await;
                        });
                        // Armed here, on this worker.
                        std::future::poll_fn(|cx| Poll::Ready(t.as_mut().poll(cx).is_pending()))
                            .await;
                        batch.push(t);
                    }
                    tx.send(batch).unwrap();
                })
            })
            .collect();
        drop(tx);
        for task in tasks {
            rt.block_on(task).unwrap();
        }
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(
            io_common::settle(SETTLE, 0, || handle.timer_entries()),
            0,
            "timers dropped on other threads stayed in the wheels"
        );
        let metrics = handle.metrics();
        let armed: u64 = (0..2).map(|w| metrics.worker_timers_armed_count(w)).sum();
        assert_eq!(
            armed, TIMEOUTS as u64,
            "every timeout was armed on a worker"
        );
        let fired: u64 = (0..2).map(|w| metrics.worker_timers_fired_count(w)).sum();
        assert_eq!(fired, 0, "a dropped timeout fired");
    });
}

/// Moves `sleep` through `how`: kept by the task, or handed to a plain
/// thread and back.
fn reset_on(how: usize, mut sleep: Pin<Box<Sleep>>, deadline: Instant) -> Pin<Box<Sleep>> {
    if how.is_multiple_of(2) {
        sleep.as_mut().reset(deadline);
        sleep
    } else {
        thread::spawn(move || {
            sleep.as_mut().reset(deadline);
            sleep
        })
        .join()
        .unwrap()
    }
}

/// Resets earlier and later, on the worker that armed the timer and on
/// other threads, in every order: the sleep completes at the last deadline
/// set, never before.
#[test]
fn resets_from_the_owner_and_from_elsewhere_fire_at_the_last_deadline() {
    serial(|| {
        let rt = io_common::rt_all(2);
        let ms = Duration::from_millis;
        // Offsets from the start, the last one wins.
        const PLANS: [&[u64]; 6] = [
            &[400, 40],
            &[40, 400, 80],
            &[5, 60],
            &[300, 20, 500, 70],
            &[1, 2, 3, 90],
            &[90, 3, 2, 30],
        ];
        for (round, plan) in PLANS.iter().enumerate() {
            for how in 0..2 {
                let (start, last, done) = rt
                    .block_on(rt.spawn(async move {
                        let start = Instant::now();
                        let mut nap = Box::pin(sleep(HOUR));
                        assert!(!poll_once(nap.as_mut()).await);
                        let mut last = start;
                        for (i, &offset) in plan.iter().enumerate() {
                            last = start + ms(offset);
                            nap = reset_on(how + i + round, nap, last);
                        }
                        nap.as_mut().await;
                        (start, last, Instant::now())
                    }))
                    .unwrap();
                assert!(done >= last, "plan {plan:?}: done {:?} early", last - done);
                assert!(
                    done - start < ms(plan.iter().copied().max().unwrap()) + SETTLE,
                    "plan {plan:?}: hung"
                );
            }
        }
    });
}

/// A sleep armed in one worker's wheel, then awaited by a task on the
/// other worker while the first is stuck, still fires.
#[test]
fn a_sleep_moved_to_a_task_on_another_worker_still_fires() {
    serial(|| {
        let rt = io_common::rt_all(2);
        let handle = rt.handle().clone();
        for _ in 0..3 {
            let slot: Arc<Mutex<Option<Pin<Box<Sleep>>>>> = Arc::default();
            let (armed_tx, armed_rx) = mpsc::channel();
            let first = {
                let slot = slot.clone();
                rt.spawn(async move {
                    let mut nap = Box::pin(sleep(Duration::from_millis(40)));
                    assert!(!poll_once(nap.as_mut()).await);
                    let deadline = nap.deadline();
                    *common::lock(&slot) = Some(nap);
                    armed_tx.send((deadline, thread::current().id())).unwrap();
                    // Stuck, so the next task runs on the other worker.
                    thread::sleep(Duration::from_millis(150));
                })
            };
            let (deadline, first_thread) = armed_rx.recv().unwrap();
            let second = handle.spawn(async move {
                let nap = common::lock(&slot).take().unwrap();
                nap.await;
                (Instant::now(), thread::current().id())
            });
            let (done, second_thread) = rt.block_on(second).unwrap();
            rt.block_on(first).unwrap();
            assert_ne!(first_thread, second_thread, "both ran on one worker");
            assert!(done >= deadline, "fired {:?} early", deadline - done);
        }
    });
}

/// A waker that holds an armed sleep of the same runtime, so that dropping
/// the waker drops the sleep, which takes its timer out of its wheel.
struct HoldsASleep {
    nap: Mutex<Option<Pin<Box<Sleep>>>>,
    woken: AtomicUsize,
}

impl Wake for HoldsASleep {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.fetch_add(1, SeqCst);
        // Arms, resets and drops timers from inside the wake, too.
        let mut nap = common::lock(&self.nap);
        if let Some(nap) = nap.as_mut() {
            nap.as_mut().reset(Instant::now() + HOUR);
        }
        *nap = None;
    }
}

/// A sleep re-polled with a new waker drops the old one; if that old waker
/// owns another armed sleep of the same wheel, its drop takes that wheel's
/// lock: it must not be dropped under it. The same for a waker woken by the
/// wheel, and for one dropped with its timer.
#[test]
fn a_waker_dropped_or_woken_by_a_wheel_may_use_that_wheel() {
    serial(|| {
        let rt = io_common::current_thread_all();
        let handle: Handle = rt.handle().clone();
        rt.block_on(async {
            let holder = |armed: Pin<Box<Sleep>>| {
                Arc::new(HoldsASleep {
                    nap: Mutex::new(Some(armed)),
                    woken: AtomicUsize::new(0),
                })
            };
            let mut inner = Box::pin(sleep(HOUR));
            assert!(!poll_once(inner.as_mut()).await);
            let old = holder(inner);
            let mut outer = Box::pin(sleep(Duration::from_millis(30)));
            {
                let waker = Waker::from(old.clone());
                assert!(outer
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending());
            }
            drop(old);
            // Re-polled with the task's waker: the old one goes, and its
            // sleep with it.
            assert!(!poll_once(outer.as_mut()).await);
            assert_eq!(handle.timer_entries(), 1);

            // Woken by the wheel: the wake resets and drops a timer.
            let mut inner = Box::pin(sleep(HOUR));
            assert!(!poll_once(inner.as_mut()).await);
            let woken = holder(inner);
            let mut fires = Box::pin(sleep(Duration::from_millis(5)));
            {
                let waker = Waker::from(woken.clone());
                assert!(fires
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending());
            }
            outer.as_mut().await;
            fires.await;
            assert_eq!(woken.woken.load(SeqCst), 1);

            // Dropped with its timer.
            let mut inner = Box::pin(sleep(HOUR));
            assert!(!poll_once(inner.as_mut()).await);
            let dropped = holder(inner);
            let mut nap = Box::pin(sleep(HOUR));
            {
                let waker = Waker::from(dropped.clone());
                assert!(nap
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending());
            }
            drop(dropped);
            drop(nap);
        });
        assert_eq!(handle.timer_entries(), 0);
    });
}

/// Many sleeps reset to a past deadline, then again to an earlier one, all
/// complete: each reset is O(1) (a sorted list of due timers walked from
/// its tail made this quadratic).
#[test]
fn many_resets_to_ever_earlier_past_deadlines_complete() {
    serial(|| {
        let rt: Runtime = io_common::current_thread_all();
        rt.block_on(async {
            let n = 40_000;
            let mut naps: Vec<Pin<Box<Sleep>>> = (0..n).map(|_| Box::pin(sleep(HOUR))).collect();
            for nap in &mut naps {
                assert!(!poll_once(nap.as_mut()).await);
            }
            let now = Instant::now();
            for (i, nap) in naps.iter_mut().enumerate() {
                nap.as_mut().reset(now - Duration::from_micros(i as u64));
            }
            for (i, nap) in naps.iter_mut().enumerate() {
                nap.as_mut()
                    .reset(now - Duration::from_micros((2 * n - i) as u64));
            }
            for nap in naps {
                nap.await;
            }
        });
        assert_eq!(rt.handle().timer_entries(), 0);
    });
}

/// Sleeps first polled off the workers (in `block_on` and in
/// `spawn_blocking`) fire too, and count on no worker.
#[test]
fn timers_armed_off_the_workers_fire() {
    serial(|| {
        let rt = io_common::rt_all(2);
        let start = Instant::now();
        rt.block_on(async { sleep_until(start + Duration::from_millis(20)).await });
        assert!(Instant::now() >= start + Duration::from_millis(20));
        // On a blocking thread, under another executor.
        let took = rt
            .block_on(rt.spawn_blocking(|| {
                let start = Instant::now();
                futures::executor::block_on(sleep(Duration::from_millis(20)));
                start.elapsed()
            }))
            .unwrap();
        assert!(took >= Duration::from_millis(20));
        let metrics = rt.handle().metrics();
        assert_eq!(
            metrics.worker_timers_armed_count(0) + metrics.worker_timers_armed_count(1),
            0
        );
        assert_eq!(rt.handle().timer_entries(), 0);
    });
}
