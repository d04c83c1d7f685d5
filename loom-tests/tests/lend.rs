//! loom model of lending a worker's core for `block_in_place`
//! (`scheduler/lend.rs`): the lender and the borrower never touch the core
//! at once, and the lender always gets it back, whether the borrower takes
//! the offer before, during or after the lender's closure, and whether it
//! is running tasks or parked when the core is wanted.
#![cfg(taskcell_loom)]

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;
use taskcell_executor::loom_hooks::{Lend, Parker};

/// The borrower's side, as `Core::run_lent` does it: take the offer, run
/// "tasks" (touch the core), park when idle, leave once the core is wanted.
fn borrow(lend: &Lend, core: &UnsafeCell<u32>, parker: &Parker) {
    if !lend.take() {
        return;
    }
    for _ in 0..2 {
        // SAFETY: the model checks it — only the holder touches the core.
        core.with_mut(|c| unsafe { *c += 1 });
        if lend.is_wanted() {
            break;
        }
        parker.park();
    }
    lend.give_back(false);
}

#[test]
fn a_lent_core_has_one_user_at_a_time_and_comes_back() {
    loom::model(|| {
        let lend = Arc::new(Lend::new());
        let core = Arc::new(UnsafeCell::new(0u32));
        let parker = Arc::new(Parker::new());
        let borrower = {
            let (lend, core, parker) = (lend.clone(), core.clone(), parker.clone());
            thread::spawn(move || borrow(&lend, &core, &parker))
        };
        // The closure runs here, away from the core; then it comes back.
        let at_shutdown = lend.take_back(|| parker.unpark());
        assert!(!at_shutdown);
        // SAFETY: the model checks it — the core is the lender's again.
        core.with_mut(|c| unsafe { *c += 1 });
        borrower.join().unwrap();
        // SAFETY: the borrower has ended.
        let touched = core.with(|c| unsafe { *c });
        assert!((1..=3).contains(&touched), "{touched}");
    });
}

/// Shutdown withdrawing the offer races the borrower's take: either the
/// borrower runs the core (and shutdown withdraws nothing), or it takes
/// nothing and the lender finds the core returned at shutdown; never both.
#[test]
fn a_withdrawn_offer_is_never_also_taken() {
    loom::model(|| {
        let lend = Arc::new(Lend::new());
        let core = Arc::new(UnsafeCell::new(0u32));
        let parker = Arc::new(Parker::new());
        let borrower = {
            let (lend, core, parker) = (lend.clone(), core.clone(), parker.clone());
            thread::spawn(move || borrow(&lend, &core, &parker))
        };
        let shutdown = {
            let lend = lend.clone();
            thread::spawn(move || lend.withdraw_at_shutdown())
        };
        let withdrew = shutdown.join().unwrap();
        let at_shutdown = lend.take_back(|| parker.unpark());
        assert_eq!(at_shutdown, withdrew);
        // SAFETY: the model checks it — the core is the lender's again.
        core.with_mut(|c| unsafe { *c += 1 });
        borrower.join().unwrap();
        // SAFETY: the borrower has ended.
        let touched = core.with(|c| unsafe { *c });
        if withdrew {
            assert_eq!(touched, 1, "a withdrawn offer was run");
        }
    });
}
