//! A chaos harness: from a seed, a random plan of tasks — spawns, nested
//! spawns, `spawn_blocking`, yields, cross-task wakes over channels, aborts
//! racing completion, `JoinHandle`s dropped, kept, awaited or handed to
//! foreign threads, panics in polls, in drops of futures and outputs and in
//! drops of panic payloads, wakers cloned to foreign threads and woken late —
//! runs on a multi-thread runtime (1 to 3 workers) or a current-thread one,
//! and ends with a runtime drop or `shutdown_timeout` at a random point.
//!
//! Every case then checks that each future, output, message and panic
//! payload was dropped exactly once; that futures, and outputs the runtime
//! dropped, were dropped under their own task's id (an awaited output under
//! its awaiter's); that each task was polled under its own id; that join
//! results fit the plan; that no runtime thread is left running; and that
//! nothing hangs (a deadline per case).
//!
//! Environment:
//!
//! - `CHAOS_SEED=S` replays seed `S` alone; `CHAOS_SKIP=i,j,..` with it
//!   leaves out those ops (numbered in preorder), as a shrunk failure prints.
//! - `CHAOS_SEEDS=N` runs `N` seeds, from `CHAOS_START=K` (default 0).
//!   Without it, seeds from `K` on run until [`DEFAULT_SEEDS`] of them ran
//!   or [`DEFAULT_BUDGET`] passed.
//! - `CHAOS_BOMBS=0` leaves out panic payloads whose `Drop` panics again
//!   (on by default).
//! - `CHAOS_DISCARD=0` leaves out tasks whose future's `Drop` panics after
//!   the task returned an output whose `Drop` panics too (on by default).
//! - `CHAOS_SHRINK=0` reports a failing seed without shrinking its plan.
//! - `CHAOS_DEADLINE_MS=T`: the per-case deadline (default 20 000).
//!
//! Under Miri the plans are smaller and 8 seeds run; Miri sees these
//! variables only with `-Zmiri-disable-isolation` in `MIRIFLAGS`.

mod common;

use std::any::Any;
use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::panic::{self, catch_unwind, panic_any, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self as std_mpsc, RecvTimeoutError};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use common::{lock, payload_str, ExpectedPanic, EXPECTED};
use futures::StreamExt;
use futures_channel::{mpsc, oneshot};
use taskcell_executor::{Builder, JoinError, JoinHandle, TaskCell, TaskId};

/// Seeds a plain `cargo test` runs at most (about 35 s for a debug build on
/// two cores)...
const DEFAULT_SEEDS: u64 = if cfg!(miri) { 8 } else { 10_000 };

/// ... and the time it stops starting new ones after, so that a slow
/// machine or a sanitizer build stays within CI's time. An explicit
/// `CHAOS_SEEDS` runs all its seeds.
const DEFAULT_BUDGET: Duration = Duration::from_secs(40);

/// The default deadline of one case.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(20);

/// How long shrinking a failing plan may take, all attempts together.
const SHRINK_BUDGET: Duration = Duration::from_secs(90);

/// The deadline of one shrinking attempt that failed by hanging.
const SHRINK_HANG_DEADLINE: Duration = Duration::from_secs(5);

/// How long runtime threads (and, on Linux, OS threads) get to wind down
/// once the runtime is gone before the case calls them leaked.
const SETTLE: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// Seeded randomness and knobs.
// ---------------------------------------------------------------------------

/// splitmix64: a tiny, seedable, good-enough PRNG.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6a09_e667_f3bc_c909)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// A short delay in microseconds, mostly zero or tiny.
    fn delay_us(&mut self) -> u32 {
        match self.below(10) {
            0..=3 => 0,
            4..=7 => self.range(1, 200) as u32,
            _ => self.range(200, 3_000) as u32,
        }
    }
}

/// The size limits and switches of plan generation.
#[derive(Debug, Clone, Copy)]
struct Config {
    /// Panic payloads whose `Drop` panics again (`Bomb(n)` with `n > 0`).
    bombs: bool,
    /// Tasks whose future's `Drop` panics after the poll returned an output
    /// that panics when dropped too (or a `Bomb` panic).
    discard: bool,
    /// Most ops in one task.
    max_ops: u64,
    /// Deepest nesting of spawned tasks.
    max_depth: usize,
    /// Most tasks (spawned or blocking) in one plan.
    max_tasks: usize,
}

impl Config {
    fn from_env() -> Config {
        let bombs = env_u64("CHAOS_BOMBS").is_none_or(|v| v != 0);
        let discard = env_u64("CHAOS_DISCARD").is_none_or(|v| v != 0);
        if cfg!(miri) {
            Config {
                bombs,
                discard,
                max_ops: 5,
                max_depth: 3,
                max_tasks: 8,
            }
        } else {
            Config {
                bombs,
                discard,
                max_ops: 8,
                max_depth: 5,
                max_tasks: 40,
            }
        }
    }
}

/// An environment variable as a number; panics on garbage.
fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
    )
}

// ---------------------------------------------------------------------------
// Plans.
// ---------------------------------------------------------------------------

/// One case: the runtime, the task tree, and how the case ends.
#[derive(Debug, Clone)]
struct Plan {
    seed: u64,
    flavor: Flavor,
    max_blocking_threads: usize,
    keep_alive_ms: u64,
    root: RootMode,
    node: Node,
    end: EndAt,
    shutdown: Shutdown,
}

#[derive(Debug, Clone, Copy)]
enum Flavor {
    MultiThread(usize),
    CurrentThread,
}

/// How the root task runs.
#[derive(Debug, Clone, Copy)]
enum RootMode {
    /// As the `block_on` future, to its end.
    BlockOn,
    /// Spawned; its handle then meets this fate.
    Spawn(RootHandle),
}

#[derive(Debug, Clone, Copy)]
enum RootHandle {
    /// Dropped before the shutdown.
    Drop,
    /// Awaited (on the test thread) after the shutdown.
    AwaitAfter,
    /// Aborted before the shutdown, awaited after it.
    AbortThenAwaitAfter,
}

/// When the test thread shuts the runtime down.
#[derive(Debug, Clone, Copy)]
enum EndAt {
    /// Once every future of the plan is gone (the plan always gets there).
    Quiescence,
    /// Once this many ops ran, or every future is gone.
    Progress(usize),
    /// Right away.
    Immediately,
}

#[derive(Debug, Clone, Copy)]
enum Shutdown {
    Drop,
    TimeoutMs(u64),
}

/// A task: its ops in order, then how it finishes.
#[derive(Debug, Clone)]
struct Node {
    /// Preorder number, to name the task in messages.
    id: usize,
    ops: Vec<Op>,
    finish: Finish,
    /// The output's `Drop` panics.
    output_drop_panics: bool,
    /// The future's `Drop` panics (after everything in it is dropped).
    future_drop_panics: bool,
}

