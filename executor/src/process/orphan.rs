//! The last resort for a child nobody waits for: one whose runtime is gone
//! (or going) before it ended, so that no task can await its exit.
//!
//! Such a child is *adopted*: kept in one process-wide list, which a
//! helper thread (`taskcell-orphan-reaper`, never a runtime worker) looks
//! through with `try_wait` (`waitpid(pid, WNOHANG)`: it never blocks, and
//! never reaps a process that is not on the list), at intervals that grow
//! from 1 ms to 1 s and start again at each adoption. The thread exits
//! once the list is empty and is started again by the next adoption.
//!
//! It polls rather than waits because nothing else is left to wait on: the
//! runtime's driver that would deliver the exit is gone, and a blocking
//! `waitpid` per orphan would take a thread each. Orphans are rare (a
//! runtime dropped while children it spawned and dropped still run); while
//! there are none, nothing runs.

use std::process::Child as StdChild;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

/// The adopted children, and whether a reaper thread looks after them.
struct Orphans {
    children: Vec<StdChild>,
    /// Set while a reaper thread runs (it clears it, under the lock, when
    /// it leaves an empty list).
    reaper: bool,
    /// Bumped at each adoption: the reaper starts over from short waits.
    adoptions: u64,
}

static ORPHANS: Mutex<Orphans> = Mutex::new(Orphans {
    children: Vec::new(),
    reaper: false,
    adoptions: 0,
});

/// Wakes the reaper at an adoption.
static ADOPTED: Condvar = Condvar::new();

/// The shortest and longest wait between two looks.
const FIRST_WAIT: Duration = Duration::from_millis(1);
const LAST_WAIT: Duration = Duration::from_secs(1);

fn orphans() -> MutexGuard<'static, Orphans> {
    // Nothing here panics under the lock; a poisoned list is still a list.
    ORPHANS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes `child`, which has not been reaped, and reaps it once it ends.
pub(crate) fn adopt(mut child: StdChild) {
    // Ended already (reaped now), or not ours to reap any more (an error:
    // `ECHILD`, someone else waited for it).
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    let mut orphans = orphans();
    orphans.children.push(child);
    orphans.adoptions += 1;
    if orphans.reaper {
        ADOPTED.notify_one();
        return;
    }
    // Without a thread (none can be started now), the list waits for the
    // next adoption to try again.
    orphans.reaper = thread::Builder::new()
        .name("taskcell-orphan-reaper".into())
        .stack_size(64 * 1024)
        .spawn(reap)
        .is_ok();
}

/// The reaper thread's loop.
fn reap() {
    let mut wait = FIRST_WAIT;
    let mut orphans = orphans();
    loop {
        orphans
            .children
            .retain_mut(|child| matches!(child.try_wait(), Ok(None)));
        if orphans.children.is_empty() {
            orphans.reaper = false;
            return;
        }
        let seen = orphans.adoptions;
        orphans = ADOPTED
            .wait_timeout(orphans, wait)
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .0;
        wait = match orphans.adoptions == seen {
            true => (wait * 2).min(LAST_WAIT),
            false => FIRST_WAIT,
        };
    }
}
