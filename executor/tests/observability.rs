//! Knowing your tasks: names in `JoinError` and `AccessError`, `JoinSet`,
//! runtime metrics that count what a test does, and task dumps taken while
//! the runtime runs.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use futures_channel::oneshot;
use taskcell_executor::task::{Builder, JoinSet};
use taskcell_executor::{spawn, yield_now, TaskCell, TaskState};

const N: usize = common::scaled(1_000, 20);

#[test]
fn a_named_tasks_join_error_names_it() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(2);
        let message = format!("{} bad frame", common::EXPECTED);
        let task = Builder::new()
            .name("conn-handler")
            .spawn_on(async move { panic!("{message}") }, rt.handle());
        let id = task.id();
        let err = rt.block_on(task).unwrap_err();
        assert_eq!(err.name(), Some("conn-handler"));
        assert_eq!(
            err.to_string(),
            format!(
                "task {id} \"conn-handler\" panicked with message \"{} bad frame\"",
                common::EXPECTED
            )
        );

        let task = Builder::new()
            .name("idle-loop")
            .spawn_on(std::future::pending::<()>(), rt.handle());
        task.abort();
        let err = rt.block_on(task).unwrap_err();
        assert!(
            err.to_string().ends_with("\"idle-loop\" was cancelled"),
            "{err}"
        );

        // Unnamed: as before, no name and no quotes.
        let err = rt.block_on(rt.spawn(async { panic!("{}", common::EXPECTED) }));
        let err = err.unwrap_err();
        assert_eq!(err.name(), None);
        assert!(err
            .to_string()
            .starts_with(&format!("task {} panicked", err.id())));
    });
}

#[test]
fn a_named_blocking_task_and_builder_spawn_carry_the_name() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(1);
        let (blocking, spawned) = rt.block_on(async {
            let blocking = Builder::new()
                .name("fs-walk")
                .spawn_blocking(|| panic!("{}", common::EXPECTED))
                .await
                .unwrap_err();
            let spawned = Builder::new()
                .name("inner")
                .spawn(async { panic!("{}", common::EXPECTED) })
                .await
                .unwrap_err();
            (blocking, spawned)
        });
        assert_eq!(blocking.name(), Some("fs-walk"));
        assert_eq!(spawned.name(), Some("inner"));
    });
}

#[test]
fn an_access_error_names_the_owner_and_the_accessor() {
    common::guarded(|| {
        let rt = common::rt(2);
        let cell = Arc::new(TaskCell::new(0u32));
        let owner = Builder::new().name("owner-task").spawn_on(
            {
                let cell = Arc::clone(&cell);
                async move { cell.set(1) }
            },
            rt.handle(),
        );
        let owner_id = owner.id();
        rt.block_on(owner).unwrap();
        let intruder = Builder::new().name("intruder").spawn_on(
            {
                let cell = Arc::clone(&cell);
                async move { cell.try_with(|n| *n).unwrap_err().to_string() }
            },
            rt.handle(),
        );
        let intruder_id = intruder.id();
        let message = rt.block_on(intruder).unwrap();
        // The owner has finished (its name is gone with it); the intruder is
        // alive while the message is made.
        assert!(
            message.contains(&format!("accessed from task {intruder_id} \"intruder\"")),
            "{message}"
        );
        assert!(
            message.contains(&format!("owned by task {owner_id}")),
            "{message}"
        );

        // Both alive: both named.
        let (tx, rx) = oneshot::channel::<()>();
        let holder = Arc::new(TaskCell::new(0u32));
        let (bound_tx, bound_rx) = oneshot::channel::<()>();
        let owner = Builder::new().name("holder").spawn_on(
            {
                let holder = Arc::clone(&holder);
                async move {
                    holder.set(1);
                    bound_tx.send(()).unwrap();
                    let _ = rx.await;
                }
            },
            rt.handle(),
        );
        rt.block_on(bound_rx).unwrap();
        let message = rt
            .block_on(Builder::new().name("reader").spawn_on(
                {
                    let holder = Arc::clone(&holder);
                    async move { holder.try_with(|n| *n).unwrap_err().to_string() }
                },
                rt.handle(),
            ))
            .unwrap();
        assert!(
            message.contains(&format!("owned by task {} \"holder\"", owner.id())),
            "{message}"
        );
        assert!(message.contains("\"reader\""), "{message}");
        tx.send(()).unwrap();
        rt.block_on(owner).unwrap();
    });
}