#[derive(Debug, Clone, Copy)]
enum Finish {
    Return,
    Panic(PanicKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PanicKind {
    /// A `String` message containing [`EXPECTED`].
    Message,
    /// An [`ExpectedPanic`] payload.
    Expected,
    /// A [`Bomb`] payload of this depth.
    Bomb(u8),
}

#[derive(Debug, Clone)]
enum Op {
    /// `taskcell_executor::yield_now`.
    Yield,
    /// Wakes itself by reference and returns `Pending` once.
    SelfWake,
    /// Parks until a foreign thread wakes a clone of the waker.
    ForeignWake { delay_us: u32 },
    /// Hands waker clones to a foreign thread that wakes them later, maybe
    /// after the task or the runtime is gone; nobody waits for it.
    LateWake { delay_us: u32, times: u8 },
    /// Spawns a child task.
    Spawn { child: Box<Node>, join: Join },
    /// `spawn_blocking`: sleeps, maybe spawns a detached task, maybe panics.
    Blocking {
        id: usize,
        sleep_us: u32,
        spawn: Option<Box<Node>>,
        panic: Option<PanicKind>,
        output_drop_panics: bool,
        join: Join,
    },
    /// A oneshot (one sender) or unbounded mpsc channel: the senders go to
    /// new tasks; the receiver to a new task or to this one's inbox.
    Channel {
        many: bool,
        senders: Vec<(Node, Join)>,
        receiver: Option<(Box<Node>, Join)>,
    },
    /// Sends a message on the oldest sender this task holds.
    Send,
    /// Receives one message from the oldest receiver this task holds.
    Recv,
    /// Applies the join action of one of the pending children, now.
    Settle(u8),
}

/// What the spawner does with a `JoinHandle` (when settled: at a
/// [`Op::Settle`] or when the spawner's ops run out).
#[derive(Debug, Clone, Copy)]
enum Join {
    /// Await it; `catch: false` lets a panicking output or payload drop
    /// panic the awaiter.
    Await { catch: bool },
    /// Yield a few times, abort, then await.
    AbortAwait { yields: u8, catch: bool },
    /// Drop it (detach).
    Drop,
    /// Keep it until the spawner finishes (or is dropped).
    Keep,
    /// Move it into a new task that yields a few times, aborts it, then
    /// awaits it.
    AbortFromTask { yields: u8 },
    /// Hand it to a foreign thread that sleeps, maybe aborts, then awaits
    /// it (`futures::executor::block_on`) or drops it.
    Foreign {
        delay_us: u32,
        abort: bool,
        wait: bool,
    },
}

impl Join {
    fn uncaught(self) -> bool {
        matches!(
            self,
            Join::Await { catch: false } | Join::AbortAwait { catch: false, .. }
        )
    }
}

/// Builds a [`Plan`] from a seed.
struct Gen {
    rng: Rng,
    cfg: Config,
    next_id: usize,
    tasks_left: usize,
}

impl Gen {
    fn plan(seed: u64, cfg: Config) -> Plan {
        let mut gen = Gen {
            rng: Rng::new(seed),
            cfg,
            next_id: 0,
            tasks_left: cfg.max_tasks,
        };
        let rng = &mut gen.rng;
        let flavor = if rng.chance(35) {
            Flavor::CurrentThread
        } else {
            Flavor::MultiThread(rng.range(1, 3) as usize)
        };
        let max_blocking_threads = rng.range(1, 3) as usize;
        let keep_alive_ms = [1, 20, 10_000][rng.below(3) as usize];
        let root = if rng.chance(50) {
            RootMode::BlockOn
        } else {
            RootMode::Spawn(match rng.below(3) {
                0 => RootHandle::Drop,
                1 => RootHandle::AwaitAfter,
                _ => RootHandle::AbortThenAwaitAfter,
            })
        };
        let shutdown = if rng.chance(55) {
            Shutdown::Drop
        } else {
            Shutdown::TimeoutMs([0, 1, 5, 50][rng.below(4) as usize])
        };
        let end_roll = rng.below(10);
        let mut node = gen.node(0);
        if matches!(root, RootMode::BlockOn) {
            // A panic out of `block_on` drops the root future while
            // unwinding: a panicking drop there would abort the process.
            node.future_drop_panics = false;
        }
        let ops = count_node_ops(&node);
        let end = match end_roll {
            0..=3 => EndAt::Quiescence,
            4..=7 => EndAt::Progress(gen.rng.below(ops as u64 + 1) as usize),
            _ => EndAt::Immediately,
        };
        Plan {
            seed,
            flavor,
            max_blocking_threads,
            keep_alive_ms,
            root,
            node,
            end,
            shutdown,
        }
    }

    fn id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id - 1
    }

    fn panic_kind(&mut self) -> PanicKind {
        match self.rng.below(3) {
            0 => PanicKind::Message,
            1 => PanicKind::Expected,
            _ => PanicKind::Bomb(if self.cfg.bombs {
                self.rng.range(0, 3) as u8
            } else {
                0
            }),
        }
    }

    fn node(&mut self, depth: usize) -> Node {
        self.tasks_left = self.tasks_left.saturating_sub(1);
        let id = self.id();
        let n = self.rng.below(self.cfg.max_ops + 1);
        let ops = (0..n).map(|_| self.op(depth)).collect();
        let finish = if self.rng.chance(12) {
            Finish::Panic(self.panic_kind())
        } else {
            Finish::Return
        };
        let mut node = Node {
            id,
            ops,
            finish,
            output_drop_panics: self.rng.chance(8),
            future_drop_panics: self.rng.chance(6),
        };
        if !self.cfg.discard && node.future_drop_panics {
            // The runtime drops a finished task's output (or panic) when its
            // future's `Drop` panics; see `Config::discard`.
            let bomb = matches!(node.finish, Finish::Panic(PanicKind::Bomb(n)) if n > 0)
                || (self.cfg.bombs && node_uncaught(&node));
            if node.output_drop_panics || bomb {
                node.future_drop_panics = false;
            }
        }
        node
    }

    fn join(&mut self) -> Join {
        match self.rng.below(22) {
            0..=6 => Join::Await {
                catch: self.rng.chance(80),
            },
            7..=9 => Join::AbortAwait {
                yields: self.rng.below(4) as u8,
                catch: self.rng.chance(80),
            },
            10..=12 => Join::Drop,
            13..=15 => Join::Keep,
            16..=17 => Join::AbortFromTask {
                yields: self.rng.below(4) as u8,
            },
            _ => Join::Foreign {
                delay_us: self.rng.delay_us(),
                abort: self.rng.chance(50),
                wait: self.rng.chance(70),
            },
        }
    }

    /// Inserts `op` at a random place of `node`'s ops.
    fn insert(&mut self, node: &mut Node, op: Op) {
        let at = self.rng.below(node.ops.len() as u64 + 1) as usize;
        node.ops.insert(at, op);
    }

    fn op(&mut self, depth: usize) -> Op {
        let can_spawn = depth < self.cfg.max_depth && self.tasks_left > 0;
        loop {
            let roll = self.rng.below(100);
            return match roll {
                0..=14 => Op::Yield,
                15..=21 => Op::SelfWake,
                22..=27 => Op::ForeignWake {
                    delay_us: self.rng.delay_us(),
                },
                28..=33 => Op::LateWake {
                    delay_us: self.rng.delay_us(),
                    times: self.rng.range(1, 2) as u8,
                },
                34..=37 => Op::Send,
                38..=43 => Op::Recv,
                44..=51 => Op::Settle(self.rng.below(256) as u8),
                52..=73 if can_spawn => Op::Spawn {
                    child: Box::new(self.node(depth + 1)),
                    join: self.join(),
                },
                74..=83 if can_spawn => {
                    self.tasks_left -= 1;
                    let id = self.id();
                    let spawn = (self.tasks_left > 0 && self.rng.chance(25))
                        .then(|| Box::new(self.node(depth + 1)));
                    Op::Blocking {
                        id,
                        sleep_us: self.rng.delay_us(),
                        spawn,
                        panic: self.rng.chance(15).then(|| self.panic_kind()),
                        output_drop_panics: self.rng.chance(8),
                        join: self.join(),
                    }
                }
                84..=99 if can_spawn => {
                    let many = self.rng.chance(40);
                    let n = if many { self.rng.range(1, 3) } else { 1 };
                    let senders = (0..n)
                        .map(|_| {
                            let mut sender = self.node(depth + 1);
                            if self.rng.chance(85) {
                                self.insert(&mut sender, Op::Send);
                            }
                            if many && self.rng.chance(50) {
                                self.insert(&mut sender, Op::Send);
                            }
                            (sender, self.join())
                        })
                        .collect();
                    let receiver = (self.tasks_left > 0 && self.rng.chance(60)).then(|| {
                        let mut receiver = self.node(depth + 1);
                        for _ in 0..self.rng.range(1, 3) {
                            self.insert(&mut receiver, Op::Recv);
                        }
                        (Box::new(receiver), self.join())
                    });
                    Op::Channel {
                        many,
                        senders,
                        receiver,
                    }
                }
                _ => continue,
            };
        }
    }
}

/// How many ops `node` holds, its children's included.
fn count_node_ops(node: &Node) -> usize {
    node.ops.iter().map(count_op).sum()
}

/// One for `op`, plus the ops of the tasks it spawns.
fn count_op(op: &Op) -> usize {
    1 + match op {
        Op::Spawn { child, .. } => count_node_ops(child),
        Op::Blocking { spawn, .. } => spawn.as_deref().map_or(0, count_node_ops),
        Op::Channel {
            senders, receiver, ..
        } => {
            senders
                .iter()
                .map(|(n, _)| count_node_ops(n))
                .sum::<usize>()
                + receiver.as_ref().map_or(0, |(n, _)| count_node_ops(n))
        }
        _ => 0,
    }
}

/// `node` without the ops whose preorder numbers are in `skip` (numbers of
/// the unpruned plan, so a skip list stays valid as it grows).
fn prune_node(node: &Node, skip: &BTreeSet<usize>, next: &mut usize) -> Node {
    let mut ops = Vec::new();
    for op in &node.ops {
        let index = *next;
        if skip.contains(&index) {
            *next += count_op(op);
            continue;
        }
        *next += 1;
        ops.push(match op {
            Op::Spawn { child, join } => Op::Spawn {
                child: Box::new(prune_node(child, skip, next)),
                join: *join,
            },
            Op::Blocking {
                id,
                sleep_us,
                spawn,
                panic,
                output_drop_panics,
                join,
            } => Op::Blocking {
                id: *id,
                sleep_us: *sleep_us,
                spawn: spawn
                    .as_deref()
                    .map(|n| Box::new(prune_node(n, skip, next))),
                panic: *panic,
                output_drop_panics: *output_drop_panics,
                join: *join,
            },
            Op::Channel {
                many,
                senders,
                receiver,
            } => Op::Channel {
                many: *many,
                senders: senders
                    .iter()
                    .map(|(n, j)| (prune_node(n, skip, next), *j))
                    .collect(),
                receiver: receiver
                    .as_ref()
                    .map(|(n, j)| (Box::new(prune_node(n, skip, next)), *j)),
            },
            other => other.clone(),
        });
    }
    Node {
        ops,
        ..node.clone()
    }
}

fn prune(plan: &Plan, skip: &BTreeSet<usize>) -> Plan {
    Plan {
        node: prune_node(&plan.node, skip, &mut 0),
        ..plan.clone()
    }
}

// ---------------------------------------------------------------------------
// The ledger: every droppable thing of a case, and its drops.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A task's future (or a blocking closure).
    Future,
    /// A task's output.
    Output,
    /// A message sent over a channel.
    Message,
    /// A panic payload ([`Bomb`]).
    Payload,
}

