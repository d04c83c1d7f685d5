#[taskcell_executor::test]
#[test]
async fn twice() {}

fn main() {}