#[test]
fn join_set_yields_results_in_completion_order() {
    common::guarded(|| {
        let rt = common::rt(2);
        rt.block_on(async {
            // Task i finishes when gate i opens; gates open in reverse.
            let mut set = JoinSet::new();
            let mut gates = Vec::new();
            for i in 0..8 {
                let (tx, rx) = oneshot::channel::<()>();
                gates.push(tx);
                set.spawn(async move {
                    rx.await.unwrap();
                    i
                });
            }
            assert_eq!(set.len(), 8);
            let mut order = Vec::new();
            while let Some(gate) = gates.pop() {
                gate.send(()).unwrap();
                order.push(set.join_next().await.unwrap().unwrap());
            }
            assert_eq!(order, [7, 6, 5, 4, 3, 2, 1, 0]);
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
        });
    });
}

#[test]
fn join_set_joins_many_tasks_and_reports_panics() {
    common::quiet_expected_panics();
    common::guarded(|| {
        let rt = common::rt(2);
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..N {
                set.spawn(async move {
                    yield_now().await;
                    if i % 10 == 3 {
                        panic!("{} task {i}", common::EXPECTED);
                    }
                    i
                });
            }
            let mut seen = HashSet::new();
            let mut panics = 0;
            while let Some(result) = set.join_next().await {
                match result {
                    Ok(i) => assert!(seen.insert(i), "{i} joined twice"),
                    Err(err) => {
                        assert!(err.is_panic());
                        panics += 1;
                    }
                }
            }
            assert_eq!(seen.len() + panics, N);
            assert_eq!(panics, N / 10);
        });
    });
}

#[test]
fn dropping_a_join_set_aborts_its_tasks_and_drops_each_future_once() {
    common::guarded(|| {
        let rt = common::rt(2);
        let log = common::DropLog::new();
        let ids = rt.block_on(async {
            let mut set = JoinSet::new();
            let mut ids = Vec::new();
            for _ in 0..N {
                let probe = log.probe();
                set.spawn(async move {
                    let _probe = probe;
                    std::future::pending::<()>().await
                });
            }
            // Some have run once (and are parked), some are still queued.
            yield_now().await;
            let dump = taskcell_executor::Handle::current().dump();
            ids.extend(dump.tasks().map(|task| Some(task.id())));
            drop(set);
            ids
        });
        assert!(
            common::wait_until(Duration::from_secs(60), || log.count() == N),
            "{} of {N} futures dropped",
            log.count()
        );
        drop(rt);
        assert_eq!(log.count(), N, "each future dropped exactly once");
        let mut dropped_under = log.ids();
        dropped_under.sort();
        let mut ids = ids;
        ids.sort();
        assert_eq!(dropped_under, ids, "each under its own task id");
    });
}

#[test]
fn join_set_shutdown_and_abort_all() {
    common::guarded(|| {
        let rt = common::rt(2);
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..10 {
                set.spawn(std::future::pending::<()>());
            }
            set.spawn(async {});
            set.shutdown().await;
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());

            set.spawn(std::future::pending::<()>());
            set.abort_all();
            assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
        });
        // A joined task leaves the owned list just after its output is out.
        let metrics = rt.handle().metrics();
        assert!(common::wait_until(Duration::from_secs(30), || {
            metrics.num_alive_tasks() == 0
        }));
    });
}

#[test]
fn an_empty_join_set() {
    let rt = common::current_thread_rt();
    let mut set = JoinSet::<u8>::new();
    assert_eq!(set.len(), 0);
    assert!(set.is_empty());
    assert!(rt.block_on(set.join_next()).is_none());
    rt.block_on(set.shutdown());
    set.abort_all();
    drop(set);
}