#[derive(Debug)]
struct Entry {
    kind: Kind,
    /// The plan node it belongs to.
    node: usize,
    /// A future's id as its `JoinHandle` tells it.
    handle_id: Option<TaskId>,
    /// A future's id at its first poll.
    polled_as: Option<TaskId>,
    /// A future's poll panicked.
    poll_panicked: bool,
    /// An output's task: the index of that task's future entry.
    task: Option<usize>,
    /// An output handed to an awaiter: the id that awaiter runs under.
    taken_by: Option<Option<TaskId>>,
    /// `TaskId::current()` at each drop.
    drops: Vec<Option<TaskId>>,
}

/// The shared state of one case.
struct Case {
    entries: Mutex<Vec<Entry>>,
    /// Futures not yet dropped.
    live: AtomicUsize,
    /// Ops run so far.
    progress: AtomicUsize,
    /// Failed checks made inside tasks and foreign threads.
    errors: Mutex<Vec<String>>,
    /// Foreign threads, joined before the final checks.
    foreign: Mutex<Vec<thread::JoinHandle<()>>>,
    /// Set just before the runtime shuts down: from then on any task may
    /// end up cancelled.
    shutting_down: AtomicBool,
    /// What the case thread is doing, for the report of a hang.
    phase: Mutex<&'static str>,
    /// Runtime threads that ran `on_thread_start`.
    started: AtomicUsize,
    /// Runtime threads that ran `on_thread_stop`.
    stopped: AtomicUsize,
    /// Runtime threads that are gone (their thread-locals destroyed), even
    /// by a panic.
    exited: AtomicUsize,
}

thread_local! {
    /// Counts the exit of a runtime thread in its case's `exited`.
    static EXIT_WATCH: std::cell::RefCell<Option<ExitWatch>> = const { std::cell::RefCell::new(None) };
}

/// Counts a thread's exit when its thread-locals are destroyed.
struct ExitWatch(Arc<Case>);

impl Drop for ExitWatch {
    fn drop(&mut self) {
        self.0.exited.fetch_add(1, SeqCst);
    }
}

impl Case {
    fn new() -> Arc<Case> {
        Arc::new(Case {
            entries: Mutex::new(Vec::new()),
            live: AtomicUsize::new(0),
            progress: AtomicUsize::new(0),
            errors: Mutex::new(Vec::new()),
            foreign: Mutex::new(Vec::new()),
            shutting_down: AtomicBool::new(false),
            phase: Mutex::new("starting"),
            started: AtomicUsize::new(0),
            stopped: AtomicUsize::new(0),
            exited: AtomicUsize::new(0),
        })
    }

    /// Runtime threads: (started, stopped, exited).
    fn threads(&self) -> (usize, usize, usize) {
        (
            self.started.load(SeqCst),
            self.stopped.load(SeqCst),
            self.exited.load(SeqCst),
        )
    }

    fn phase(&self, phase: &'static str) {
        *lock(&self.phase) = phase;
    }

    /// Where a hung case stands: its phase and the futures still alive.
    fn hang_report(&self) -> String {
        let entries = lock(&self.entries);
        let alive: Vec<String> = entries
            .iter()
            .filter(|e| e.kind == Kind::Future && e.drops.is_empty())
            .map(|e| {
                format!(
                    "node {} (task {:?}, {})",
                    e.node,
                    e.handle_id.or(e.polled_as),
                    if e.polled_as.is_some() {
                        "polled"
                    } else {
                        "never polled"
                    }
                )
            })
            .collect();
        let (started, stopped, exited) = self.threads();
        let died = if exited > stopped {
            format!(
                " ({} died without running on_thread_stop: a panic escaped the runtime)",
                exited - stopped
            )
        } else {
            String::new()
        };
        let errors = lock(&self.errors);
        let errors = if errors.is_empty() {
            String::new()
        } else {
            format!("\nfailed checks so far:\n{}", errors.join("\n"))
        };
        format!(
            "phase: {}; {} ops run; runtime threads: {started} started, {stopped} stopped, \
             {exited} exited{died}; futures alive: [{}]{errors}",
            lock(&self.phase),
            self.progress.load(SeqCst),
            alive.join(", ")
        )
    }

