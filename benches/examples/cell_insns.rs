//! Runs one `cell` variant for a fixed number of increments, for counting
//! instructions per access, which stay steady on a busy machine where times
//! do not:
//!
//! ```text
//! cargo build --profile bench -p taskcell-benches --example cell_insns
//! for n in 1000000 2000000; do
//!     valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!         target/release/examples/cell_insns TaskCell::with_mut $n
//! done
//! ```
//!
//! The difference of the two totals ("Collected"), divided by the
//! difference of the counts, is the instructions of one increment, loop
//! included. With no arguments it lists the variants.

use taskcell_benches::cell::{OTHERS, TASK_CELL};

fn main() {
    let mut args = std::env::args().skip(1);
    let variants = || [TASK_CELL].into_iter().chain(OTHERS);
    let (Some(name), Some(iters)) = (args.next(), args.next()) else {
        eprintln!("usage: cell_insns VARIANT ITERS");
        for variant in variants() {
            eprintln!("  {}", variant.name);
        }
        std::process::exit(2);
    };
    let iters: u64 = iters.parse().expect("ITERS is a number");
    let variant = variants()
        .find(|variant| variant.name == name)
        .unwrap_or_else(|| panic!("no variant named {name}"));
    let elapsed = (variant.time)(iters);
    println!(
        "{name}: {iters} increments, {:.2} ns each",
        elapsed.as_nanos() as f64 / iters as f64
    );
}
