//! The readiness API every socket shares, with tokio's names and meanings:
//! wait for readiness (`ready`, `readable`, `writable`), then attempt
//! without waiting (`try_read`, `try_recv_from`, `try_io`, …), which hits
//! `WouldBlock` if another task got there first, and so back to waiting:
//!
//! ```text
//! loop {
//!     socket.readable().await?;
//!     match socket.try_read(&mut buf) {
//!         Ok(n) => break n,
//!         Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
//!         Err(e) => return Err(e),
//!     }
//! }
//! ```
//!
//! Any number of tasks may wait on one socket at once; each is woken by
//! the readiness it waits for (`driver/io/scheduled_io.rs`, "Waiters").
//! Written once here as macros: `$setup` is a doc test's hidden preamble
//! that binds `a` and `b`, two sockets of the type connected to each other,
//! and `$send` a statement by which `b` sends `a` one byte.

/// `ready`, `readable`, `writable` and `try_io` for `$ty`, whose
/// `PollEvented` is `self.io`.
macro_rules! readiness_api {
    ($ty:ident, $setup:expr, $send:expr) => {
        impl $ty {
            #[doc = concat!(
                "Waits until the socket is ready for any of `interest`, and returns the \
                 readiness found.\n\n",
                "The readiness may be stale by the time it is used (another task may \
                 have drained the socket): the attempt that follows can hit \
                 `WouldBlock`, and should then wait again. Any number of tasks may wait \
                 at once; each is woken, and each woken wait ends, as in tokio, even \
                 when a task before it took that readiness: then with none (tokio's \
                 false positive).\n\n",
                "Cancel-safe: dropping the future loses nothing.\n\n",
                "```\n",
                "use taskcell_executor::io::Interest;\n",
                $setup,
                "let ready = a.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();\n",
                "assert!(ready.is_writable());\n",
                "# drop(b);\n",
                "# });\n",
                "```"
            )]
            pub async fn ready(&self, interest: crate::io::Interest) -> std::io::Result<crate::io::Ready> {
                self.io.ready(interest).await
            }

            #[doc = concat!(
                "Waits until the socket is readable (or its read half closed): \
                 `ready(Interest::READABLE)`. Usually followed by a `try_` read, which \
                 may still hit `WouldBlock`.\n\n",
                "Cancel-safe.\n\n",
                "```\n",
                $setup,
                $send,
                "a.readable().await.unwrap();\n",
                "# });\n",
                "```"
            )]
            pub async fn readable(&self) -> std::io::Result<()> {
                self.io.ready(crate::io::Interest::READABLE).await.map(drop)
            }

            #[doc = concat!(
                "Waits until the socket is writable (or its write half closed): \
                 `ready(Interest::WRITABLE)`. Usually followed by a `try_` write, which \
                 may still hit `WouldBlock`.\n\n",
                "Cancel-safe.\n\n",
                "```\n",
                $setup,
                "a.writable().await.unwrap();\n",
                "# drop(b);\n",
                "# });\n",
                "```"
            )]
            pub async fn writable(&self) -> std::io::Result<()> {
                self.io.ready(crate::io::Interest::WRITABLE).await.map(drop)
            }

            #[doc = concat!(
                "Runs `f`, an operation of the caller's own on this socket (through its \
                 file descriptor), if the socket was last seen ready for `interest`. If \
                 `f` returns `WouldBlock`, that readiness is forgotten, so the next wait \
                 waits for a new event. If the socket was not seen ready, returns \
                 `WouldBlock` without calling `f`.\n\n",
                "`f` must do its own non-blocking I/O and report `WouldBlock` truthfully: \
                 the socket is edge-triggered, and readiness forgotten while data remains \
                 would wait for an event that never comes.\n\n",
                "```\n",
                "use std::io;\n",
                "use taskcell_executor::io::Interest;\n",
                $setup,
                $send,
                "a.readable().await.unwrap();\n",
                "// An operation that finds nothing after all: the readiness is forgotten.\n",
                "let err = a.try_io(Interest::READABLE, || Err::<(), _>(io::ErrorKind::WouldBlock.into()));\n",
                "assert_eq!(err.unwrap_err().kind(), io::ErrorKind::WouldBlock);\n",
                "// Not seen ready now: `f` is not called.\n",
                "let err = a.try_io(Interest::READABLE, || -> io::Result<()> { unreachable!() });\n",
                "assert_eq!(err.unwrap_err().kind(), io::ErrorKind::WouldBlock);\n",
                "# });\n",
                "```"
            )]
            pub fn try_io<R>(
                &self,
                interest: crate::io::Interest,
                f: impl FnOnce() -> std::io::Result<R>,
            ) -> std::io::Result<R> {
                self.io.try_io(interest, |_| f())
            }

            #[doc = concat!(
                "Waits until the socket is ready for `interest`, then runs `f`, an \
                 operation of the caller's own on this socket (through its file \
                 descriptor); if `f` returns `WouldBlock`, forgets that readiness and \
                 waits again, until `f` returns anything else. The waits spend none of \
                 the task's budget; each call of `f` spends a unit (given back if it \
                 returns `WouldBlock`).\n\n",
                "As with [`try_io`](Self::try_io), `f` must do its own non-blocking I/O \
                 and return `WouldBlock` only when that I/O found the socket not ready, \
                 and should not use this type's own methods. Give one direction, as in \
                 tokio: `f` does one kind of operation.\n\n",
                "Cancel-safe if `f` is: dropping the future between two calls of `f` \
                 loses nothing.\n\n",
                "# Errors\n\n",
                "What `f` returns, or the runtime's shut-down error once the runtime is \
                 gone.\n\n",
                "```\n",
                "use std::mem::MaybeUninit;\n",
                "use taskcell_executor::io::Interest;\n",
                $setup,
                $send,
                "let mut buf = [MaybeUninit::<u8>::uninit(); 8];\n",
                "let n = a\n",
                "    .async_io(Interest::READABLE, || socket2::SockRef::from(&a).recv(&mut buf))\n",
                "    .await\n",
                "    .unwrap();\n",
                "assert_eq!(n, 1);\n",
                "# });\n",
                "```"
            )]
            pub async fn async_io<R>(
                &self,
                interest: crate::io::Interest,
                mut f: impl FnMut() -> std::io::Result<R>,
            ) -> std::io::Result<R> {
                self.io.async_io(interest, || f()).await
            }
        }
    };
}