    fn fail(&self, msg: String) {
        lock(&self.errors).push(msg);
    }

    /// A new entry and its probe.
    fn probe(self: &Arc<Case>, kind: Kind, node: usize, panics: bool) -> Probe {
        let mut entries = lock(&self.entries);
        entries.push(Entry {
            kind,
            node,
            handle_id: None,
            polled_as: None,
            poll_panicked: false,
            task: None,
            taken_by: None,
            drops: Vec::new(),
        });
        if kind == Kind::Future {
            self.live.fetch_add(1, SeqCst);
        }
        Probe {
            case: Arc::clone(self),
            index: entries.len() - 1,
            panics,
        }
    }

    fn with_entry<R>(&self, index: usize, f: impl FnOnce(&mut Entry) -> R) -> R {
        f(&mut lock(&self.entries)[index])
    }

    fn set_handle_id(&self, index: usize, id: TaskId) {
        self.with_entry(index, |e| e.handle_id = Some(id));
    }

    fn set_task(&self, output: usize, task: usize) {
        self.with_entry(output, |e| e.task = Some(task));
    }

    /// An awaiter got the output of `probe`.
    fn taken(&self, probe: &Probe) {
        let by = TaskId::current();
        self.with_entry(probe.index, |e| e.taken_by = Some(by));
    }

    fn spawn_foreign(&self, f: impl FnOnce() + Send + 'static) {
        TOTALS[5].fetch_add(1, SeqCst);
        let thread = thread::Builder::new()
            .name("chaos-foreign".into())
            .spawn(f)
            .expect("spawning a foreign thread");
        lock(&self.foreign).push(thread);
    }

    /// The final checks on the ledger; the runtime and all threads are gone.
    fn check_ledger(&self, out: &mut Vec<String>) {
        let entries = lock(&self.entries);
        for (i, e) in entries.iter().enumerate() {
            let what = format!("{:?} #{i} of node {}", e.kind, e.node);
            match e.drops.len() {
                1 => {}
                0 => {
                    out.push(format!("{what} was never dropped (leak): {e:?}"));
                    continue;
                }
                n => {
                    out.push(format!("{what} was dropped {n} times: {e:?}"));
                    continue;
                }
            }
            let dropped_as = e.drops[0];
            match e.kind {
                Kind::Future => {
                    if let (Some(h), Some(p)) = (e.handle_id, e.polled_as) {
                        if h != p {
                            out.push(format!("{what} was polled as {p:?}, its handle says {h:?}"));
                        }
                    }
                    let own = e.handle_id.or(e.polled_as);
                    if own.is_none() || dropped_as != own {
                        out.push(format!(
                            "{what} was dropped under {dropped_as:?}, not its own id {own:?}"
                        ));
                    }
                }
                Kind::Output => {
                    let expected = match e.taken_by {
                        Some(by) => by,
                        None => e.task.and_then(|t| {
                            let t = &entries[t];
                            t.handle_id.or(t.polled_as)
                        }),
                    };
                    if dropped_as != expected {
                        out.push(format!(
                            "{what} was dropped under {dropped_as:?}, expected {expected:?} \
                             ({})",
                            if e.taken_by.is_some() {
                                "its awaiter's id"
                            } else {
                                "its task's id: the runtime dropped it"
                            }
                        ));
                    }
                }
                Kind::Message | Kind::Payload => {}
            }
        }
    }
}

/// Records its drop (with the task id entered at that moment) in the
/// ledger; panics with an [`ExpectedPanic`] afterwards if asked to.
struct Probe {
    case: Arc<Case>,
    index: usize,
    panics: bool,
}

impl Drop for Probe {
    fn drop(&mut self) {
        let now = TaskId::current();
        let first = self.case.with_entry(self.index, |e| {
            e.drops.push(now);
            e.drops.len() == 1 && e.kind == Kind::Future
        });
        if first {
            self.case.live.fetch_sub(1, SeqCst);
        }
        if self.panics {
            TOTALS[6].fetch_add(1, SeqCst);
            panic_any(ExpectedPanic(self.index));
        }
    }
}

/// A task's output.
struct Out {
    /// The task id entered when the output was made.
    made_under: Option<TaskId>,
    probe: Probe,
}

impl Out {
    fn new(case: &Arc<Case>, node: usize, task: usize, drop_panics: bool) -> Out {
        let probe = case.probe(Kind::Output, node, drop_panics);
        case.set_task(probe.index, task);
        Out {
            made_under: TaskId::current(),
            probe,
        }
    }
}

/// A channel message.
struct Msg {
    _probe: Probe,
}

/// A panic payload whose `Drop` panics again with `Bomb(n - 1)` while
/// `n > 0`.
struct Bomb {
    n: u8,
    node: usize,
    probe: Probe,
}

impl Bomb {
    fn new(case: &Arc<Case>, node: usize, n: u8) -> Bomb {
        Bomb {
            n,
            node,
            probe: case.probe(Kind::Payload, node, false),
        }
    }
}

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.n > 0 {
            panic_any(Bomb::new(&self.probe.case, self.node, self.n - 1));
        }
    }
}

impl fmt::Debug for Bomb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bomb({})", self.n)
    }
}

/// Panics as `kind` says.
fn raise(case: &Arc<Case>, node: usize, kind: PanicKind) -> ! {
    match kind {
        PanicKind::Message => panic!("{EXPECTED} node {node} panics"),
        PanicKind::Expected => panic_any(ExpectedPanic(node)),
        PanicKind::Bomb(n) => panic_any(Bomb::new(case, node, n)),
    }
}

/// Names a panic payload: a message, or one of the harness's own payloads.
fn describe_payload(payload: &(dyn Any + Send)) -> String {
    if let Some(bomb) = payload.downcast_ref::<Bomb>() {
        format!("{bomb:?} (of node {}), a planned panic payload", bomb.node)
    } else if let Some(p) = payload.downcast_ref::<ExpectedPanic>() {
        format!("{p:?}, a planned panic (probe #{})", p.0)
    } else {
        common::panic_message(payload)
    }
}

/// Drops `value`, and every panic payload its drop throws, catching each.
fn defuse<T>(value: T) {
    let mut next = match catch_unwind(AssertUnwindSafe(move || drop(value))) {
        Ok(()) => return,
        Err(payload) => payload,
    };
    loop {
        match catch_unwind(AssertUnwindSafe(move || drop(next))) {
            Ok(()) => return,
            Err(payload) => next = payload,
        }
    }
}

/// Installs (once) a panic hook that is silent for the panics the harness
/// raises on purpose and reports every other one as usual.
fn quiet_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let expected = payload.is::<ExpectedPanic>()
                || payload.is::<Bomb>()
                || payload_str(payload).is_some_and(|msg| msg.contains(EXPECTED));
            if !expected {
                default(info);
            }
        }));
    });
}

// ---------------------------------------------------------------------------
// Running a plan.
// ---------------------------------------------------------------------------

type BoxFuture = Pin<Box<dyn Future<Output = Out> + Send + 'static>>;

/// A task's future: checks its id at every poll, and holds the probe
/// (dropped last, so that a panicking drop comes after everything else).
struct TaskFuture {
    inner: BoxFuture,
    case: Arc<Case>,
    seen: Option<Option<TaskId>>,
    probe: Probe,
}