#[test]
fn metrics_count_spawns_polls_and_alive_tasks() {
    common::guarded(|| {
        let rt = common::rt(2);
        let metrics = rt.handle().metrics();
        assert_eq!(metrics.num_workers(), 2);
        let spawned_before = metrics.spawned_tasks_count();
        let polls_before: u64 = (0..2).map(|i| metrics.worker_poll_count(i)).sum();
        rt.block_on(async {
            let tasks: Vec<_> = (0..N).map(|_| spawn(async { yield_now().await })).collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        assert!(metrics.spawned_tasks_count() >= spawned_before + N as u64);
        // Workers publish their counts at least every 61 tasks and when they
        // go to sleep, which they do once the work is done.
        let polls = || -> u64 { (0..2).map(|i| metrics.worker_poll_count(i)).sum() };
        assert!(
            common::wait_until(Duration::from_secs(30), || polls()
                >= polls_before + 2 * N as u64),
            "{N} tasks that yield once each need {} polls, counted {}",
            2 * N,
            polls() - polls_before
        );
        assert!(
            common::wait_until(Duration::from_secs(30), || metrics.num_alive_tasks() == 0),
            "alive: {}",
            metrics.num_alive_tasks()
        );
        assert_eq!(metrics.global_queue_depth(), 0);
        for worker in 0..2 {
            assert_eq!(metrics.worker_local_queue_depth(worker), 0);
        }
        // A task that holds its worker for 50 ms makes it that long busy,
        // once the worker publishes its busy time (every 61 tasks, and when
        // it parks, as it does once the work is done).
        let busy = || -> Duration { (0..2).map(|i| metrics.worker_total_busy_duration(i)).sum() };
        let busy_before = busy();
        rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(50)) }))
            .unwrap();
        assert!(
            common::wait_until(Duration::from_secs(30), || busy()
                >= busy_before + Duration::from_millis(50)),
            "{:?}",
            busy()
        );
        // Idle workers park.
        assert!(common::wait_until(Duration::from_secs(30), || {
            (0..2).all(|i| metrics.worker_park_count(i) > 0)
        }));
    });
}

#[test]
fn a_worker_that_starts_after_shutdown_began_still_parks_once() {
    common::guarded(|| {
        // Every worker waits in its start hook until shutdown has begun.
        let gate = Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
        let hook_gate = gate.clone();
        let rt = taskcell_executor::Builder::new_multi_thread()
            .worker_threads(2)
            .on_thread_start(move || {
                let (open, opened) = &*hook_gate;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = opened.wait(open).unwrap();
                }
            })
            .build()
            .unwrap();
        let metrics = rt.metrics();
        let dropping = Arc::new(AtomicBool::new(false));
        let opener = std::thread::spawn({
            let dropping = dropping.clone();
            move || {
                // `drop(rt)` sets the shutdown flag first thing, then waits
                // for the workers; give it ample time to get there.
                while !dropping.load(SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                std::thread::sleep(Duration::from_millis(100));
                let (open, opened) = &*gate;
                *open.lock().unwrap() = true;
                opened.notify_all();
            }
        });
        dropping.store(true, SeqCst);
        drop(rt);
        opener.join().unwrap();
        for worker in 0..2 {
            assert!(
                metrics.worker_park_count(worker) >= 1,
                "worker {worker} never parked"
            );
        }
    });
}

#[test]
fn metrics_of_a_current_thread_runtime() {
    let rt = common::current_thread_rt();
    let metrics = rt.handle().metrics();
    assert_eq!(metrics.num_workers(), 1);
    let task = rt.spawn(async {});
    assert_eq!(metrics.global_queue_depth(), 1);
    assert_eq!(metrics.num_alive_tasks(), 1);
    rt.block_on(task).unwrap();
    assert_eq!(metrics.worker_poll_count(0), 1);
    assert_eq!(metrics.num_alive_tasks(), 0);
    assert_eq!(metrics.spawned_tasks_count(), 1);
}

#[test]
#[should_panic(expected = "worker index 2 out of range: this runtime has 2 workers")]
fn a_worker_index_out_of_range_panics_clearly() {
    let rt = common::rt(2);
    rt.handle().metrics().worker_poll_count(2);
}

#[test]
fn a_dump_lists_fifty_waiting_named_tasks() {
    common::guarded(|| {
        let rt = common::rt(2);
        let mut gates = Vec::new();
        let mut handles = Vec::new();
        for i in 0..50 {
            let (tx, rx) = oneshot::channel::<()>();
            gates.push(tx);
            let name = format!("waiter-{i}");
            handles.push(
                Builder::new()
                    .name(&name)
                    .spawn_on(async move { rx.await.unwrap() }, rt.handle()),
            );
        }
        // Each has been polled once and waits.
        assert!(common::wait_until(Duration::from_secs(30), || {
            rt.handle()
                .dump()
                .tasks()
                .all(|task| task.polls() == 1 && task.state() == TaskState::Idle)
        }));
        let dump = rt.handle().dump();
        assert_eq!(dump.len(), 50);
        let names: HashSet<_> = dump.tasks().map(|task| task.name().unwrap()).collect();
        let expected: HashSet<_> = (0..50).map(|i| format!("waiter-{i}")).collect();
        assert_eq!(names, expected.iter().map(String::as_str).collect());
        for task in dump.tasks() {
            assert!(
                task.location().file().ends_with("observability.rs"),
                "{}",
                task.location()
            );
        }
        let ids: HashSet<_> = dump.tasks().map(|task| task.id()).collect();
        assert_eq!(ids, handles.iter().map(|h| h.id()).collect());
        // Sorted longest idle first.
        let idle: Vec<_> = dump.tasks().map(|task| task.idle_for()).collect();
        assert!(idle.windows(2).all(|pair| pair[0] >= pair[1]), "{idle:?}");
        let table = dump.to_string();
        assert!(
            table.starts_with("50 tasks, longest idle first\n"),
            "{table}"
        );
        assert!(
            table.contains("waiter-49") && table.contains("observability.rs"),
            "{table}"
        );
        for gate in gates {
            gate.send(()).unwrap();
        }
        for handle in handles {
            rt.block_on(handle).unwrap();
        }
        assert!(common::wait_until(Duration::from_secs(30), || {
            rt.handle().dump().is_empty()
        }));
    });
}

