//! A byte stream's halves, borrowed (`split`) and owned (`into_split`),
//! written once for [`TcpStream`](crate::net::TcpStream) and
//! [`UnixStream`](crate::net::UnixStream) as the `stream_halves!` macro.
//!
//! Each half offers its direction of the stream's API (`AsyncRead` or
//! `AsyncWrite`, the readiness API, `peek` on TCP) and nothing of the other
//! direction. An owned write half shuts writing down when dropped, so the
//! peer reads EOF, unless it is given back to `reunite`.

/// Defines `split`, `into_split`, `ReadHalf`, `WriteHalf`, `OwnedReadHalf`,
/// `OwnedWriteHalf` and `ReuniteError` for `$stream` in the calling module.
/// `$setup` is a doc test's hidden preamble binding `a` and `b`, the two
/// ends of one connection; `$peek` is `true` for a stream with `peek`.
macro_rules! stream_halves {
    ($stream:ident, $setup:expr, peek: $($peek:ident)?) => {
        impl $stream {
            #[doc = concat!(
                "Borrows the stream as a read half and a write half, for one task that \
                 reads and writes at once.\n\n",
                "With futures' `AsyncReadExt` in scope (rather than this crate's `io`, \
                 which is tokio's), `stream.split()` finds that trait's `split(self)` \
                 first (method lookup tries the stream by value before `&mut`), which \
                 splits through a lock; call this one as `",
                stringify!($stream), "::split(&mut stream)` then.\n\n",
                "```\n",
                "use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};\n",
                $setup,
                "let (mut a, mut b) = (a, b);\n",
                "let (mut reader, mut writer) = a.split();\n",
                "writer.write_all(b\"x\").await.unwrap();\n",
                "b.write_all(b\"y\").await.unwrap();\n",
                "let mut byte = [0];\n",
                "reader.read_exact(&mut byte).await.unwrap();\n",
                "assert_eq!(&byte, b\"y\");\n",
                "# });\n",
                "```"
            )]
            pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
                (ReadHalf(self), WriteHalf(self))
            }

            #[doc = concat!(
                "Splits the stream into owned halves, for a reading task and a writing \
                 task. Dropping the write half shuts down writing; \
                 [`reunite`](OwnedReadHalf::reunite) joins the halves again.\n\n",
                "```\n",
                "use taskcell_executor::io::{AsyncReadExt, AsyncWriteExt};\n",
                $setup,
                "let mut b = b;\n",
                "let (mut reader, mut writer) = a.into_split();\n",
                "taskcell_executor::spawn(async move { writer.write_all(b\"bye\").await.unwrap() });\n",
                "let mut got = Vec::new();\n",
                "b.read_to_end(&mut got).await.unwrap(); // EOF: the write half was dropped\n",
                "assert_eq!(got, b\"bye\");\n",
                "b.write_all(b\"ok\").await.unwrap();\n",
                "let mut back = [0; 2];\n",
                "reader.read_exact(&mut back).await.unwrap(); // the read half still reads\n",
                "assert_eq!(&back, b\"ok\");\n",
                "# });\n",
                "```"
            )]
            pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
                let stream = std::sync::Arc::new(self);
                (
                    OwnedReadHalf(std::sync::Arc::clone(&stream)),
                    OwnedWriteHalf {
                        stream,
                        shutdown_on_drop: true,
                    },
                )
            }
        }

        #[doc = concat!(
            "The read half of a borrowed [`", stringify!($stream), "`]; see [`",
            stringify!($stream), "::split`]."
        )]
        #[derive(Debug)]
        pub struct ReadHalf<'a>(&'a $stream);

        #[doc = concat!(
            "The write half of a borrowed [`", stringify!($stream), "`]; see [`",
            stringify!($stream), "::split`]."
        )]
        #[derive(Debug)]
        pub struct WriteHalf<'a>(&'a $stream);

        #[doc = concat!(
            "The read half of a [`", stringify!($stream), "`]; see [`",
            stringify!($stream), "::into_split`]."
        )]
        #[derive(Debug)]
        pub struct OwnedReadHalf(std::sync::Arc<$stream>);

        #[doc = concat!(
            "The write half of a [`", stringify!($stream), "`]; see [`",
            stringify!($stream), "::into_split`]. Dropping it shuts down writing."
        )]
        #[derive(Debug)]
        pub struct OwnedWriteHalf {
            stream: std::sync::Arc<$stream>,
            /// False once the half is given back to `reunite`.
            shutdown_on_drop: bool,
        }

        impl Drop for OwnedWriteHalf {
            fn drop(&mut self) {
                if self.shutdown_on_drop {
                    // The peer sees EOF; an error means it is gone already.
                    let _ = self.stream.io.get_ref().shutdown(std::net::Shutdown::Write);
                }
            }
        }

        async_read!(ReadHalf<'_>, |s| s.0.io);
        async_write!(WriteHalf<'_>, |s| s.0.io);
        async_read!(OwnedReadHalf, |s| s.0.io);
        async_write!(OwnedWriteHalf, |s| s.stream.io);

        read_half_api!($stream, ReadHalf<'_>, |s| s.0, peek: $($peek)?);
        read_half_api!($stream, OwnedReadHalf, |s| s.0, peek: $($peek)?);
        write_half_api!($stream, WriteHalf<'_>, |s| s.0);
        write_half_api!($stream, OwnedWriteHalf, |s| s.stream);

        impl OwnedReadHalf {
            #[doc = concat!(
                "Joins this half and `other` back into the stream, if they are the two \
                 halves of one stream; otherwise gives both back in the error.\n\n",
                "```\n",
                $setup,
                "let (read, write) = a.into_split();\n",
                "let (other_read, other_write) = b.into_split();\n",
                "let err = read.reunite(other_write).unwrap_err();\n",
                "let a = err.0.reunite(write).unwrap();\n",
                "# drop((a, other_read, err.1));\n",
                "# });\n",
                "```"
            )]
            pub fn reunite(self, other: OwnedWriteHalf) -> Result<$stream, ReuniteError> {
                reunite(self, other)
            }
        }

        impl OwnedWriteHalf {
            /// Joins this half and `other` back into the stream; see
            /// [`OwnedReadHalf::reunite`].
            pub fn reunite(self, other: OwnedReadHalf) -> Result<$stream, ReuniteError> {
                reunite(other, self)
            }

            /// Drops this half without shutting down writing: the peer does
            /// not read EOF until the read half (the stream) goes, too.
            pub fn forget(mut self) {
                self.shutdown_on_drop = false;
            }
        }

        impl AsRef<$stream> for OwnedReadHalf {
            fn as_ref(&self) -> &$stream {
                &self.0
            }
        }

        impl AsRef<$stream> for OwnedWriteHalf {
            fn as_ref(&self) -> &$stream {
                &self.stream
            }
        }

        impl AsRef<$stream> for ReadHalf<'_> {
            fn as_ref(&self) -> &$stream {
                self.0
            }
        }

        impl AsRef<$stream> for WriteHalf<'_> {
            fn as_ref(&self) -> &$stream {
                self.0
            }
        }

        fn reunite(
            read: OwnedReadHalf,
            mut write: OwnedWriteHalf,
        ) -> Result<$stream, ReuniteError> {
            if !std::sync::Arc::ptr_eq(&read.0, &write.stream) {
                return Err(ReuniteError(read, write));
            }
            // The stream goes on whole: its writing is not shut down.
            write.shutdown_on_drop = false;
            drop(write);
            Ok(std::sync::Arc::try_unwrap(read.0)
                .unwrap_or_else(|_| unreachable!("the two halves hold the only references")))
        }

        /// The two halves given to `reunite`, which were not of one stream.
        #[derive(Debug)]
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("tried to reunite halves that are not from the same socket")
            }
        }

        impl std::error::Error for ReuniteError {}
    };
}