impl Future for TaskFuture {
    type Output = Out;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Out> {
        let now = TaskId::current();
        match self.seen {
            None => {
                self.seen = Some(now);
                let index = self.probe.index;
                self.case.with_entry(index, |e| e.polled_as = now);
                if now.is_none() {
                    self.case
                        .fail(format!("future #{index} polled outside any task id"));
                }
            }
            Some(first) if first != now => {
                let index = self.probe.index;
                self.case.fail(format!(
                    "future #{index} first polled as {first:?}, later as {now:?}"
                ));
            }
            Some(_) => {}
        }
        /// Marks the entry if the poll unwinds.
        struct Unwinding<'a>(&'a Case, usize);
        impl Drop for Unwinding<'_> {
            fn drop(&mut self) {
                if thread::panicking() {
                    self.0.with_entry(self.1, |e| e.poll_panicked = true);
                }
            }
        }
        let this = &mut *self;
        let _unwinding = Unwinding(&this.case, this.probe.index);
        this.inner.as_mut().poll(cx)
    }
}

/// Whether `node` awaits a child without catching the panics of dropping
/// what the child gives back.
fn node_uncaught(node: &Node) -> bool {
    node.ops.iter().any(|op| match op {
        Op::Spawn { join, .. } | Op::Blocking { join, .. } => join.uncaught(),
        Op::Channel {
            senders, receiver, ..
        } => {
            senders.iter().any(|(_, j)| j.uncaught())
                || receiver.as_ref().is_some_and(|(_, j)| j.uncaught())
        }
        _ => false,
    })
}

/// What the plan says about a task's join result.
#[derive(Debug, Clone, Copy)]
struct Expect {
    node: usize,
    /// Completes with a panic (when not cancelled).
    must_panic: bool,
    /// Always completes with a panic, even when cancelled (its future's
    /// `Drop` panics).
    always_panics: bool,
    may_panic: bool,
    /// The panic payload's kind, where the plan determines it.
    payload: Option<PanicKind>,
}

impl Expect {
    fn of_node(node: &Node) -> Expect {
        let uncaught = node_uncaught(node);
        let finish = match node.finish {
            Finish::Return => None,
            Finish::Panic(kind) => Some(kind),
        };
        Expect {
            node: node.id,
            must_panic: node.future_drop_panics || finish.is_some(),
            always_panics: node.future_drop_panics,
            may_panic: node.future_drop_panics || finish.is_some() || uncaught,
            payload: if node.future_drop_panics {
                Some(PanicKind::Expected)
            } else if uncaught {
                None
            } else {
                finish
            },
        }
    }

    fn of_blocking(node: usize, panic: Option<PanicKind>) -> Expect {
        Expect {
            node,
            must_panic: panic.is_some(),
            always_panics: false,
            may_panic: panic.is_some(),
            payload: panic,
        }
    }
}

/// A spawned child whose handle waits for its join action.
struct Pending {
    handle: JoinHandle<Out>,
    join: Join,
    expect: Expect,
}

enum Tx {
    One(oneshot::Sender<Msg>),
    Many(mpsc::UnboundedSender<Msg>),
}

enum Rx {
    One(oneshot::Receiver<Msg>),
    Many(mpsc::UnboundedReceiver<Msg>),
}

/// Makes `node` a task future, registered in the ledger.
fn task_future(case: &Arc<Case>, node: Node, outbox: Vec<Tx>, inbox: Vec<Rx>) -> TaskFuture {
    let probe = case.probe(Kind::Future, node.id, node.future_drop_panics);
    let index = probe.index;
    let inner = Box::pin(run_node(Arc::clone(case), node, index, outbox, inbox));
    TaskFuture {
        inner,
        case: Arc::clone(case),
        seen: None,
        probe,
    }
}

/// Spawns `node` on the current runtime; the handle waits in `pending`.
fn spawn_node(
    case: &Arc<Case>,
    node: Node,
    join: Join,
    outbox: Vec<Tx>,
    inbox: Vec<Rx>,
    pending: &mut Vec<Pending>,
) {
    let expect = Expect::of_node(&node);
    let future = task_future(case, node, outbox, inbox);
    let index = future.probe.index;
    let handle = taskcell_executor::spawn(future);
    case.set_handle_id(index, handle.id());
    pending.push(Pending {
        handle,
        join,
        expect,
    });
}

/// The body of a task: its ops, its pending children settled, then its
/// finish. A panic it lets through (an uncaught output or payload drop) is
/// re-raised only after its locals are dropped, so that nothing with a
/// panicking `Drop` is dropped while unwinding.
async fn run_node(
    case: Arc<Case>,
    node: Node,
    index: usize,
    mut outbox: Vec<Tx>,
    mut inbox: Vec<Rx>,
) -> Out {
    let cell = TaskCell::new(0usize);
    let mut pending: Vec<Pending> = Vec::new();
    let mut kept: Vec<JoinHandle<Out>> = Vec::new();
    let mut thrown: Option<Box<dyn Any + Send>> = None;
    for op in &node.ops {
        case.progress.fetch_add(1, SeqCst);
        let result = run_op(
            &case,
            node.id,
            op,
            &mut pending,
            &mut kept,
            &mut outbox,
            &mut inbox,
        )
        .await;
        if let Err(payload) = result {
            thrown = Some(payload);
            break;
        }
        match cell.try_with_mut(|n| *n += 1) {
            Ok(()) => {}
            Err(err) => case.fail(format!("node {}: TaskCell refused access: {err}", node.id)),
        }
    }
    if thrown.is_none() {
        while !pending.is_empty() {
            let p = pending.remove(0);
            if let Err(payload) = settle(&case, p, &mut kept).await {
                thrown = Some(payload);
                break;
            }
        }
    }
    drop(pending);
    drop(kept);
    drop(outbox);
    drop(inbox);
    if let Some(payload) = thrown {
        resume_unwind(payload);
    }
    let count = cell.with(|n| *n);
    if count != node.ops.len() {
        case.fail(format!(
            "node {}: TaskCell counted {count} of {} ops",
            node.id,
            node.ops.len()
        ));
    }
    match node.finish {
        Finish::Return => Out::new(&case, node.id, index, node.output_drop_panics),
        Finish::Panic(kind) => raise(&case, node.id, kind),
    }
}

