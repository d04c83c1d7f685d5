//! The pieces of the example programs that their tests drive in-process:
//! the `hyper_server`'s routes and the `hyper_client`'s request.

pub mod client;
pub mod server;
