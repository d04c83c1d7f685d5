//! `Builder` settings take effect: thread names (fixed or from a function),
//! start/stop hooks once per
//! worker, park/unpark hooks once per park, the number of worker threads,
//! the LIFO slot, refused configurations, and building several runtimes.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use taskcell_executor::{Builder, JoinHandle, Runtime};

/// Spawns `n` tasks that each hold their worker until all `n` are running at
/// the same time (or 10 s pass), and returns the threads they ran on and
/// whether they all met.
fn rendezvous(rt: &Runtime, n: usize) -> (HashSet<ThreadId>, bool) {
    let arrived = Arc::new(AtomicUsize::new(0));
    let handles: Vec<JoinHandle<(ThreadId, bool)>> = (0..n)
        .map(|_| {
            let arrived = arrived.clone();
            rt.spawn(async move {
                arrived.fetch_add(1, SeqCst);
                // Blocks this worker on purpose: the others must pick up
                // (or steal) the remaining tasks for everyone to meet.
                let deadline = Instant::now() + Duration::from_secs(10);
                while arrived.load(SeqCst) < n && Instant::now() < deadline {
                    thread::sleep(Duration::from_micros(200));
                }
                (thread::current().id(), arrived.load(SeqCst) >= n)
            })
        })
        .collect();
    let results = futures::executor::block_on(futures::future::join_all(handles));
    let mut threads = HashSet::new();
    let mut all_met = true;
    for r in results {
        let (thread, met) = r.unwrap();
        threads.insert(thread);
        all_met &= met;
    }
    (threads, all_met)
}

#[test]
fn thread_name_is_visible_inside_tasks() {
    common::guarded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tc-test-worker")
            .build()
            .unwrap();
        let names = rt.block_on(async {
            let handles: Vec<_> = (0..50)
                .map(|_| {
                    taskcell_executor::spawn(async {
                        taskcell_executor::yield_now().await;
                        thread::current().name().map(str::to_owned)
                    })
                })
                .collect();
            let mut names = HashSet::new();
            for h in handles {
                names.insert(h.await.unwrap());
            }
            names
        });
        assert_eq!(names, HashSet::from([Some("tc-test-worker".to_owned())]));
    });
}

#[test]
fn thread_name_fn_names_each_thread_as_it_starts() {
    common::guarded(|| {
        let next = Arc::new(AtomicUsize::new(0));
        let counter = next.clone();
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("replaced")
            .thread_name_fn(move || format!("tc-fn-{}", counter.fetch_add(1, SeqCst)))
            .build()
            .unwrap();
        let (worker, blocking) = rt.block_on(async {
            let worker =
                taskcell_executor::spawn(async { thread::current().name().map(str::to_owned) });
            let blocking =
                taskcell_executor::spawn_blocking(|| thread::current().name().map(str::to_owned));
            (
                worker.await.unwrap().unwrap(),
                blocking.await.unwrap().unwrap(),
            )
        });
        // Two workers and one blocking thread so far, each named by one call.
        let named: HashSet<String> = (0..next.load(SeqCst))
            .map(|n| format!("tc-fn-{n}"))
            .collect();
        assert!(next.load(SeqCst) >= 3, "{}", next.load(SeqCst));
        assert!(named.contains(&worker), "{worker}");
        assert!(named.contains(&blocking), "{blocking}");
        assert_ne!(worker, blocking);
    });
}

#[test]
fn on_thread_start_and_stop_run_once_per_worker_on_that_worker() {
    const WORKERS: usize = 3;
    common::guarded(|| {
        let started = Arc::new(Mutex::new(Vec::<ThreadId>::new()));
        let stopped = Arc::new(Mutex::new(Vec::<ThreadId>::new()));
        let (s, t) = (started.clone(), stopped.clone());
        let rt = Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .on_thread_start(move || common::lock(&s).push(thread::current().id()))
            .on_thread_stop(move || common::lock(&t).push(thread::current().id()))
            .build()
            .unwrap();
        // Keep all workers busy at once, so even lazily started workers run.
        let (task_threads, all_met) = rendezvous(&rt, WORKERS);
        assert!(all_met);
        assert!(
            common::wait_until(Duration::from_secs(10), || common::lock(&started).len()
                >= WORKERS),
            "on_thread_start ran {} times",
            common::lock(&started).len()
        );
        let start_threads: HashSet<_> = common::lock(&started).iter().copied().collect();
        assert_eq!(
            common::lock(&started).len(),
            WORKERS,
            "on_thread_start ran too often"
        );
        assert_eq!(
            start_threads.len(),
            WORKERS,
            "on_thread_start ran twice on one thread"
        );
        assert!(
            task_threads.is_subset(&start_threads),
            "tasks ran on a thread with no start hook"
        );
        assert!(common::lock(&stopped).is_empty(), "a worker stopped early");
        // Dropping the runtime joins the workers, so their stop hooks ran.
        drop(rt);
        let stop_threads: Vec<_> = common::lock(&stopped).clone();
        assert_eq!(
            stop_threads.len(),
            WORKERS,
            "on_thread_stop ran {} times",
            stop_threads.len()
        );
        assert_eq!(
            stop_threads.into_iter().collect::<HashSet<_>>(),
            start_threads
        );
    });
}

