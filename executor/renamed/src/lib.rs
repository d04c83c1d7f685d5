//! Tests only (`tests/`): this crate depends on `taskcell-executor` under
//! tokio's name, as a tokio program ported by its `Cargo.toml` alone does,
//! and checks that the runtime's attributes find it there.
