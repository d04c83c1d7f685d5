//! loom models of the workspace's lock-free protocols.
//!
//! The models live in `tests/` and compile only under `cfg(taskcell_loom)`;
//! run them with
//!
//! ```text
//! RUSTFLAGS="--cfg taskcell_loom -C debug-assertions" LOOM_MAX_PREEMPTIONS=2 \
//!     CARGO_TARGET_DIR=target/loom cargo test -p taskcell-loom-tests --release
//! ```
//!
//! Under that cfg every crate of the workspace reaches atomics, `UnsafeCell`
//! and thread-locals through its `sync` facade, which switches to loom, so
//! loom explores every interleaving of the real code.
