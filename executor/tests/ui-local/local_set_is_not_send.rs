// A `LocalSet` stays on the thread that made it: its tasks' futures are
// not `Send`, and only that thread may poll or drop them.
use taskcell_executor::task::LocalSet;

fn main() {
    let local = LocalSet::new();
    std::thread::spawn(move || drop(local));
}
