//! The pieces of the example programs that their tests drive in-process:
//! the `hyper_server`'s routes, the `hyper_client`'s request, and
//! `http_load`'s load generator and its plain hyper + tokio rival.

pub mod client;
pub mod load;
pub mod plain;
pub mod server;