#[test]
fn a_dump_shows_the_task_that_waited_longest_first() {
    common::guarded(|| {
        let rt = common::rt(2);
        let (old_tx, old_rx) = oneshot::channel::<()>();
        let old = Builder::new()
            .name("stuck")
            .spawn_on(async move { old_rx.await.unwrap() }, rt.handle());
        std::thread::sleep(Duration::from_millis(50));
        let fresh_gate = Arc::new(AtomicBool::new(false));
        let fresh_running = Arc::new(AtomicBool::new(false));
        let fresh = Builder::new().name("busy").spawn_on(
            {
                let gate = Arc::clone(&fresh_gate);
                let running = Arc::clone(&fresh_running);
                async move {
                    running.store(true, SeqCst);
                    while !gate.load(SeqCst) {
                        yield_now().await;
                    }
                }
            },
            rt.handle(),
        );
        // Busy means polled: until its first poll, a task spawned from this
        // thread carries the clock of its spawn, which an idle runtime may
        // not have refreshed since before `stuck` (see `TaskInfo::idle_for`).
        assert!(common::wait_until(Duration::from_secs(30), || {
            fresh_running.load(SeqCst)
        }));
        let first = rt
            .handle()
            .dump()
            .tasks()
            .next()
            .unwrap()
            .name()
            .map(str::to_owned);
        assert_eq!(first.as_deref(), Some("stuck"));
        fresh_gate.store(true, SeqCst);
        old_tx.send(()).unwrap();
        rt.block_on(old).unwrap();
        rt.block_on(fresh).unwrap();
    });
}

#[test]
fn a_dump_during_churn_never_misses_a_task_that_stays_alive() {
    common::guarded(|| {
        let rt = common::rt(2);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let survivor = Builder::new()
            .name("survivor")
            .spawn_on(async move { stop_rx.await.unwrap() }, rt.handle());
        let survivor_id = survivor.id();
        // Churn: tasks that spawn tasks that finish at once, on every worker.
        let churning = Arc::new(AtomicBool::new(true));
        let spawned = Arc::new(AtomicUsize::new(0));
        let churners: Vec<_> = (0..2)
            .map(|_| {
                let churning = Arc::clone(&churning);
                let spawned = Arc::clone(&spawned);
                rt.spawn(async move {
                    while churning.load(SeqCst) {
                        let tasks: Vec<_> = (0..16).map(|i| spawn(async move { i })).collect();
                        for task in tasks {
                            task.await.unwrap();
                        }
                        spawned.fetch_add(16, SeqCst);
                        yield_now().await;
                    }
                })
            })
            .collect();
        let mut states = HashMap::new();
        let mut dumps = 0;
        // Dump until the churners have spawned and finished plenty of tasks
        // meanwhile (and at least a couple of hundred times).
        while dumps < common::scaled(200, 5) || spawned.load(SeqCst) < common::scaled(5_000, 32) {
            dumps += 1;
            let dump = rt.handle().dump();
            let survivor = dump
                .tasks()
                .find(|task| task.id() == survivor_id)
                .expect("the surviving task is in every dump");
            assert_eq!(survivor.name(), Some("survivor"));
            *states.entry(survivor.state()).or_insert(0) += 1;
        }
        churning.store(false, SeqCst);
        for churner in churners {
            rt.block_on(churner).unwrap();
        }
        assert!(!states.is_empty());
        stop_tx.send(()).unwrap();
        rt.block_on(survivor).unwrap();
    });
}
