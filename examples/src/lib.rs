//! The pieces of the example programs that their tests drive in-process:
//! the `hyper_server`'s routes, the `hyper_client`'s request, and
//! `http_load`'s load generator and its plain hyper + tokio rival; and
//! the value parsers of the binaries' command lines.

pub mod cli;
pub mod client;
pub mod load;
pub mod plain;
pub mod server;