/// Runs one op. `Err` is a panic to re-raise once the task's locals are
/// dropped.
async fn run_op(
    case: &Arc<Case>,
    node_id: usize,
    op: &Op,
    pending: &mut Vec<Pending>,
    kept: &mut Vec<JoinHandle<Out>>,
    outbox: &mut Vec<Tx>,
    inbox: &mut Vec<Rx>,
) -> Result<(), Box<dyn Any + Send>> {
    match op {
        Op::Yield => taskcell_executor::yield_now().await,
        Op::SelfWake => common::yield_once().await,
        Op::ForeignWake { delay_us } => foreign_wake(case, *delay_us).await,
        Op::LateWake { delay_us, times } => {
            let (delay_us, times) = (*delay_us, *times);
            std::future::poll_fn(|cx| {
                let waker = cx.waker().clone();
                case.spawn_foreign(move || {
                    sleep_us(delay_us);
                    for _ in 1..times {
                        waker.wake_by_ref();
                    }
                    waker.wake();
                });
                Poll::Ready(())
            })
            .await;
        }
        Op::Spawn { child, join } => {
            spawn_node(
                case,
                (**child).clone(),
                *join,
                Vec::new(),
                Vec::new(),
                pending,
            );
        }
        Op::Blocking {
            id,
            sleep_us: sleep,
            spawn,
            panic,
            output_drop_panics,
            join,
        } => {
            let (id, sleep, panic, drop_panics) = (*id, *sleep, *panic, *output_drop_panics);
            let probe = case.probe(Kind::Future, id, false);
            let index = probe.index;
            let child = spawn.as_deref().cloned();
            let inner_case = Arc::clone(case);
            let handle = taskcell_executor::spawn_blocking(move || {
                let case = inner_case;
                let _probe = probe;
                case.with_entry(index, |e| e.polled_as = TaskId::current());
                sleep_us(sleep);
                if let Some(child) = child {
                    let mut detached = Vec::new();
                    spawn_node(
                        &case,
                        child,
                        Join::Drop,
                        Vec::new(),
                        Vec::new(),
                        &mut detached,
                    );
                }
                if let Some(kind) = panic {
                    raise(&case, id, kind);
                }
                Out::new(&case, id, index, drop_panics)
            });
            case.set_handle_id(index, handle.id());
            pending.push(Pending {
                handle,
                join: *join,
                expect: Expect::of_blocking(id, panic),
            });
        }
        Op::Channel {
            many,
            senders,
            receiver,
        } => {
            let rx = if *many {
                let (tx, rx) = mpsc::unbounded();
                for (sender, join) in senders {
                    let outbox = vec![Tx::Many(tx.clone())];
                    spawn_node(case, sender.clone(), *join, outbox, Vec::new(), pending);
                }
                Rx::Many(rx)
            } else {
                let (tx, rx) = oneshot::channel();
                let mut tx = Some(tx);
                for (sender, join) in senders {
                    let outbox = tx.take().map(Tx::One).into_iter().collect();
                    spawn_node(case, sender.clone(), *join, outbox, Vec::new(), pending);
                }
                Rx::One(rx)
            };
            match receiver {
                Some((node, join)) => {
                    spawn_node(case, (**node).clone(), *join, Vec::new(), vec![rx], pending);
                }
                None => inbox.push(rx),
            }
        }
        Op::Send => {
            if !outbox.is_empty() {
                let msg = Msg {
                    _probe: case.probe(Kind::Message, node_id, false),
                };
                match outbox.remove(0) {
                    Tx::One(tx) => drop(tx.send(msg)),
                    Tx::Many(tx) => {
                        drop(tx.unbounded_send(msg));
                        outbox.insert(0, Tx::Many(tx));
                    }
                }
            }
        }
        Op::Recv => {
            if !inbox.is_empty() {
                match inbox.remove(0) {
                    Rx::One(rx) => drop(rx.await),
                    Rx::Many(mut rx) => {
                        if let Some(msg) = rx.next().await {
                            drop(msg);
                            inbox.insert(0, Rx::Many(rx));
                        }
                    }
                }
            }
        }
        Op::Settle(k) => {
            if !pending.is_empty() {
                let p = pending.remove(*k as usize % pending.len());
                settle(case, p, kept).await?;
            }
        }
    }
    Ok(())
}

/// Applies `p`'s join action.
async fn settle(
    case: &Arc<Case>,
    p: Pending,
    kept: &mut Vec<JoinHandle<Out>>,
) -> Result<(), Box<dyn Any + Send>> {
    let Pending {
        handle,
        join,
        expect,
    } = p;
    let id = handle.id();
    match join {
        Join::Await { catch } => {
            let result = handle.await;
            take(case, expect, id, result, false, catch)
        }
        Join::AbortAwait { yields, catch } => {
            for _ in 0..yields {
                taskcell_executor::yield_now().await;
            }
            handle.abort();
            let result = handle.await;
            take(case, expect, id, result, true, catch)
        }
        Join::Drop => {
            drop(handle);
            Ok(())
        }
        Join::Keep => {
            kept.push(handle);
            Ok(())
        }
        Join::AbortFromTask { yields } => {
            let probe = case.probe(Kind::Future, expect.node, false);
            let index = probe.index;
            let inner_case = Arc::clone(case);
            let inner = Box::pin(async move {
                let case = inner_case;
                for _ in 0..yields {
                    taskcell_executor::yield_now().await;
                }
                handle.abort();
                let result = handle.await;
                let _ = take(&case, expect, id, result, true, true);
                Out::new(&case, expect.node, index, false)
            });
            let aborter = TaskFuture {
                inner,
                case: Arc::clone(case),
                seen: None,
                probe,
            };
            let aborter = taskcell_executor::spawn(aborter);
            case.set_handle_id(index, aborter.id());
            Ok(())
        }
        Join::Foreign {
            delay_us,
            abort,
            wait,
        } => {
            let case2 = Arc::clone(case);
            case.spawn_foreign(move || {
                sleep_us(delay_us);
                if abort {
                    handle.abort();
                }
                if wait {
                    let result = futures::executor::block_on(handle);
                    let _ = take(&case2, expect, id, result, abort, true);
                } else {
                    drop(handle);
                }
            });
            Ok(())
        }
    }
}

/// Checks a join result against the plan, then drops what it carries
/// (catching panics if `catch`, else returning the first one).
fn take(
    case: &Arc<Case>,
    expect: Expect,
    id: TaskId,
    result: Result<Out, JoinError>,
    aborted: bool,
    catch: bool,
) -> Result<(), Box<dyn Any + Send>> {
    let node = expect.node;
    let cancellable = aborted || case.shutting_down.load(SeqCst);
    match result {
        Ok(out) => {
            case.taken(&out.probe);
            if expect.must_panic {
                case.fail(format!(
                    "node {node} (task {id}) returned, the plan says it panics"
                ));
            }
            if out.made_under != Some(id) {
                case.fail(format!(
                    "node {node}: output made under {:?}, not its task {id}",
                    out.made_under
                ));
            }
            if catch {
                defuse(out);
                Ok(())
            } else {
                catch_unwind(AssertUnwindSafe(move || drop(out)))
            }
        }
        Err(err) => {
            if err.id() != id {
                case.fail(format!(
                    "node {node}: JoinError of {:?}, not {id}",
                    err.id()
                ));
            }
            if err.is_cancelled() {
                if !cancellable || expect.always_panics {
                    case.fail(format!(
                        "node {node} (task {id}) cancelled, aborted: {aborted}, \
                         always panics: {}",
                        expect.always_panics
                    ));
                }
                return Ok(());
            }
            if !expect.may_panic {
                case.fail(format!(
                    "node {node} (task {id}) panicked: {err}; the plan says not"
                ));
            }
            let payload = err.into_panic();
            if let Some(kind) = expect.payload {
                let fits = match kind {
                    PanicKind::Message => {
                        payload_str(&*payload).is_some_and(|m| m.contains(EXPECTED))
                    }
                    PanicKind::Expected => payload.is::<ExpectedPanic>(),
                    PanicKind::Bomb(_) => payload.is::<Bomb>(),
                };
                if !fits {
                    case.fail(format!("node {node}: panic payload is not a {kind:?}"));
                }
            }
            if catch {
                defuse(payload);
                Ok(())
            } else {
                catch_unwind(AssertUnwindSafe(move || drop(payload)))
            }
        }
    }
}

fn sleep_us(us: u32) {
    if us > 0 {
        thread::sleep(Duration::from_micros(u64::from(us)));
    }
}

/// Parks until a foreign thread, after `delay_us`, sets a flag and wakes
/// a clone of the waker.
async fn foreign_wake(case: &Arc<Case>, delay_us: u32) {
    let flag = Arc::new(AtomicBool::new(false));
    let mut sent = false;
    std::future::poll_fn(|cx| {
        if flag.load(SeqCst) {
            return Poll::Ready(());
        }
        if !sent {
            sent = true;
            let waker = cx.waker().clone();
            let flag = Arc::clone(&flag);
            case.spawn_foreign(move || {
                sleep_us(delay_us);
                flag.store(true, SeqCst);
                waker.wake();
            });
        }
        Poll::Pending
    })
    .await;
}

