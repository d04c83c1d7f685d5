// The guard of `LocalSet::enter` restores this thread's context: it must
// drop on this thread.
use taskcell_executor::task::LocalSet;

fn main() {
    let local = LocalSet::new();
    let guard = local.enter();
    std::thread::spawn(move || drop(guard));
}
