#[taskcell_executor::main]
fn main() {}
