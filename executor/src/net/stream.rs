//! The `futures-io` (and hyper) traits for the byte streams, written once.

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
    };
}

/// Implements `AsyncWrite` for `$ty` reaching its `PollEvented` through
/// `|$s| $io`, with `poll_close` shutting down the write half (the peer
/// reads EOF; a peer already gone is not an error, see `write_shut`).
macro_rules! async_write {
    ($ty:ty, |$s:ident| $io:expr) => {
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = &*self;
                $io.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = &*self;
                $io.poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // Writes go straight to the socket: nothing is buffered.
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $s = &*self;
                std::task::Poll::Ready($crate::net::write_shut(
                    $io.get_ref().shutdown(std::net::Shutdown::Write),
                ))
            }
        }
    };
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

        /// The same calls as its `AsyncWrite`, under hyper's names.
        impl hyper::rt::Write for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                futures_io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                futures_io::AsyncWrite::poll_close(self, cx)
            }
        }
    };
}
