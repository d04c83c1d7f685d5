//! Runs one `rt` workload on `taskcell-executor` a fixed number of times,
//! for counting instructions, which stay steady on a busy machine where
//! times do not (compare two builds of the runtime, say):
//!
//! ```text
//! cargo build --release -p taskcell-benches --example rt_insns
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/rt_insns ping_pong 20
//! ```
//!
//! With no arguments it lists the workloads. The worker count follows
//! `TASKCELL_WORKERS`, as for the benches.

use taskcell_benches::rt::WORKLOADS;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(iters)) = (args.next(), args.next()) else {
        eprintln!("usage: rt_insns WORKLOAD ITERS");
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
    let mut routine = (workload.taskcell)();
    let start = std::time::Instant::now();
    for _ in 0..iters {
        routine();
    }
    println!(
        "{name}: {iters} iterations, {:?} each",
        start.elapsed() / iters as u32
    );
}
