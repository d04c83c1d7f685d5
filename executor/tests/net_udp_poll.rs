//! `UdpSocket`'s `poll_` family, driven through `std::future::poll_fn`:
//! `poll_send`, `poll_send_to`, `poll_peek_sender` and the readiness polls
//! deliver and report what the async forms do; a `poll_` call on an empty
//! socket registers the caller's waker, so the task wakes when a datagram
//! arrives; the peeks (`peek`, `try_peek`, `poll_peek_sender`) leave the
//! datagram for the next receive. `poll_recv`,
//! `poll_recv_from`, `poll_peek` and `poll_peek_from` fill tokio's
//! `ReadBuf` after what it holds, from uninitialised memory without
//! zeroing it, cut to its room. A socket that outlives its runtime fails
//! its polls with an error.
#![cfg(not(miri))]

mod common;
mod io_common;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use taskcell_executor::net::UdpSocket;
use taskcell_executor::spawn;
use taskcell_executor::time::{sleep, timeout};

const LIMIT: Duration = Duration::from_secs(10);

/// Two loopback sockets connected to each other.
async fn pair() -> (UdpSocket, UdpSocket) {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.connect(b.local_addr().unwrap()).await.unwrap();
    b.connect(a.local_addr().unwrap()).await.unwrap();
    (a, b)
}

#[test]
fn poll_send_and_poll_send_to_deliver_datagrams() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = pair().await;
            let loner = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();
            assert_eq!(
                poll_fn(|cx| a.poll_send(cx, b"connected")).await.unwrap(),
                9
            );
            let to = loner.local_addr().unwrap();
            assert_eq!(
                poll_fn(|cx| b.poll_send_to(cx, b"addressed", to))
                    .await
                    .unwrap(),
                9
            );

            let mut buf = [0u8; 16];
            let n = timeout(LIMIT, b.recv(&mut buf)).await.unwrap().unwrap();
            assert_eq!(&buf[..n], b"connected");
            let (n, from) = timeout(LIMIT, loner.recv_from(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (&buf[..n], from),
                (&b"addressed"[..], b.local_addr().unwrap())
            );
        });
    });
}

