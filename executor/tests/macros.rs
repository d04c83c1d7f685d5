//! `#[taskcell_executor::test]` and `#[taskcell_executor::main]` build the
//! runtime their arguments ask for (current-thread by default for tests,
//! multi-thread for `main`, `worker_threads`, `name`), run the body on it with I/O
//! and timers enabled, let `?` and `return` work as in any `async fn`, and
//! reject misuse with errors at the user's tokens (`tests/ui/`).
#![cfg(not(miri))]

mod common;

use std::time::Duration;

use taskcell_executor::{Handle, TaskId};

#[taskcell_executor::test]
async fn a_test_runs_on_a_current_thread_runtime_of_its_own() {
    let metrics = Handle::current().metrics();
    assert_eq!(metrics.num_workers(), 1);
    // The body is a task (it has an identity) on this very thread, with
    // timers and I/O enabled.
    assert!(TaskId::current().is_some());
    let here = std::thread::current().id();
    taskcell_executor::time::sleep(Duration::from_millis(1)).await;
    let task = taskcell_executor::spawn(async { std::thread::current().id() });
    assert_eq!(task.await.unwrap(), here);
    let listener = taskcell_executor::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap();
    drop(listener);
}

#[taskcell_executor::test(flavor = "multi_thread", worker_threads = 3)]
async fn a_multi_thread_test_has_its_workers() {
    assert_eq!(Handle::current().metrics().num_workers(), 3);
    let task = taskcell_executor::spawn(async { std::thread::current().name().map(String::from) });
    assert_eq!(task.await.unwrap().as_deref(), Some("taskcell-worker"));
}

#[taskcell_executor::test(flavor = "multi_thread", worker_threads = 1, name = "named-in-test")]
async fn a_named_test_runtime_gives_its_name_back() {
    assert_eq!(Handle::current().name(), Some("named-in-test"));
}

#[taskcell_executor::test]
async fn an_unnamed_runtime_has_no_name() {
    assert_eq!(Handle::current().name(), None);
}

#[test]
fn an_empty_runtime_name_panics_with_tokios_words() {
    let panic = std::panic::catch_unwind(|| {
        taskcell_executor::Builder::new_current_thread().name(" ");
    })
    .unwrap_err();
    let message = panic.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(
        message.starts_with("runtime name shouldn't be empty"),
        "{message}"
    );
}

/// `select!`'s branches keep their control flow: `break` and `continue`
/// reach the enclosing loop, `return` and `?` the enclosing function, and
/// `else` runs when every branch is disabled.
#[taskcell_executor::test]
async fn select_branches_break_continue_and_return_through_it() -> Result<(), String> {
    let mut rounds = 0;
    let last = loop {
        rounds += 1;
        taskcell_executor::select! {
            n = async { rounds } , if rounds < 3 => {
                if n == 1 {
                    continue;
                }
            }
            else => break rounds,
        }
    };
    assert_eq!(last, 3);
    let parsed: u32 = taskcell_executor::select! {
        text = async { "7" } => text.parse().map_err(|e| format!("{e}"))?,
    };
    assert_eq!(parsed, 7);
    taskcell_executor::select! {
        biased;
        () = async {} => return Ok(()),
        () = std::future::pending::<()>() => {}
    }
    unreachable!("the first branch returned");
}

#[taskcell_executor::test]
async fn question_marks_and_returns_work() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = "42".parse()?;
    if n == 42 {
        return Ok(());
    }
    Err("unreachable".into())
}

#[taskcell_executor::test]
#[should_panic(expected = "a failing body fails its test")]
async fn a_panicking_body_fails_the_test() {
    panic!("a failing body fails its test");
}

mod renamed {
    // The crate under another name: `crate = "…"` finds it.
    use taskcell_executor as rt;

    #[rt::test(crate = "rt")]
    async fn a_renamed_crate_is_found() {
        assert!(rt::Handle::try_current().is_ok());
    }
}

/// `#[main]` on a function other than `main`: called like a plain one.
#[taskcell_executor::main(worker_threads = 2)]
async fn answer() -> u32 {
    assert_eq!(Handle::current().metrics().num_workers(), 2);
    taskcell_executor::spawn(async { 41 }).await.unwrap() + 1
}

#[test]
fn main_builds_a_multi_thread_runtime_and_returns_the_output() {
    assert_eq!(answer(), 42);
    assert!(Handle::try_current().is_err(), "the runtime is gone again");
}

/// `#[main]` on a function that never returns (`-> !`) and on one that
/// returns `impl Trait` compiles, as tokio's: the body's output is then
/// inferred from the function's, not written out.
#[taskcell_executor::main(flavor = "current_thread")]
async fn never_returns() -> ! {
    taskcell_executor::yield_now().await;
    std::panic::panic_any(common::ExpectedPanic(7))
}

#[taskcell_executor::main(flavor = "current_thread")]
async fn shown() -> impl std::fmt::Display {
    taskcell_executor::spawn(async { 5 }).await.unwrap()
}

#[test]
fn main_may_return_never_or_impl_trait() {
    common::quiet_expected_panics();
    let panicked = std::panic::catch_unwind(|| never_returns()).unwrap_err();
    assert_eq!(
        panicked.downcast_ref::<common::ExpectedPanic>(),
        Some(&common::ExpectedPanic(7))
    );
    assert_eq!(shown().to_string(), "5");
}

#[test]
fn misuse_is_rejected_at_the_users_tokens() {
    if std::env::var_os("TASKCELL_LSAN").is_some() {
        // A compile-time check: the sanitizer run (nightly, its own
        // flags) has nothing to add to the stable run's.
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
