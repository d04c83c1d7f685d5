//! `coop`: what the cooperative budget is for — the latency of a ping-pong
//! pair while as many hog tasks as workers loop on a resource that is
//! always ready (`sleep(Duration::ZERO)`), on taskcell-executor and on
//! tokio (both budget their timers).
//!
//! Each round builds a runtime with [`workers`](crate::workers)
//! workers, starts the hogs, then a pinger and a ponger that exchange
//! [`ROUND_TRIPS`] messages over unbounded `futures-channel` queues (no
//! runtime's own channel, so neither side's channel budget counts), the
//! pinger timing each round trip. Without a budget the hogs never yield and
//! the pair waits for a free worker that never comes.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_channel::mpsc;
use futures_util::StreamExt;

/// Round trips per round.
pub const ROUND_TRIPS: usize = 2_000;

/// Round-trip latencies of one round, sorted, in nanoseconds.
#[derive(Debug, Clone)]
pub struct Latencies(Vec<u64>);

impl Latencies {
    /// The `q` quantile (0..=1), in nanoseconds.
    pub fn quantile(&self, q: f64) -> f64 {
        let at = ((self.0.len() - 1) as f64 * q).round() as usize;
        self.0[at] as f64
    }
}

/// The pair's exchange: `spawn` starts the ponger at once and returns a
/// future that waits for it; returns each round trip's time, sorted.
async fn ping_pong<S, J>(round_trips: usize, spawn: S) -> Latencies
where
    S: Fn(std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> J,
    J: Future<Output = ()>,
{
    let (ping_tx, mut ping_rx) = mpsc::unbounded::<()>();
    let (pong_tx, mut pong_rx) = mpsc::unbounded::<()>();
    let ponger = spawn(Box::pin(async move {
        while ping_rx.next().await.is_some() {
            if pong_tx.unbounded_send(()).is_err() {
                break;
            }
        }
    }));
    let mut times = Vec::with_capacity(round_trips);
    for _ in 0..round_trips {
        let start = Instant::now();
        ping_tx.unbounded_send(()).expect("ponger alive");
        pong_rx.next().await.expect("ponger alive");
        times.push(start.elapsed().as_nanos() as u64);
    }
    drop(ping_tx);
    ponger.await;
    times.sort_unstable();
    Latencies(times)
}

/// One round on taskcell-executor.
pub fn under_hogs_ours(round_trips: usize) -> Latencies {
    let rt = crate::taskcell_runtime();
    let stop = Arc::new(AtomicBool::new(false));
    let hogs: Vec<_> = (0..crate::workers())
        .map(|_| {
            let stop = Arc::clone(&stop);
            rt.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    taskcell_executor::time::sleep(Duration::ZERO).await;
                }
            })
        })
        .collect();
    let latencies = rt.block_on(rt.spawn(ping_pong(round_trips, |future| {
        let ponger = taskcell_executor::spawn(future);
        async move { ponger.await.expect("ponger") }
    })));
    stop.store(true, Ordering::Relaxed);
    rt.block_on(async {
        for hog in hogs {
            hog.await.expect("hog");
        }
    });
    latencies.expect("pinger")
}

/// One round on tokio.
pub fn under_hogs_tokio(round_trips: usize) -> Latencies {
    let rt = crate::tokio_runtime();
    let stop = Arc::new(AtomicBool::new(false));
    let hogs: Vec<_> = (0..crate::workers())
        .map(|_| {
            let stop = Arc::clone(&stop);
            rt.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::ZERO).await;
                }
            })
        })
        .collect();
    let latencies = rt.block_on(rt.spawn(ping_pong(round_trips, |future| {
        let ponger = tokio::spawn(future);
        async move { ponger.await.expect("ponger") }
    })));
    stop.store(true, Ordering::Relaxed);
    rt.block_on(async {
        for hog in hogs {
            hog.await.expect("hog");
        }
    });
    latencies.expect("pinger")
}

/// The median over `rounds` (the runtimes alternating) of each side's p50
/// and p99, in nanoseconds: `((ours_p50, ours_p99), (tokio_p50, tokio_p99))`.
pub fn median_quantiles(rounds: usize, round_trips: usize) -> ((f64, f64), (f64, f64)) {
    let mut ours = (Vec::new(), Vec::new());
    let mut theirs = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut measure = |tokio: bool| {
            let (latencies, into) = if tokio {
                (under_hogs_tokio(round_trips), &mut theirs)
            } else {
                (under_hogs_ours(round_trips), &mut ours)
            };
            into.0.push(latencies.quantile(0.5));
            into.1.push(latencies.quantile(0.99));
        };
        measure(round % 2 == 1);
        measure(round % 2 == 0);
    }
    let median = |mut xs: Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs[xs.len() / 2]
    };
    (
        (median(ours.0), median(ours.1)),
        (median(theirs.0), median(theirs.1)),
    )
}
