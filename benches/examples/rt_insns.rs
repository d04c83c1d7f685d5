//! Runs one `rt`, `timers` or `net` workload a fixed number of times, for
//! counting instructions, which stay steady on a busy machine where times do
//! not (compare two builds of the runtime, say), or for profiling:
//!
//! ```text
//! cargo build --release -p taskcell-benches --example rt_insns
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/rt_insns ping_pong 20
//! valgrind --tool=callgrind target/release/examples/rt_insns --tokio sleeps 5
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/rt_insns tcp_ping_pong 4
//! ```
//!
//! With no arguments it lists the workloads. `--tokio` runs tokio's side.
//! The worker count follows `TASKCELL_WORKERS`, as for the benches.

use taskcell_benches::{net, rt, timers};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let tokio = args.first().is_some_and(|arg| arg == "--tokio");
    if tokio {
        args.remove(0);
    }
    let workloads = || {
        rt::WORKLOADS
            .iter()
            .chain(timers::WORKLOADS.iter())
            .chain(net::WORKLOADS.iter())
    };
    let [name, iters] = &args[..] else {
        eprintln!("usage: rt_insns [--tokio] WORKLOAD ITERS");
        for workload in workloads() {
            eprintln!("  {}", workload.name);
        }
        std::process::exit(2);
    };
    let iters: u64 = iters.parse().expect("ITERS is a number");
    let workload = workloads()
        .find(|workload| workload.name == name)
        .unwrap_or_else(|| panic!("no workload named {name}"));
    let mut routine = if tokio {
        (workload.tokio)()
    } else {
        (workload.taskcell)()
    };
    let start = std::time::Instant::now();
    for _ in 0..iters {
        routine();
    }
    println!(
        "{name}: {iters} iterations, {:?} each",
        start.elapsed() / iters as u32
    );
}
