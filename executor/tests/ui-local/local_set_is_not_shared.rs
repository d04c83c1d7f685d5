// A `LocalSet` cannot be shared with another thread either: `spawn_local`
// takes `&self`, and its tasks must start on the set's thread.
use taskcell_executor::task::LocalSet;

fn main() {
    let local = LocalSet::new();
    std::thread::scope(|s| {
        s.spawn(|| local.spawn_local(async {}));
    });
}
