#[taskcell_executor::test(flavour = "current_thread")]
async fn typo() {}

fn main() {}
