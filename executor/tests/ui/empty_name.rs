#[taskcell_executor::main(name = "  ")]
async fn main() {}