/// A thread that wakes the wakers sent to it a little later: the test
/// thread's polling loops sleep on it (no timer driver needed).
fn ticker() -> std_mpsc::Sender<Waker> {
    static TICKER: OnceLock<Mutex<std_mpsc::Sender<Waker>>> = OnceLock::new();
    let sender = TICKER.get_or_init(|| {
        let (tx, rx) = std_mpsc::channel::<Waker>();
        thread::Builder::new()
            .name("chaos-ticker".into())
            .spawn(move || {
                for waker in rx {
                    thread::sleep(Duration::from_micros(300));
                    waker.wake();
                }
            })
            .expect("spawning the ticker thread");
        Mutex::new(tx)
    });
    lock(sender).clone()
}

/// Resolves once `cond` holds, looking again at every tick.
async fn wait_for(mut cond: impl FnMut() -> bool) {
    std::future::poll_fn(|cx| {
        if cond() {
            return Poll::Ready(());
        }
        let _ = ticker().send(cx.waker().clone());
        Poll::Pending
    })
    .await;
}

/// Totals over the cases run, for the summary line.
static TOTALS: [AtomicUsize; 7] = [const { AtomicUsize::new(0) }; 7];

/// Names of [`TOTALS`].
const TOTAL_NAMES: [&str; 7] = [
    "futures",
    "outputs",
    "messages",
    "payloads",
    "ops run",
    "foreign threads",
    "panicking drops",
];

/// The number of this process's threads, where the OS tells.
fn os_threads() -> Option<usize> {
    if cfg!(miri) || !cfg!(target_os = "linux") {
        return None;
    }
    std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}