/// The stream side of the readiness API for `$ty` (whose `PollEvented` is
/// `self.io`): `poll_read_ready`, `poll_write_ready`, `try_read`,
/// `try_read_vectored`, `try_write`, `try_write_vectored`.
macro_rules! stream_try_api {
    ($ty:ident, $setup:expr) => {
        impl $ty {
            #[doc = concat!(
                "Polls for read readiness: `Ready(Ok(()))` once the stream is readable \
                 (or its read half closed).\n\n",
                "As tokio's, only the waker of the most recent call is woken: a call \
                 from another task replaces (and drops) the waker of the one before. \
                 Tasks that wait in `readable`, `ready` or a read are apart from this, \
                 and each is woken.\n\n",
                "```\n",
                "use std::future::poll_fn;\n",
                $setup,
                "b.writable().await.unwrap();\n",
                "b.try_write(b\"x\").unwrap();\n",
                "poll_fn(|cx| a.poll_read_ready(cx)).await.unwrap();\n",
                "# });\n",
                "```"
            )]
            pub fn poll_read_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
                self.io
                    .poll_ready_for(cx, crate::io::Interest::READABLE, true)
                    .map_ok(drop)
            }

            #[doc = concat!(
                "Polls for write readiness: `Ready(Ok(()))` once the stream is writable \
                 (or its write half closed). Only the most recent call's waker is \
                 woken, as with `poll_read_ready`.\n\n",
                "```\n",
                "use std::future::poll_fn;\n",
                $setup,
                "poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap();\n",
                "# drop(b);\n",
                "# });\n",
                "```"
            )]
            pub fn poll_write_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
                self.io
                    .poll_ready_for(cx, crate::io::Interest::WRITABLE, true)
                    .map_ok(drop)
            }

            #[doc = concat!(
                "Reads what the stream holds into `buf` without waiting: the byte count \
                 (0 at EOF, or for an empty `buf`), or `WouldBlock` when there is \
                 nothing to read yet (then wait with `readable`).\n\n",
                "```\n",
                "use std::io;\n",
                $setup,
                "let mut buf = [0; 8];\n",
                "assert_eq!(a.try_read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);\n",
                "b.writable().await.unwrap();\n",
                "assert_eq!(b.try_write(b\"hey\").unwrap(), 3);\n",
                "let n = loop {\n",
                "    a.readable().await.unwrap();\n",
                "    match a.try_read(&mut buf) {\n",
                "        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,\n",
                "        n => break n.unwrap(),\n",
                "    }\n",
                "};\n",
                "assert_eq!(&buf[..n], b\"hey\");\n",
                "# });\n",
                "```"
            )]
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.io.try_io(crate::io::Interest::READABLE, |mut io| {
                    std::io::Read::read(&mut io, buf)
                })
            }

            #[doc = concat!(
                "Reads into several buffers in order (`readv`) without waiting; as \
                 [`try_read`](Self::try_read).\n\n",
                "```\n",
                "use std::io::{self, IoSliceMut};\n",
                $setup,
                "b.writable().await.unwrap();\n",
                "b.try_write(b\"abcd\").unwrap();\n",
                "let (mut head, mut tail) = ([0; 1], [0; 8]);\n",
                "let n = loop {\n",
                "    a.readable().await.unwrap();\n",
                "    let mut bufs = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut tail)];\n",
                "    match a.try_read_vectored(&mut bufs) {\n",
                "        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,\n",
                "        n => break n.unwrap(),\n",
                "    }\n",
                "};\n",
                "assert_eq!((n, &head, &tail[..3]), (4, b\"a\", &b\"bcd\"[..]));\n",
                "# });\n",
                "```"
            )]
            pub fn try_read_vectored(&self, bufs: &mut [std::io::IoSliceMut<'_>]) -> std::io::Result<usize> {
                self.io.try_io(crate::io::Interest::READABLE, |mut io| {
                    std::io::Read::read_vectored(&mut io, bufs)
                })
            }

            #[doc = concat!(
                "Reads what the stream holds into `buf`'s spare capacity, without \
                 waiting, and advances `buf` past it: as [`try_read`](Self::try_read), \
                 for a growable buffer such as `Vec<u8>` or `bytes::BytesMut` (which \
                 grows if it has no spare capacity).\n\n",
                "```\n",
                "use std::io;\n",
                $setup,
                "b.writable().await.unwrap();\n",
                "b.try_write(b\"grow\").unwrap();\n",
                "let mut buf = Vec::with_capacity(2);\n",
                "buf.push(b'>');\n",
                "loop {\n",
                "    a.readable().await.unwrap();\n",
                "    match a.try_read_buf(&mut buf) {\n",
                "        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,\n",
                "        n => { n.unwrap(); }\n",
                "    }\n",
                "    if buf.len() == 5 { break }\n",
                "}\n",
                "assert_eq!(buf, b\">grow\");\n",
                "# });\n",
                "```"
            )]
            pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> std::io::Result<usize> {
                self.io
                    .try_io(crate::io::Interest::READABLE, |io| crate::net::recv_buf(io, buf))
            }

            #[doc = concat!(
                "Waits for data and reads it into `buf`'s spare capacity, advancing `buf` \
                 past it: the byte count, 0 at EOF (or when `buf` has no room left). \
                 tokio's `AsyncReadExt::read_buf`, for `futures-io` users too.\n\n",
                "Cancel-safe: bytes reach `buf` only when the future completes, so one \
                 raced in `select!` and dropped loses nothing.\n\n",
                "```\n",
                $setup,
                "b.writable().await.unwrap();\n",
                "b.try_write(b\"abc\").unwrap();\n",
                "let mut buf = bytes::BytesMut::new();\n",
                "let mut a = a;\n",
                "while buf.len() < 3 {\n",
                "    assert!(a.read_buf(&mut buf).await.unwrap() > 0);\n",
                "}\n",
                "assert_eq!(&buf[..], b\"abc\");\n",
                "# });\n",
                "```"
            )]
            pub async fn read_buf<B: bytes::BufMut>(&mut self, buf: &mut B) -> std::io::Result<usize> {
                self.read_buf_shared(buf).await
            }

            /// `read_buf` through a shared reference, for the halves.
            pub(crate) async fn read_buf_shared<B: bytes::BufMut>(
                &self,
                buf: &mut B,
            ) -> std::io::Result<usize> {
                if !buf.has_remaining_mut() {
                    return Ok(0);
                }
                std::future::poll_fn(|cx| {
                    self.io.poll_io(cx, crate::driver::io::Direction::Read, |io| {
                        crate::net::recv_buf(io, &mut *buf)
                    })
                })
                .await
            }

            #[doc = concat!(
                "Writes as much of `buf` as the stream takes without waiting: the byte \
                 count, or `WouldBlock` when its send buffer is full (then wait with \
                 `writable`).\n\n",
                "```\n",
                $setup,
                "a.writable().await.unwrap();\n",
                "assert_eq!(a.try_write(b\"hi\").unwrap(), 2);\n",
                "# drop(b);\n",
                "# });\n",
                "```"
            )]
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.io.try_io(crate::io::Interest::WRITABLE, |mut io| {
                    std::io::Write::write(&mut io, buf)
                })
            }

            #[doc = concat!(
                "Writes several buffers in order (`writev`) without waiting; as \
                 [`try_write`](Self::try_write).\n\n",
                "```\n",
                "use std::io::IoSlice;\n",
                $setup,
                "a.writable().await.unwrap();\n",
                "let bufs = [IoSlice::new(b\"a\"), IoSlice::new(b\"bc\")];\n",
                "assert_eq!(a.try_write_vectored(&bufs).unwrap(), 3);\n",
                "# drop(b);\n",
                "# });\n",
                "```"
            )]
            pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                self.io.try_io(crate::io::Interest::WRITABLE, |mut io| {
                    std::io::Write::write_vectored(&mut io, bufs)
                })
            }
        }
    };
}

