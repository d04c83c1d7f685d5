//! [`yield_now`]: let the other tasks run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler once: the task goes to the back of its worker's
/// queue, so every task queued before it runs first (and an idle worker may
/// steal it, moving it to another thread).
///
/// ```
/// let rt = taskcell_executor::Builder::new_current_thread().build().unwrap();
/// let order = rt.block_on(async {
///     let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
///     let tasks: Vec<_> = ['a', 'b']
///         .into_iter()
///         .map(|name| {
///             let log = log.clone();
///             taskcell_executor::spawn(async move {
///                 for _ in 0..2 {
///                     log.lock().unwrap().push(name);
///                     taskcell_executor::yield_now().await;
///                 }
///             })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     let order = log.lock().unwrap().clone();
///     order
/// });
/// assert_eq!(order, ['a', 'b', 'a', 'b']);
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // A wake during the task's own poll sends it to the back of the
        // queue once the poll returns.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