/// Runs one plan; `Err` lists what went wrong.
fn execute(plan: &Plan, case: &Arc<Case>) -> Result<(), String> {
    let baseline = os_threads();
    let mut builder = match plan.flavor {
        Flavor::MultiThread(n) => {
            let mut b = Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
        Flavor::CurrentThread => Builder::new_current_thread(),
    };
    let (on_start, on_stop) = (Arc::clone(case), Arc::clone(case));
    let rt = builder
        .thread_name("chaos-rt")
        .max_blocking_threads(plan.max_blocking_threads)
        .thread_keep_alive(Duration::from_millis(plan.keep_alive_ms))
        .on_thread_start(move || {
            on_start.started.fetch_add(1, SeqCst);
            let watch = ExitWatch(Arc::clone(&on_start));
            EXIT_WATCH.with(|w| *w.borrow_mut() = Some(watch));
        })
        .on_thread_stop(move || {
            on_stop.stopped.fetch_add(1, SeqCst);
        })
        .build()
        .map_err(|e| format!("building the runtime: {e}"))?;
    let root_expect = Expect::of_node(&plan.node);
    let root = task_future(case, plan.node.clone(), Vec::new(), Vec::new());
    let root_index = root.probe.index;
    let mut root_handle = None;
    case.phase("running the root");
    match plan.root {
        RootMode::BlockOn => match catch_unwind(AssertUnwindSafe(|| rt.block_on(root))) {
            Ok(out) => {
                case.taken(&out.probe);
                if root_expect.must_panic {
                    case.fail("the root returned; the plan says it panics".to_owned());
                }
                defuse(out);
            }
            Err(payload) => {
                if !case.with_entry(root_index, |e| e.poll_panicked) {
                    case.fail(format!(
                        "a panic escaped block_on, not from the root future: {}",
                        describe_payload(&*payload)
                    ));
                } else if !root_expect.may_panic {
                    case.fail(format!(
                        "the root panicked: {}",
                        describe_payload(&*payload)
                    ));
                }
                defuse(payload);
            }
        },
        RootMode::Spawn(fate) => {
            let handle = rt.spawn(root);
            case.set_handle_id(root_index, handle.id());
            root_handle = Some((handle, fate));
        }
    }
    case.phase("waiting for the end point");
    match plan.end {
        EndAt::Quiescence => rt.block_on(wait_for(|| case.live.load(SeqCst) == 0)),
        EndAt::Progress(k) => rt.block_on(wait_for(|| {
            case.progress.load(SeqCst) >= k || case.live.load(SeqCst) == 0
        })),
        EndAt::Immediately => {}
    }
    case.phase("dropping or aborting the root's handle");
    let root_handle = match root_handle {
        Some((handle, RootHandle::Drop)) => {
            drop(handle);
            None
        }
        Some((handle, RootHandle::AbortThenAwaitAfter)) => {
            handle.abort();
            Some((handle, true))
        }
        Some((handle, RootHandle::AwaitAfter)) => Some((handle, false)),
        None => None,
    };
    case.shutting_down.store(true, SeqCst);
    case.phase("shutting the runtime down");
    match plan.shutdown {
        Shutdown::Drop => {
            drop(rt);
            let live = case.live.load(SeqCst);
            if live != 0 {
                case.fail(format!("{live} futures outlived drop(rt)"));
            }
        }
        Shutdown::TimeoutMs(ms) => rt.shutdown_timeout(Duration::from_millis(ms)),
    }
    case.phase("awaiting the root's handle");
    if let Some((handle, aborted)) = root_handle {
        let id = handle.id();
        let result = futures::executor::block_on(handle);
        let _ = take(case, root_expect, id, result, aborted, true);
    }
    let settled = common::wait_until(SETTLE, || {
        let (started, stopped, exited) = case.threads();
        started == stopped && stopped == exited
    });
    if !settled {
        let (started, stopped, exited) = case.threads();
        case.fail(format!(
            "runtime threads left running or died: {started} started, {stopped} ran \
             on_thread_stop, {exited} exited"
        ));
    }
    case.phase("joining foreign threads");
    loop {
        let threads: Vec<_> = lock(&case.foreign).drain(..).collect();
        if threads.is_empty() {
            break;
        }
        for thread in threads {
            if let Err(payload) = thread.join() {
                case.fail(format!(
                    "a foreign thread panicked: {}",
                    describe_payload(&*payload)
                ));
                defuse(payload);
            }
        }
    }
    case.phase("checking");
    let live = case.live.load(SeqCst);
    if live != 0 && !common::wait_until(SETTLE, || case.live.load(SeqCst) == 0) {
        case.fail(format!("{live} futures still alive after the shutdown"));
    }
    if let Some(baseline) = baseline {
        let settled = common::wait_until(SETTLE, || os_threads().is_some_and(|n| n <= baseline));
        if !settled {
            case.fail(format!(
                "OS threads: {baseline} before the case, {:?} after",
                os_threads()
            ));
        }
    }
    let mut errors = std::mem::take(&mut *lock(&case.errors));
    for e in lock(&case.entries).iter() {
        let slot = match e.kind {
            Kind::Future => 0,
            Kind::Output => 1,
            Kind::Message => 2,
            Kind::Payload => 3,
        };
        TOTALS[slot].fetch_add(1, SeqCst);
    }
    TOTALS[4].fetch_add(case.progress.load(SeqCst), SeqCst);
    case.check_ledger(&mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// How a case failed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    /// Past its deadline: a hang, and where the case stood.
    Hang(String),
    /// Failed checks, or a panic of the harness itself.
    Check(String),
}

impl Failure {
    fn same_class(&self, other: &Failure) -> bool {
        matches!(
            (self, other),
            (Failure::Hang(_), Failure::Hang(_)) | (Failure::Check(_), Failure::Check(_))
        )
    }
}

/// Runs `plan` on its own thread under `deadline`. A hung case's thread is
/// left behind.
fn run_case(plan: &Plan, deadline: Duration) -> Result<(), Failure> {
    let case = Case::new();
    let run = {
        let plan = plan.clone();
        let case = Arc::clone(&case);
        move || match catch_unwind(AssertUnwindSafe(|| execute(&plan, &case))) {
            Ok(result) => result.map_err(Failure::Check),
            Err(payload) => {
                let msg = format!(
                    "a panic escaped to the test thread while {}: {}",
                    lock(&case.phase),
                    describe_payload(&*payload)
                );
                defuse(payload);
                Err(Failure::Check(msg))
            }
        }
    };
    if cfg!(miri) {
        return run();
    }
    let (tx, rx) = std_mpsc::channel();
    let thread = thread::Builder::new()
        .name(format!("chaos-seed-{}", plan.seed))
        .spawn(move || {
            let _ = tx.send(run());
        })
        .expect("spawning a case thread");
    match rx.recv_timeout(deadline) {
        Ok(result) => {
            let _ = thread.join();
            result
        }
        Err(RecvTimeoutError::Timeout) => Err(Failure::Hang(case.hang_report())),
        Err(RecvTimeoutError::Disconnected) => {
            Err(Failure::Check("the case thread died".to_owned()))
        }
    }
}

/// Looks for a smaller plan of the same seed that fails the same way:
/// drops chunks of ops (halving the chunk size) while the failure stays.
fn shrink(plan: &Plan, failure: &Failure, deadline: Duration) -> (BTreeSet<usize>, usize) {
    let total = count_node_ops(&plan.node);
    let started = Instant::now();
    let deadline = if matches!(failure, Failure::Hang(_)) {
        deadline.min(SHRINK_HANG_DEADLINE)
    } else {
        deadline
    };
    let mut skip = BTreeSet::new();
    let mut chunk = total.div_ceil(2).max(1);
    let mut attempts = 0;
    'outer: loop {
        let mut start = 0;
        while start < total {
            if started.elapsed() > SHRINK_BUDGET {
                break 'outer;
            }
            let candidate: BTreeSet<usize> = (start..(start + chunk).min(total))
                .filter(|i| !skip.contains(i))
                .collect();
            start += chunk;
            if candidate.is_empty() {
                continue;
            }
            let mut trial = skip.clone();
            trial.extend(candidate);
            attempts += 1;
            if let Err(f) = run_case(&prune(plan, &trial), deadline) {
                if f.same_class(failure) {
                    skip = trial;
                }
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    (skip, attempts)
}

/// Parses `CHAOS_SKIP=i,j-k,..` (as [`join_numbers`] writes it).
fn skip_from_env() -> BTreeSet<usize> {
    let Ok(list) = std::env::var("CHAOS_SKIP") else {
        return BTreeSet::new();
    };
    let number = |t: &str| -> usize {
        t.trim()
            .parse()
            .unwrap_or_else(|_| panic!("CHAOS_SKIP={list:?}: numbers and ranges, comma-separated"))
    };
    let mut set = BTreeSet::new();
    for part in list.split(',').filter(|t| !t.trim().is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => set.extend(number(a)..=number(b)),
            None => {
                set.insert(number(part));
            }
        }
    }
    set
}

fn describe(failure: &Failure, deadline: Duration) -> String {
    match failure {
        Failure::Hang(at) => format!("still running after {deadline:?}: a hang; {at}"),
        Failure::Check(msg) => msg.clone(),
    }
}

#[test]
fn chaos() {
    quiet_panics();
    let _ = ticker();
    let cfg = Config::from_env();
    let deadline = env_u64("CHAOS_DEADLINE_MS").map_or(DEFAULT_DEADLINE, Duration::from_millis);
    let (seeds, budget): (Vec<u64>, Option<Duration>) = match env_u64("CHAOS_SEED") {
        Some(seed) => (vec![seed], None),
        None => {
            let start = env_u64("CHAOS_START").unwrap_or(0);
            match env_u64("CHAOS_SEEDS") {
                Some(n) => ((start..start + n).collect(), None),
                None => (
                    (start..start + DEFAULT_SEEDS).collect(),
                    Some(DEFAULT_BUDGET),
                ),
            }
        }
    };
    let skip = skip_from_env();
    let began = Instant::now();
    let mut ran = 0;
    for &seed in &seeds {
        if budget.is_some_and(|budget| began.elapsed() > budget) {
            break;
        }
        ran += 1;
        let full = Gen::plan(seed, cfg);
        assert_eq!(
            format!("{full:?}"),
            format!("{:?}", Gen::plan(seed, cfg)),
            "plans must be a function of the seed"
        );
        let plan = prune(&full, &skip);
        let Err(failure) = run_case(&plan, deadline) else {
            continue;
        };
        let replay = format!(
            "CHAOS_SEED={seed}{} {}",
            match (cfg.bombs, cfg.discard) {
                (true, true) => "",
                (false, true) => " CHAOS_BOMBS=0",
                (true, false) => " CHAOS_DISCARD=0",
                (false, false) => " CHAOS_BOMBS=0 CHAOS_DISCARD=0",
            },
            if cfg!(miri) {
                // Miri's plans are smaller: replay under Miri.
                "MIRIFLAGS=\"-Zmiri-tree-borrows -Zmiri-ignore-leaks -Zmiri-disable-isolation\" \
                 cargo +nightly miri test -p taskcell-executor --test chaos"
            } else {
                "cargo test -p taskcell-executor --test chaos"
            }
        );
        let mut report = format!(
            "chaos: seed {seed} failed (replay: {replay}{})\n{}\nplan: {plan:?}",
            if skip.is_empty() {
                String::new()
            } else {
                format!(", with CHAOS_SKIP={}", join_numbers(&skip))
            },
            describe(&failure, deadline),
        );
        let shrinking = env_u64("CHAOS_SHRINK").is_none_or(|v| v != 0) && !cfg!(miri);
        if shrinking && skip.is_empty() {
            let (skipped, attempts) = shrink(&full, &failure, deadline);
            if !skipped.is_empty() {
                report += &format!(
                    "\n\nshrunk in {attempts} attempts: it also fails without ops {} \
                     (replay: CHAOS_SKIP={} {replay}; timing-dependent failures may need a \
                     few runs)\nshrunk plan: {:#?}",
                    join_numbers(&skipped),
                    join_numbers(&skipped),
                    prune(&full, &skipped)
                );
            }
        }
        eprintln!("{report}");
        panic!("chaos: seed {seed} failed (replay: {replay})");
    }
    let totals: Vec<String> = TOTAL_NAMES
        .iter()
        .zip(&TOTALS)
        .map(|(name, n)| format!("{} {name}", n.load(SeqCst)))
        .collect();
    eprintln!(
        "chaos: {ran} seeds clean ({}..{}) in {:.1?} ({}; bombs {}, discard {})",
        seeds.first().copied().unwrap_or(0),
        seeds.first().copied().unwrap_or(0) + ran,
        began.elapsed(),
        totals.join(", "),
        if cfg.bombs { "on" } else { "off" },
        if cfg.discard { "on" } else { "off" },
    );
}

/// `set` as comma-separated numbers and ranges: `0-3,7`.
fn join_numbers(set: &BTreeSet<usize>) -> String {
    let mut parts = Vec::new();
    let mut iter = set.iter().copied().peekable();
    while let Some(first) = iter.next() {
        let mut last = first;
        while iter.peek() == Some(&(last + 1)) {
            last += 1;
            iter.next();
        }
        parts.push(if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        });
    }
    parts.join(",")
}
