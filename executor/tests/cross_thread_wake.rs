//! Wake-ups that cross threads: `futures-channel` oneshot and mpsc channels
//! fed from plain std threads and from other tasks wake the waiting tasks,
//! also when the runtime's workers have gone idle in between.

mod common;

use std::thread;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use futures_channel::{mpsc, oneshot};
use taskcell_executor::spawn;

#[test]
fn oneshot_sent_from_plain_threads_wakes_each_task() {
    const TASKS: usize = common::scaled(1_000, 10);
    const THREADS: usize = 8;
    common::guarded(|| {
        let rt = common::rt(4);
        let mut senders: Vec<Vec<(usize, oneshot::Sender<usize>)>> =
            (0..THREADS).map(|_| Vec::new()).collect();
        let handles: Vec<_> = (0..TASKS)
            .map(|i| {
                let (tx, rx) = oneshot::channel();
                senders[i % THREADS].push((i, tx));
                rt.spawn(async move { rx.await.map(|v| v + 1) })
            })
            .collect();
        let threads: Vec<_> = senders
            .into_iter()
            .map(|batch| {
                thread::spawn(move || {
                    for (i, tx) in batch {
                        if i.is_multiple_of(97) {
                            thread::sleep(Duration::from_millis(1));
                        }
                        tx.send(i * 3).expect("the task still waits");
                    }
                })
            })
            .collect();
        rt.block_on(async {
            for (i, handle) in handles.into_iter().enumerate() {
                assert_eq!(handle.await.unwrap(), Ok(i * 3 + 1), "task {i}");
            }
        });
        for t in threads {
            t.join().unwrap();
        }
    });
}

#[test]
fn oneshot_sender_dropped_on_a_plain_thread_wakes_the_task_with_canceled() {
    common::guarded(|| {
        let rt = common::rt(2);
        let (tx, rx) = oneshot::channel::<u8>();
        let task = rt.spawn(async move { rx.await.is_err() });
        let dropper = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            drop(tx);
        });
        assert!(rt.block_on(task).unwrap(), "the receiver saw the sender go");
        dropper.join().unwrap();
    });
}

#[test]
fn wake_from_a_plain_thread_after_the_workers_went_idle() {
    // Each round the task waits long enough for every worker to run out of
    // work and park; the send must still wake one of them.
    const ROUNDS: usize = common::scaled(20, 2);
    common::guarded(|| {
        let rt = common::rt(2);
        for round in 0..ROUNDS {
            let (tx, rx) = oneshot::channel();
            let task = rt.spawn(rx);
            let sender = thread::spawn(move || {
                thread::sleep(Duration::from_millis(15));
                tx.send(round).unwrap();
            });
            // Await the handle from a plain thread, away from the runtime.
            assert_eq!(futures::executor::block_on(task).unwrap(), Ok(round));
            sender.join().unwrap();
        }
    });
}

#[test]
fn ping_pong_between_a_task_and_a_plain_thread() {
    // Many short round trips make lost wake-ups (a wake racing with the
    // worker going to sleep) show up as a hang.
    const ROUNDS: usize = common::scaled(20_000, 20);
    common::guarded(|| {
        let rt = common::rt(2);
        let (to_thread, from_task) = std::sync::mpsc::channel::<(usize, oneshot::Sender<usize>)>();
        let echo = thread::spawn(move || {
            for (n, reply) in from_task {
                reply.send(n + 1).unwrap();
            }
        });
        let task = rt.spawn(async move {
            let mut n = 0;
            for _ in 0..ROUNDS {
                let (tx, rx) = oneshot::channel();
                to_thread.send((n, tx)).unwrap();
                n = rx.await.expect("the echo thread replies");
            }
            n
        });
        assert_eq!(rt.block_on(task).unwrap(), ROUNDS);
        echo.join().unwrap();
    });
}

