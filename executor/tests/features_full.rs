//! `full` switches on every feature name in tokio's `full`, so that code
//! (such as tokio's own test files) gated on `cfg(feature = "net")`,
//! `cfg(feature = "rt-multi-thread")` and the like builds under `full`.
#![cfg(feature = "full")]

#[test]
fn full_implies_every_tokio_full_feature() {
    let features = [
        ("fs", cfg!(feature = "fs")),
        ("io-util", cfg!(feature = "io-util")),
        ("io-std", cfg!(feature = "io-std")),
        ("macros", cfg!(feature = "macros")),
        ("net", cfg!(feature = "net")),
        ("parking_lot", cfg!(feature = "parking_lot")),
        ("process", cfg!(feature = "process")),
        ("rt", cfg!(feature = "rt")),
        ("rt-multi-thread", cfg!(feature = "rt-multi-thread")),
        ("signal", cfg!(feature = "signal")),
        ("sync", cfg!(feature = "sync")),
        ("time", cfg!(feature = "time")),
    ];
    let off: Vec<&str> = features
        .iter()
        .filter(|(_, on)| !on)
        .map(|(name, _)| *name)
        .collect();
    assert!(off.is_empty(), "`full` leaves off: {off:?}");
}
