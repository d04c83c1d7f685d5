#[taskcell_executor::main(flavor = "single_thread")]
async fn main() {}
