//! `interval` and `interval_at`: the first tick completes at once, later
//! ticks are a period apart and never early; missed ticks are made up
//! according to `MissedTickBehavior` (`Burst` by default, as tokio);
//! `reset` restarts the period; a zero period panics.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Poll;
use std::thread;
use std::time::Duration;
use taskcell_executor::time::Instant;

use taskcell_executor::time::{interval, interval_at, Interval, MissedTickBehavior};

/// Polls `iv.poll_tick` once; `Some(instant)` if a tick was ready.
async fn try_tick(iv: &mut Interval) -> Option<Instant> {
    std::future::poll_fn(|cx| match iv.poll_tick(cx) {
        Poll::Ready(t) => Poll::Ready(Some(t)),
        Poll::Pending => Poll::Ready(None),
    })
    .await
}

#[test]
fn the_first_tick_completes_at_once_and_the_second_waits_a_period() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let before = Instant::now();
            let mut iv = interval(Duration::from_secs(3600));
            assert_eq!(iv.period(), Duration::from_secs(3600));
            let first = try_tick(&mut iv)
                .await
                .expect("the first tick is immediate");
            assert!(first >= before && first <= Instant::now());
            assert_eq!(try_tick(&mut iv).await, None, "a second tick an hour early");
        });
    });
}

#[test]
fn ticks_are_a_period_apart_and_never_early() {
    const PERIOD: Duration = Duration::from_millis(20);
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let mut iv = interval(PERIOD);
            let mut ticks = Vec::new();
            for _ in 0..8 {
                let t = iv.tick().await;
                let now = Instant::now();
                assert!(now >= t, "tick for {t:?} returned at {now:?}");
                ticks.push(t);
            }
            for (k, pair) in ticks.windows(2).enumerate() {
                assert!(
                    pair[1] - pair[0] >= PERIOD,
                    "ticks {k} and {} only {:?} apart",
                    k + 1,
                    pair[1] - pair[0]
                );
            }
            // Burst (the default) keeps the schedule: tick k is due at
            // start + k periods, whenever it is observed.
            for (k, &t) in ticks.iter().enumerate() {
                assert_eq!(t, ticks[0] + PERIOD * k as u32, "tick {k}");
            }
        });
    });
}

#[test]
fn interval_at_first_ticks_at_its_start() {
    common::guarded(|| {
        io_common::current_thread_all().block_on(async {
            // Far enough out that the check just below is not racing it.
            let start = Instant::now() + Duration::from_millis(200);
            let period = Duration::from_millis(10);
            let mut iv = interval_at(start, period);
            assert_eq!(try_tick(&mut iv).await, None, "ticked 200 ms early");
            assert_eq!(iv.tick().await, start);
            assert!(Instant::now() >= start);
            assert_eq!(iv.tick().await, start + period);
            assert!(Instant::now() >= start + period);
        });
    });
}

#[test]
fn burst_makes_up_every_missed_tick_on_the_original_schedule() {
    const PERIOD: Duration = Duration::from_millis(10);
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let mut iv = interval(PERIOD);
            let t0 = iv.tick().await;
            // Miss five and a half periods: block this thread.
            thread::sleep(PERIOD * 11 / 2);
            // The five missed ticks are due already, in schedule order.
            for k in 1..=5u32 {
                let t = try_tick(&mut iv)
                    .await
                    .expect("a missed tick is due at once");
                assert_eq!(t, t0 + PERIOD * k);
            }
            let t6 = iv.tick().await;
            assert_eq!(t6, t0 + PERIOD * 6);
            assert!(Instant::now() >= t6);
        });
    });
}

#[test]
fn delay_restarts_the_schedule_from_the_late_tick() {
    const PERIOD: Duration = Duration::from_millis(10);
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let mut iv = interval(PERIOD);
            iv.set_missed_tick_behavior(MissedTickBehavior::Delay);
            let t0 = iv.tick().await;
            thread::sleep(PERIOD * 7 / 2);
            let resumed = Instant::now();
            let late = try_tick(&mut iv)
                .await
                .expect("the missed tick is due at once");
            // It reports its own deadline, a period or so after the first.
            assert!(
                late >= t0 + PERIOD && late < resumed,
                "late tick at {late:?}"
            );
            // The next one is a full period after the late tick fired.
            let next = iv.tick().await;
            assert!(
                next >= resumed + PERIOD,
                "{:?} after the late tick",
                next - resumed
            );
            assert!(Instant::now() >= next);
            let after = iv.tick().await;
            assert!(
                after >= next + PERIOD,
                "{:?} after the previous tick",
                after - next
            );
        });
    });
}

#[test]
fn skip_drops_missed_ticks_and_stays_on_the_grid() {
    const PERIOD: Duration = Duration::from_millis(10);
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let mut iv = interval(PERIOD);
            iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
            let t0 = iv.tick().await;
            thread::sleep(PERIOD * 9 / 2);
            let resumed = Instant::now();
            let late = try_tick(&mut iv)
                .await
                .expect("the missed tick is due at once");
            assert_eq!(late, t0 + PERIOD);
            // The next tick is the first grid point (t0 + k periods) after
            // the late one fired: the others are skipped.
            let next = iv.tick().await;
            assert!(next > resumed, "a skipped tick was kept");
            let offset = (next - t0).as_nanos();
            assert_eq!(offset % PERIOD.as_nanos(), 0, "off the grid by {offset} ns");
            assert!(next - t0 >= PERIOD * 5);
            assert!(Instant::now() >= next);
        });
    });
}

#[test]
fn reset_puts_the_next_tick_a_full_period_away() {
    const PERIOD: Duration = Duration::from_millis(40);
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let mut iv = interval(PERIOD);
            let t0 = iv.tick().await;
            thread::sleep(Duration::from_millis(25));
            let reset_at = Instant::now();
            iv.reset();
            let next = iv.tick().await;
            assert!(next >= reset_at + PERIOD, "reset kept the old schedule");
            assert!(next > t0 + PERIOD);
            assert!(Instant::now() >= next);
        });
    });
}

#[test]
fn a_zero_period_panics() {
    common::guarded(|| {
        io_common::rt_all(1).block_on(async {
            assert!(catch_unwind(|| interval(Duration::ZERO)).is_err());
            let now = Instant::now();
            assert!(catch_unwind(AssertUnwindSafe(|| interval_at(now, Duration::ZERO))).is_err());
        });
    });
}

/// Periods too large to add to an `Instant` mean "never again": no panic in
/// `tick`, `reset`, or a late tick under `Delay` and `Skip`.
#[test]
fn huge_periods_do_not_overflow() {
    common::guarded(|| {
        io_common::current_thread_all().block_on(async {
            let mut iv = interval(Duration::MAX);
            assert!(
                try_tick(&mut iv).await.is_some(),
                "the first tick is at once"
            );
            assert_eq!(try_tick(&mut iv).await, None);
            iv.reset();
            assert_eq!(try_tick(&mut iv).await, None);
            for behavior in [
                MissedTickBehavior::Burst,
                MissedTickBehavior::Delay,
                MissedTickBehavior::Skip,
            ] {
                // The first tick, 20 ms late.
                let start = Instant::now() - Duration::from_millis(20);
                let mut iv = interval_at(start, Duration::MAX / 2);
                iv.set_missed_tick_behavior(behavior);
                assert_eq!(try_tick(&mut iv).await, Some(start), "{behavior:?}");
                assert_eq!(try_tick(&mut iv).await, None, "{behavior:?}");
            }
        });
    });
}