/// The datagram side of the readiness API, and the operations every
/// datagram socket shares, for `$ty` (whose `PollEvented` is `self.io`,
/// over a `mio` socket with `send`, `recv` and `recv_from`): receive and
/// send readiness, `send` and `recv` with the connected peer, `recv_from`,
/// their `try_` and `poll_` forms, and the `BufMut` receives. `$addr` is
/// the type of a sender's address.
macro_rules! datagram_api {
    ($ty:ident, $addr:ty, $setup:expr) => {
        impl $ty {
            #[doc = concat!(
                "Polls for receive readiness: `Ready(Ok(()))` once a datagram may be \
                 waiting. As tokio's, only the waker of the most recent call is woken \
                 (a call from another task replaces the one before); tasks waiting in \
                 `readable`, `ready` or a receive are apart from this, and each is \
                 woken.\n\n",
                "```\n",
                "use std::future::poll_fn;\n",
                $setup,
                "b.send(b\"x\").await.unwrap();\n",
                "poll_fn(|cx| a.poll_recv_ready(cx)).await.unwrap();\n",
                "# });\n",
                "```"
            )]
            pub fn poll_recv_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
                self.io
                    .poll_ready_for(cx, crate::io::Interest::READABLE, true)
                    .map_ok(drop)
            }

            #[doc = concat!(
                "Polls for send readiness: `Ready(Ok(()))` once the socket may take a \
                 datagram. Only the most recent call's waker is woken, as with \
                 `poll_recv_ready`.\n\n",
                "```\n",
                "use std::future::poll_fn;\n",
                $setup,
                "poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();\n",
                "# drop(b);\n",
                "# });\n",
                "```"
            )]
            pub fn poll_send_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
                self.io
                    .poll_ready_for(cx, crate::io::Interest::WRITABLE, true)
                    .map_ok(drop)
            }

            #[doc = concat!(
                "Sends `buf` to the connected peer; returns how many bytes went.\n\n",
                "Cancel-safe: the datagram is sent whole or not at all.\n\n",
                "```\n",
                $setup,
                "assert_eq!(a.send(b\"x\").await.unwrap(), 1);\n",
                "# drop(b);\n",
                "# });\n",
                "```"
            )]
            pub async fn send(&self, buf: &[u8]) -> std::io::Result<usize> {
                std::future::poll_fn(|cx| self.poll_send(cx, buf)).await
            }

            #[doc = concat!(
                "Polls to send `buf` to the connected peer; see [`send`](Self::send).\n\n",
                "```\n",
                "use std::future::poll_fn;\n",
                $setup,
                "assert_eq!(poll_fn(|cx| a.poll_send(cx, b\"poll\")).await.unwrap(), 4);\n",
                "let mut buf = [0; 8];\n",
                "assert_eq!(b.recv(&mut buf).await.unwrap(), 4);\n",
                "# });\n",
                "```"
            )]
            pub fn poll_send(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io
                    .poll_io(cx, crate::driver::io::Direction::Write, |s| s.send(buf))
            }

            #[doc = concat!(
                "Receives one datagram from the connected peer into `buf`; returns its \
                 length (cut to `buf`'s: the rest of a longer datagram is lost).\n\n",
                "Cancel-safe: a datagram is taken only when the future completes. Any \
                 number of tasks may wait here on one socket; each is woken.\n\n",
                "```\n",
                $setup,
                "b.send(b\"loop\").await.unwrap();\n",
                "let mut buf = [0; 4];\n",
                "assert_eq!(a.recv(&mut buf).await.unwrap(), 4);\n",
                "# });\n",
                "```"
            )]
            pub async fn recv(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                std::future::poll_fn(|cx| {
                    self.io
                        .poll_io(cx, crate::driver::io::Direction::Read, |s| s.recv(buf))
                })
                .await
            }

            #[doc = concat!(
                "Polls to receive one datagram from the connected peer into the unfilled \
                 part of tokio's `ReadBuf`, uninitialised memory \
                 included; see [`recv`](Self::recv). The signature is tokio's, \
                 `ReadBuf` included.\n\n",
                "```\n",
                "use std::future::poll_fn;\n",
                "use std::mem::MaybeUninit;\n",
                "use tokio::io::ReadBuf;\n",
                $setup,
                "b.send(b\"poll\").await.unwrap();\n",
                "let mut storage = [MaybeUninit::uninit(); 16];\n",
                "let mut buf = ReadBuf::uninit(&mut storage);\n",
                "poll_fn(|cx| a.poll_recv(cx, &mut buf)).await.unwrap();\n",
                "assert_eq!(buf.filled(), b\"poll\");\n",
                "# });\n",
                "```"
            )]
            pub fn poll_recv(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                crate::net::poll_recv_read_buf(&self.io, cx, buf, |s, spare| {
                    s.recv(spare).map(|n| (n, ()))
                })
            }

            #[doc = concat!(
                "Receives one datagram into `buf`; returns its length (cut to `buf`'s) \
                 and its sender.\n\n",
                "Cancel-safe: a datagram is taken only when the future completes. Any \
                 number of tasks may wait here on one socket; each is woken.\n\n",
                "```\n",
                $setup,
                "b.send(b\"me\").await.unwrap();\n",
                "let mut buf = [0; 2];\n",
                "let (n, _from) = a.recv_from(&mut buf).await.unwrap();\n",
                "assert_eq!(&buf[..n], b\"me\");\n",
                "# });\n",
                "```"
            )]
            pub async fn recv_from(&self, buf: &mut [u8]) -> std::io::Result<(usize, $addr)> {
                std::future::poll_fn(|cx| {
                    self.io
                        .poll_io(cx, crate::driver::io::Direction::Read, |s| s.recv_from(buf))
                })
                .await
            }

            #[doc = concat!(
                "Receives one datagram from the connected peer without waiting: \
                 `WouldBlock` if none is there yet (then wait with \
                 [`readable`](Self::readable)).\n\n",
                "```\n",
                "use std::io;\n",
                $setup,
                "let mut buf = [0; 8];\n",
                "assert_eq!(a.try_recv(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);\n",
                "b.send(b\"hey\").await.unwrap();\n",
                "let n = loop {\n",
                "    a.readable().await.unwrap();\n",
                "    match a.try_recv(&mut buf) {\n",
                "        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,\n",
                "        n => break n.unwrap(),\n",
                "    }\n",
                "};\n",
                "assert_eq!(&buf[..n], b\"hey\");\n",
                "# });\n",
                "```"
            )]
            pub fn try_recv(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.io.try_io(crate::io::Interest::READABLE, |s| s.recv(buf))
            }

            #[doc = concat!(
                "Receives one datagram and its sender without waiting: `WouldBlock` if \
                 none is there yet.\n\n",
                "```\n",
                "use std::io;\n",
                $setup,
                "b.send(b\"hey\").await.unwrap();\n",
                "let mut buf = [0; 8];\n",
                "let (n, _from) = loop {\n",
                "    a.readable().await.unwrap();\n",
                "    match a.try_recv_from(&mut buf) {\n",
                "        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,\n",
                "        got => break got.unwrap(),\n",
                "    }\n",
                "};\n",
                "assert_eq!(&buf[..n], b\"hey\");\n",
                "# });\n",
                "```"
            )]
            pub fn try_recv_from(&self, buf: &mut [u8]) -> std::io::Result<(usize, $addr)> {
                self.io.try_io(crate::io::Interest::READABLE, |s| s.recv_from(buf))
            }

            #[doc = concat!(
                "Sends `buf` to the connected peer without waiting: `WouldBlock` if the \
                 socket's buffer is full (then wait with [`writable`](Self::writable)).\n\n",
                "```\n",
                $setup,
                "a.writable().await.unwrap();\n",
                "assert_eq!(a.try_send(b\"hi\").unwrap(), 2);\n",
                "# drop(b);\n",
                "# });\n",
                "```"
            )]
            pub fn try_send(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.io.try_io(crate::io::Interest::WRITABLE, |s| s.send(buf))
            }

            #[doc = concat!(
                "Receives one datagram from the connected peer into `buf`'s spare \
                 capacity, and advances `buf` past it; returns its length (cut to the \
                 spare capacity: a `Vec` or `BytesMut` with none grows a little first, \
                 so reserve what the largest datagram needs).\n\n",
                "Cancel-safe: a datagram is taken only when the future completes.\n\n",
                "```\n",
                $setup,
                "b.send(b\"into\").await.unwrap();\n",
                "let mut buf = Vec::with_capacity(1500);\n",
                "assert_eq!(a.recv_buf(&mut buf).await.unwrap(), 4);\n",
                "assert_eq!(buf, b\"into\");\n",
                "# });\n",
                "```"
            )]
            pub async fn recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> std::io::Result<usize> {
                std::future::poll_fn(|cx| {
                    self.io.poll_io(cx, crate::driver::io::Direction::Read, |s| {
                        crate::net::recv_buf(s, &mut *buf)
                    })
                })
                .await
            }

            #[doc = concat!(
                "[`recv_buf`](Self::recv_buf) without waiting: `WouldBlock` if no \
                 datagram is there yet.\n\n",
                "```\n",
                "use std::io;\n",
                $setup,
                "let mut buf = Vec::with_capacity(64);\n",
                "assert_eq!(a.try_recv_buf(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);\n",
                "# drop(b);\n",
                "# });\n",
                "```"
            )]
            pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> std::io::Result<usize> {
                self.io
                    .try_io(crate::io::Interest::READABLE, |s| crate::net::recv_buf(s, buf))
            }
        }
    };
}
