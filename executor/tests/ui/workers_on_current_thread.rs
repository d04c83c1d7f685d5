#[taskcell_executor::test(flavor = "current_thread", worker_threads = 4)]
async fn two_many() {}

fn main() {}