#[test]
fn worker_threads_sets_how_many_threads_run_tasks() {
    common::guarded(|| {
        for workers in [1, 2, 4] {
            let rt = common::rt(workers);
            // `workers` tasks that wait for each other meet only if there are
            // at least `workers` threads polling tasks.
            let (threads, all_met) = rendezvous(&rt, workers);
            assert!(
                all_met,
                "{workers} tasks never ran at once on {workers} workers"
            );
            assert_eq!(threads.len(), workers);
            // And there are no more: many short tasks touch at most
            // `workers` distinct threads.
            let many: Vec<_> = (0..common::scaled(2_000, 20))
                .map(|_| {
                    rt.spawn(async {
                        taskcell_executor::yield_now().await;
                        thread::current().id()
                    })
                })
                .collect();
            let seen: HashSet<ThreadId> =
                futures::executor::block_on(futures::future::join_all(many))
                    .into_iter()
                    .map(Result::unwrap)
                    .collect();
            assert!(
                seen.len() <= workers,
                "{} threads ran tasks on a {workers}-worker runtime",
                seen.len()
            );
            // At most `workers` tasks are ever in a poll at the same time.
            let peak = peak_concurrency(&rt, 4 * workers, Duration::from_millis(5));
            assert!(
                peak <= workers,
                "{peak} tasks ran at once on {workers} workers"
            );
        }
    });
}

/// Spawns `n` tasks that each hold their worker for `hold`, and returns how
/// many were ever inside a poll at the same time.
fn peak_concurrency(rt: &Runtime, n: usize, hold: Duration) -> usize {
    let inside = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (inside, peak) = (inside.clone(), peak.clone());
            rt.spawn(async move {
                let now = inside.fetch_add(1, SeqCst) + 1;
                peak.fetch_max(now, SeqCst);
                thread::sleep(hold);
                inside.fetch_sub(1, SeqCst);
            })
        })
        .collect();
    for r in futures::executor::block_on(futures::future::join_all(handles)) {
        r.unwrap();
    }
    peak.load(SeqCst)
}

#[test]
fn one_builder_builds_several_working_runtimes() {
    common::guarded(|| {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(1).thread_name("tc-rebuilt");
        let first = builder.build().unwrap();
        let second = builder.build().unwrap();
        let a = first.block_on(first.spawn(async { thread::current().name().map(str::to_owned) }));
        let b = second.block_on(second.spawn(async { 2 }));
        assert_eq!(a.unwrap().as_deref(), Some("tc-rebuilt"));
        assert_eq!(b.unwrap(), 2);
    });
}

#[test]
fn runtime_new_runs_tasks() {
    common::guarded(|| {
        let rt = Runtime::new().unwrap();
        assert_eq!(
            rt.block_on(rt.spawn(async { "default" })).unwrap(),
            "default"
        );
    });
}

/// Zero blocking threads is a configuration bug, refused as tokio refuses
/// it (with its words) rather than quietly made one.
#[test]
#[should_panic(expected = "Max blocking threads cannot be set to 0")]
fn zero_blocking_threads_panics() {
    Builder::new_multi_thread().max_blocking_threads(0);
}

