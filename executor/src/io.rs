//! The byte-stream traits the runtime's sockets implement, and their
//! extension traits (`read`, `read_exact`, `write_all`, `close`, …), from
//! the `futures` family: the same traits smol's ecosystem uses; and
//! [`Interest`] and [`Ready`], for the sockets' readiness API (`ready`,
//! `readable`, `try_read`, …).
//!
//! ```
//! use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let rt = taskcell_executor::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let (mut a, mut b) = taskcell_executor::net::UnixStream::pair().unwrap();
//!     a.write_all(b"ok").await.unwrap();
//!     a.close().await.unwrap();
//!     let mut got = String::new();
//!     b.read_to_string(&mut got).await.unwrap();
//!     assert_eq!(got, "ok");
//! });
//! ```

mod ready;

pub use self::ready::{Interest, Ready};
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_util::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
