//! Runs one `timers` workload on either runtime a fixed number of times,
//! for counting instructions or profiling under callgrind, where times are
//! steady on a busy machine:
//!
//! ```text
//! cargo build --release -p taskcell-benches --example timers_insns
//! valgrind --tool=callgrind target/release/examples/timers_insns taskcell sleeps 5
//! ```
//!
//! With no arguments it lists the workloads. The worker count follows
//! `TASKCELL_WORKERS`, as for the benches.

use taskcell_benches::timers::WORKLOADS;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(side), Some(name), Some(iters)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: timers_insns taskcell|tokio WORKLOAD ITERS");
        for workload in WORKLOADS {
            eprintln!("  {}", workload.name);
        }
        std::process::exit(2);
    };
    let iters: u64 = iters.parse().expect("ITERS is a number");
    let workload = WORKLOADS
        .iter()
        .find(|workload| workload.name == name)
        .unwrap_or_else(|| panic!("no workload named {name}"));
    let make = match side.as_str() {
        "taskcell" => workload.taskcell,
        "tokio" => workload.tokio,
        other => panic!("no runtime named {other}: taskcell or tokio"),
    };
    let mut routine = make();
    let start = std::time::Instant::now();
    for _ in 0..iters {
        routine();
    }
    println!(
        "{side} {name}: {iters} iterations, {:?} each",
        start.elapsed() / iters as u32
    );
}