#[test]
fn unbounded_mpsc_fed_by_plain_threads_wakes_the_consumer_task() {
    const THREADS: u64 = 4;
    const PER_THREAD: u64 = common::scaled(20_000, 20) as u64;
    common::guarded(|| {
        let rt = common::rt(2);
        let (tx, mut rx) = mpsc::unbounded::<u64>();
        let consumer = rt.spawn(async move {
            let (mut count, mut sum) = (0u64, 0u64);
            while let Some(v) = rx.next().await {
                count += 1;
                sum += v;
            }
            (count, sum)
        });
        let producers: Vec<_> = (0..THREADS)
            .map(|t| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..PER_THREAD {
                        tx.unbounded_send(t * PER_THREAD + i).unwrap();
                        if i.is_multiple_of(1_000) {
                            thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        for p in producers {
            p.join().unwrap();
        }
        let total = THREADS * PER_THREAD;
        assert_eq!(
            rt.block_on(consumer).unwrap(),
            (total, total * (total - 1) / 2)
        );
    });
}

#[test]
fn bounded_mpsc_backpressure_between_plain_threads_and_a_task() {
    // Capacity 1: the plain threads park in their own `block_on` until the
    // task drains the channel, so wake-ups go both ways across threads.
    const THREADS: u64 = 3;
    const PER_THREAD: u64 = common::scaled(3_000, 10) as u64;
    common::guarded(|| {
        let rt = common::rt(2);
        let (tx, mut rx) = mpsc::channel::<u64>(1);
        let consumer = rt.spawn(async move {
            let mut sum = 0u64;
            let mut count = 0u64;
            while let Some(v) = rx.next().await {
                sum += v;
                count += 1;
                if count.is_multiple_of(512) {
                    taskcell_executor::yield_now().await;
                }
            }
            (count, sum)
        });
        let producers: Vec<_> = (0..THREADS)
            .map(|t| {
                let mut tx = tx.clone();
                thread::spawn(move || {
                    futures::executor::block_on(async {
                        for i in 0..PER_THREAD {
                            tx.send(t * PER_THREAD + i).await.unwrap();
                        }
                    })
                })
            })
            .collect();
        drop(tx);
        for p in producers {
            p.join().unwrap();
        }
        let total = THREADS * PER_THREAD;
        assert_eq!(
            rt.block_on(consumer).unwrap(),
            (total, total * (total - 1) / 2)
        );
    });
}

fn bounded_mpsc_between_tasks(workers: usize) {
    const PRODUCERS: u64 = 8;
    const PER_PRODUCER: u64 = common::scaled(5_000, 10) as u64;
    common::guarded(move || {
        let rt = common::rt(workers);
        let (tx, mut rx) = mpsc::channel::<u64>(1);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let mut tx = tx.clone();
                rt.spawn(async move {
                    for i in 0..PER_PRODUCER {
                        tx.send(p * PER_PRODUCER + i).await.unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let consumer = rt.spawn(async move {
            let mut seen = vec![false; (PRODUCERS * PER_PRODUCER) as usize];
            while let Some(v) = rx.next().await {
                assert!(!std::mem::replace(&mut seen[v as usize], true), "{v} twice");
            }
            seen.iter().all(|s| *s)
        });
        rt.block_on(async {
            for p in producers {
                p.await.unwrap();
            }
            assert!(consumer.await.unwrap(), "some value never arrived");
        });
    });
}

#[test]
fn bounded_mpsc_between_tasks_on_four_workers() {
    bounded_mpsc_between_tasks(4);
}

#[test]
fn bounded_mpsc_between_tasks_on_one_worker() {
    bounded_mpsc_between_tasks(1);
}

#[test]
fn oneshot_relay_chain_across_tasks() {
    // Task k awaits its oneshot and forwards the value plus one to task k+1.
    const LINKS: usize = common::scaled(5_000, 20);
    common::guarded(|| {
        let rt = common::rt(4);
        rt.block_on(async {
            let (first_tx, mut rx) = oneshot::channel::<usize>();
            let mut links = Vec::with_capacity(LINKS);
            for _ in 0..LINKS {
                let (tx, next_rx) = oneshot::channel::<usize>();
                links.push(spawn(async move {
                    let v = rx.await.expect("the previous link sends");
                    tx.send(v + 1).expect("the next link waits");
                }));
                rx = next_rx;
            }
            first_tx.send(0).unwrap();
            assert_eq!(rx.await, Ok(LINKS));
            for link in links {
                link.await.unwrap();
            }
        });
    });
}