/// The stream methods a read half offers, through `$inner`.
macro_rules! read_half_api {
    ($stream:ident, $ty:ty, |$s:ident| $inner:expr, peek: $($peek:ident)?) => {
        impl $ty {
            #[doc = concat!("Waits for readiness; see [`", stringify!($stream), "::ready`].")]
            pub async fn ready(&self, interest: crate::io::Interest) -> std::io::Result<crate::io::Ready> {
                let $s = self;
                $inner.ready(interest).await
            }

            #[doc = concat!("Waits until readable; see [`", stringify!($stream), "::readable`].")]
            pub async fn readable(&self) -> std::io::Result<()> {
                let $s = self;
                $inner.readable().await
            }

            #[doc = concat!("Reads without waiting; see [`", stringify!($stream), "::try_read`].")]
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                let $s = self;
                $inner.try_read(buf)
            }

            #[doc = concat!(
                "Reads into several buffers without waiting; see [`",
                stringify!($stream), "::try_read_vectored`]."
            )]
            pub fn try_read_vectored(&self, bufs: &mut [std::io::IoSliceMut<'_>]) -> std::io::Result<usize> {
                let $s = self;
                $inner.try_read_vectored(bufs)
            }

            #[doc = concat!(
                "Waits for data and reads it into a growable buffer; see [`",
                stringify!($stream), "::read_buf`]."
            )]
            pub async fn read_buf<B: bytes::BufMut>(&mut self, buf: &mut B) -> std::io::Result<usize> {
                let $s = self;
                $inner.read_buf_shared(buf).await
            }

            #[doc = concat!(
                "Reads into a growable buffer without waiting; see [`",
                stringify!($stream), "::try_read_buf`]."
            )]
            pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> std::io::Result<usize> {
                let $s = self;
                $inner.try_read_buf(buf)
            }

            $(
                #[doc = concat!(
                    "Copies waiting data without taking it; see [`",
                    stringify!($stream), "::", stringify!($peek), "`]."
                )]
                pub async fn $peek(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                    let $s = self;
                    $inner.$peek(buf).await
                }

                #[doc = concat!(
                    "Polls to copy waiting data into tokio's `ReadBuf` without taking it; ",
                    "see [`", stringify!($stream), "::poll_peek`]."
                )]
                pub fn poll_peek(
                    &mut self,
                    cx: &mut std::task::Context<'_>,
                    buf: &mut tokio::io::ReadBuf<'_>,
                ) -> std::task::Poll<std::io::Result<usize>> {
                    let $s = &*self;
                    $inner.poll_peek(cx, buf)
                }
            )?

            /// This end's address.
            pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
                let $s = self;
                $inner.local_addr()
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> std::io::Result<SocketAddr> {
                let $s = self;
                $inner.peer_addr()
            }
        }
    };
}

/// The stream methods a write half offers, through `$inner`.
macro_rules! write_half_api {
    ($stream:ident, $ty:ty, |$s:ident| $inner:expr) => {
        impl $ty {
            #[doc = concat!("Waits for readiness; see [`", stringify!($stream), "::ready`].")]
            pub async fn ready(&self, interest: crate::io::Interest) -> std::io::Result<crate::io::Ready> {
                let $s = self;
                $inner.ready(interest).await
            }

            #[doc = concat!("Waits until writable; see [`", stringify!($stream), "::writable`].")]
            pub async fn writable(&self) -> std::io::Result<()> {
                let $s = self;
                $inner.writable().await
            }

            #[doc = concat!("Writes without waiting; see [`", stringify!($stream), "::try_write`].")]
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                let $s = self;
                $inner.try_write(buf)
            }

            #[doc = concat!(
                "Writes several buffers without waiting; see [`",
                stringify!($stream), "::try_write_vectored`]."
            )]
            pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                let $s = self;
                $inner.try_write_vectored(bufs)
            }

            /// This end's address.
            pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
                let $s = self;
                $inner.local_addr()
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> std::io::Result<SocketAddr> {
                let $s = self;
                $inner.peer_addr()
            }
        }
    };
}
