// The handle of a local task whose output is not `Send` cannot leave the
// set's thread.
use std::rc::Rc;
use taskcell_executor::task::LocalSet;

fn main() {
    let local = LocalSet::new();
    let handle = local.spawn_local(async { Rc::new(1) });
    std::thread::spawn(move || drop(handle));
}