#[test]
fn the_peeks_leave_the_datagram_for_the_next_receive() {
    common::guarded(|| {
        io_common::rt_all(2).block_on(async {
            let (a, b) = pair().await;
            let mut buf = [0u8; 16];
            assert_eq!(
                a.try_peek(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert_eq!(
                a.try_peek_sender().unwrap_err().kind(),
                ErrorKind::WouldBlock
            );

            b.send(b"stays").await.unwrap();
            let from = timeout(LIMIT, poll_fn(|cx| a.poll_peek_sender(cx)))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(from, b.local_addr().unwrap());
            assert_eq!(a.peek_sender().await.unwrap(), from);
            assert_eq!(a.try_peek_sender().unwrap(), from);
            assert_eq!(a.peek(&mut buf).await.unwrap(), 5);
            assert_eq!(&buf[..5], b"stays");
            buf = [0; 16];
            assert_eq!(a.try_peek(&mut buf).unwrap(), 5);
            assert_eq!(&buf[..5], b"stays");

            // All of that left it in place, once.
            buf = [0; 16];
            assert_eq!(a.recv(&mut buf).await.unwrap(), 5);
            assert_eq!(&buf[..5], b"stays");
            assert_eq!(
                a.try_recv(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
        });
    });
}

#[test]
fn a_pending_poll_wakes_its_task_when_a_datagram_arrives() {
    common::guarded(|| {
        for rt in [io_common::rt_all(2), io_common::current_thread_all()] {
            rt.block_on(async {
                let (a, b) = pair().await;
                let a = Arc::new(a);
                let mut cx = Context::from_waker(Waker::noop());
                assert!(a.poll_recv_ready(&mut cx).is_pending());
                assert!(a.poll_peek_sender(&mut cx).is_pending());

                // Each waits in its own `poll_` method, and must be woken.
                let waiters = [
                    spawn({
                        let a = Arc::clone(&a);
                        async move { poll_fn(|cx| a.poll_recv_ready(cx)).await.map(|()| None) }
                    }),
                    spawn({
                        let a = Arc::clone(&a);
                        async move { poll_fn(|cx| a.poll_peek_sender(cx)).await.map(Some) }
                    }),
                ];
                sleep(Duration::from_millis(20)).await;
                assert!(
                    waiters.iter().all(|w| !w.is_finished()),
                    "ready before any datagram"
                );
                b.send(b"wake").await.unwrap();
                let sender = b.local_addr().unwrap();
                let [ready, peeked] = waiters;
                assert_eq!(
                    timeout(LIMIT, ready)
                        .await
                        .expect("never woken")
                        .unwrap()
                        .unwrap(),
                    None
                );
                assert_eq!(
                    timeout(LIMIT, peeked)
                        .await
                        .expect("never woken")
                        .unwrap()
                        .unwrap(),
                    Some(sender)
                );
            });
        }
    });
}

#[test]
fn polls_on_a_socket_that_outlived_its_runtime_fail() {
    common::guarded(|| {
        let rt = io_common::rt_all(2);
        let (a, b) = rt.block_on(pair());
        let to = b.local_addr().unwrap();
        drop(rt);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(matches!(a.poll_send(&mut cx, b"x"), Poll::Ready(Err(_))));
        assert!(matches!(
            a.poll_send_to(&mut cx, b"x", to),
            Poll::Ready(Err(_))
        ));
        assert!(matches!(a.poll_peek_sender(&mut cx), Poll::Ready(Err(_))));
        assert!(matches!(a.poll_recv_ready(&mut cx), Poll::Ready(Err(_))));
        assert!(matches!(a.poll_send_ready(&mut cx), Poll::Ready(Err(_))));
    });
}

mod read_buf {
    use super::*;
    use std::mem::MaybeUninit;
    use tokio::io::ReadBuf;

    /// `fut`'s output, or a failure naming the hang after [`LIMIT`].
    async fn within<T>(fut: impl std::future::Future<Output = std::io::Result<T>>) -> T {
        timeout(LIMIT, fut)
            .await
            .expect("a poll never completed")
            .unwrap()
    }

    #[test]
    fn the_polls_fill_a_read_buf_after_what_it_holds_without_zeroing() {
        common::guarded(|| {
            io_common::rt_all(2).block_on(async {
                let (a, b) = pair().await;
                let sender = b.local_addr().unwrap();
                let mut storage = [MaybeUninit::<u8>::uninit(); 64];
                let mut buf = ReadBuf::uninit(&mut storage);
                buf.put_slice(b">");

                b.send(b"first").await.unwrap();
                within(poll_fn(|cx| a.poll_peek(cx, &mut buf))).await;
                assert_eq!(buf.filled(), b">first");
                let from = within(poll_fn(|cx| a.poll_peek_from(cx, &mut buf))).await;
                assert_eq!((buf.filled(), from), (&b">firstfirst"[..], sender));
                within(poll_fn(|cx| a.poll_recv(cx, &mut buf))).await;
                assert_eq!(buf.filled(), b">firstfirstfirst");
                // Nothing past what was received was initialised (zeroed).
                assert_eq!(buf.initialized().len(), buf.filled().len());

                b.send(b"second").await.unwrap();
                let from = within(poll_fn(|cx| a.poll_recv_from(cx, &mut buf))).await;
                assert_eq!(
                    (buf.filled(), from),
                    (&b">firstfirstfirstsecond"[..], sender)
                );
                assert_eq!(buf.initialized().len(), buf.filled().len());

                // Both datagrams are taken: the socket is empty again.
                let mut cx = Context::from_waker(Waker::noop());
                assert!(a.poll_recv(&mut cx, &mut buf).is_pending());
                assert!(a.poll_peek(&mut cx, &mut buf).is_pending());
            });
        });
    }

    #[test]
    fn a_datagram_longer_than_the_room_left_is_cut_to_it() {
        common::guarded(|| {
            io_common::rt_all(2).block_on(async {
                let (a, b) = pair().await;
                b.send(b"0123456789").await.unwrap();
                b.send(b"next").await.unwrap();
                let mut storage = [0u8; 6];
                let mut buf = ReadBuf::new(&mut storage);
                buf.put_slice(b"..");
                within(poll_fn(|cx| a.poll_recv(cx, &mut buf))).await;
                assert_eq!(buf.filled(), b"..0123");
                // The rest of that datagram is gone; the next one is whole.
                let mut storage = [0u8; 8];
                let mut buf = ReadBuf::new(&mut storage);
                let from = within(poll_fn(|cx| a.poll_recv_from(cx, &mut buf))).await;
                assert_eq!(
                    (buf.filled(), from),
                    (&b"next"[..], b.local_addr().unwrap())
                );
            });
        });
    }
}
