//! tokio's, hyper's and (feature `futures-io`) `futures-io`'s traits for
//! the byte streams, written once.

/// Implements `AsyncRead` and `AsyncWrite` for `$ty` reaching its
/// `PollEvented` through `|$s| $io`.
macro_rules! stream_io {
    ($ty:ty, |$s:ident| $io:expr) => {
        async_read!($ty, |$s| $io);
        async_write!($ty, |$s| $io);
    };
}

/// Implements `AsyncRead` for `$ty` reaching its `PollEvented` through
/// `|$s| $io`.
macro_rules! async_read {
    ($ty:ty, |$s:ident| $io:expr) => {
        #[cfg(feature = "futures-io")]
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = &*self;
                $io.poll_read(cx, buf)
            }
        }

        /// tokio's `AsyncRead`: reads go straight into
        /// the unfilled part of the `ReadBuf`, uninitialised or not.
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $s = &*self;
                $crate::net::stream::poll_read_tokio(&$io, cx, buf)
            }
        }
    };
}

/// Implements `AsyncWrite` for `$ty` reaching its `PollEvented` through
/// `|$s| $io`, with `poll_close` shutting down the write half (the peer
/// reads EOF; a peer already gone is not an error, see `write_shut`).
macro_rules! async_write {
    ($ty:ty, |$s:ident| $io:expr) => {
        impl $crate::io::RawWrite for $ty {
            fn raw_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = &*self;
                $io.poll_write(cx, buf)
            }

            fn raw_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = &*self;
                $io.poll_write_vectored(cx, bufs)
            }

            fn raw_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // Writes go straight to the socket: nothing is buffered.
                std::task::Poll::Ready(Ok(()))
            }

            fn raw_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $s = &*self;
                std::task::Poll::Ready($crate::net::write_shut(
                    $io.get_ref().shutdown(std::net::Shutdown::Write),
                ))
            }
        }

        // tokio's `AsyncWrite`, and futures-io's with its feature.
        async_write_through_raw!($ty);
    };
}

/// A stream's read into tokio's `ReadBuf`, uninitialised memory included:
/// socket2's `recv` writes into it and never reads it, so nothing is
/// zeroed first (see `net::recv_into_read_buf`).
#[cfg(unix)]
pub(crate) fn poll_read_tokio<E>(
    io: &crate::driver::io::PollEvented<E>,
    cx: &mut std::task::Context<'_>,
    buf: &mut tokio::io::ReadBuf<'_>,
) -> std::task::Poll<std::io::Result<()>>
where
    E: mio::event::Source + std::os::fd::AsFd,
{
    let len = buf.remaining();
    std::task::ready!(io.poll_read_io(cx, len, |socket| {
        crate::net::recv_into_read_buf(&mut *buf, |spare| {
            socket2::SockRef::from(socket).recv(spare).map(|n| (n, n))
        })
    }))?;
    std::task::Poll::Ready(Ok(()))
}

/// Implements hyper's `Read` and `Write` for `$ty` (which implements
/// `AsyncWrite`) reaching its `PollEvented` through `|$s| $io`: reads go
/// into hyper's uninitialised buffer, writes are those of `AsyncWrite`,
/// vectored.
#[cfg(feature = "hyper")]
macro_rules! hyper_io {
    ($ty:ty, |$s:ident| $io:expr) => {
        impl hyper::rt::Read for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: hyper::rt::ReadBufCursor<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $s = &*self;
                $crate::hyper::poll_read_uninit($io, cx, buf)
            }
        }

        // hyper's `Write`.
        write_through_raw!(hyper::rt::Write, poll_shutdown, $ty, is_write_vectored);
    };
}

/// A stream's read into tokio's `ReadBuf`, zeroed first (platforms without
/// a descriptor to hand to socket2's `recv`).
#[cfg(not(unix))]
pub(crate) fn poll_read_tokio<E>(
    io: &crate::driver::io::PollEvented<E>,
    cx: &mut std::task::Context<'_>,
    buf: &mut tokio::io::ReadBuf<'_>,
) -> std::task::Poll<std::io::Result<()>>
where
    E: mio::event::Source,
    for<'a> &'a E: std::io::Read + std::io::Write,
{
    let n = std::task::ready!(io.poll_read(cx, buf.initialize_unfilled()))?;
    buf.advance(n);
    std::task::Poll::Ready(Ok(()))
}