/// The other zero settings tokio refuses, refused with tokio's words.
#[test]
fn zero_workers_and_intervals_panic_with_tokios_words() {
    common::quiet_expected_panics();
    let refused = |set: fn(&mut Builder)| {
        let payload = std::panic::catch_unwind(|| set(&mut Builder::new_multi_thread()))
            .expect_err("a zero setting was accepted");
        common::panic_message(&*payload)
    };
    let workers = refused(|b| {
        b.worker_threads(0);
    });
    assert!(
        workers.starts_with("Worker threads cannot be set to 0"),
        "{workers}"
    );
    let global = refused(|b| {
        b.global_queue_interval(0);
    });
    assert!(
        global.starts_with("global_queue_interval must be greater than 0"),
        "{global}"
    );
    let event = refused(|b| {
        b.event_interval(0);
    });
    assert!(
        event.starts_with("event_interval must be greater than 0"),
        "{event}"
    );
}

/// The order in which two tasks spawned by a task run, on one worker.
fn spawn_order(builder: &mut Builder) -> Vec<char> {
    let rt = builder.worker_threads(1).build().unwrap();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&order);
    rt.block_on(rt.spawn(async move {
        let first = {
            let log = Arc::clone(&log);
            taskcell_executor::spawn(async move { log.lock().unwrap().push('a') })
        };
        let second = taskcell_executor::spawn(async move { log.lock().unwrap().push('b') });
        first.await.unwrap();
        second.await.unwrap();
    }))
    .unwrap();
    let order = order.lock().unwrap().clone();
    order
}

#[test]
fn without_the_lifo_slot_spawned_tasks_run_in_order() {
    common::guarded(|| {
        // With the slot, the last spawned runs next; without, FIFO.
        assert_eq!(spawn_order(&mut Builder::new_multi_thread()), ['b', 'a']);
        assert_eq!(
            spawn_order(Builder::new_multi_thread().disable_lifo_slot()),
            ['a', 'b']
        );
    });
}

#[test]
fn park_hooks_run_around_each_park() {
    common::guarded(|| {
        let parks = Arc::new(AtomicUsize::new(0));
        let unparks = Arc::new(AtomicUsize::new(0));
        let (p, u) = (Arc::clone(&parks), Arc::clone(&unparks));
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .on_thread_park(move || {
                p.fetch_add(1, SeqCst);
            })
            .on_thread_unpark(move || {
                u.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        for _ in 0..5 {
            assert!(common::wait_until(Duration::from_secs(30), || {
                rt.handle().metrics().worker_park_unpark_count(0) % 2 == 1
            }));
            rt.block_on(rt.spawn(async {})).unwrap();
        }
        // Once a park, around it (a park may sleep more than once when
        // woken for nothing): parked now, so one unpark hook fewer. Read
        // while the worker stays in one park: a pending wake-up may send it
        // round once more, and its next park's hook runs before the park is
        // counted.
        let metrics = rt.handle().metrics();
        let mut seen = (0, 0, 0);
        let consistent = common::wait_until(Duration::from_secs(30), || {
            let before = metrics.worker_park_unpark_count(0);
            seen = (
                parks.load(SeqCst),
                unparks.load(SeqCst),
                metrics.worker_park_count(0),
            );
            before % 2 == 1 && metrics.worker_park_unpark_count(0) == before
        });
        assert!(consistent, "the worker never stayed parked");
        let (parks, unparks, counted) = seen;
        assert!(parks >= 6);
        assert!(parks as u64 <= counted, "{parks} hooks, {counted} parks");
        assert_eq!(unparks + 1, parks);
    });
}

/// Work that `on_thread_park` spawns runs instead of the park, as tokio's
/// `on_thread_park` (a hook that flushes a batch and wakes its task).
#[test]
fn work_made_by_the_park_hook_runs() {
    common::guarded(|| {
        for current_thread in [false, true] {
            let (tx, rx) = futures_channel::oneshot::channel::<()>();
            let tx = Arc::new(Mutex::new(Some(tx)));
            let hook = move || {
                if let Some(tx) = tx.lock().unwrap().take() {
                    // The first park: spawn the task that ends the wait.
                    drop(taskcell_executor::Handle::current().spawn(async move {
                        let _ = tx.send(());
                    }));
                }
            };
            let mut builder = if current_thread {
                Builder::new_current_thread()
            } else {
                let mut builder = Builder::new_multi_thread();
                builder.worker_threads(1);
                builder
            };
            let rt = builder.on_thread_park(hook).build().unwrap();
            // With nothing else to run, the runtime parks; the hook's task
            // must run instead, or this waits forever.
            rt.block_on(rx).unwrap();
        }
    });
}
