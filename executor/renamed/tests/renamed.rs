//! A crate that depends on the runtime under tokio's name (`tokio = {
//! package = "taskcell-executor", .. }` in its `Cargo.toml`) keeps a tokio
//! program's attributes as they are: `#[tokio::main]` and `#[tokio::test]`
//! write `::tokio::..`, the name this crate's manifest gives the runtime,
//! with no `crate = "tokio"` argument.
#![cfg(not(miri))]

use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn answer() -> u32 {
    tokio::spawn(async { 42 }).await.unwrap()
}

#[test]
fn main_runs_on_the_renamed_runtime() {
    assert_eq!(answer(), 42);
}

#[tokio::test]
async fn test_runs_on_a_current_thread_runtime() {
    let flavor = tokio::runtime::Handle::current().runtime_flavor();
    assert_eq!(flavor, tokio::runtime::RuntimeFlavor::CurrentThread);
    let started = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(started.elapsed() >= Duration::from_millis(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_takes_tokios_arguments() {
    let metrics = tokio::runtime::Handle::current().metrics();
    assert_eq!(metrics.num_workers(), 2);
    let (tx, rx) = std::sync::mpsc::channel();
    tokio::select! {
        _ = tokio::task::spawn_blocking(move || tx.send(7).unwrap()) => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => panic!("the blocking pool never ran"),
    }
    assert_eq!(rx.recv().unwrap(), 7);
}
