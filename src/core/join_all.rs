//! Awaits many futures at once and answers their outputs in order: the sweep's calls to
//! shards and objects, a page's calls to its token objects, a flip's deliveries.
//!
//! `futures_util::future::join_all` does the same, but for more than 30 futures it switches to
//! `FuturesOrdered`, a task queue with its own wakers, which the wasm then carries once for
//! each future type it is used with. Here every pending future is polled again on each wake:
//! at the sizes this worker joins (at most a few hundred calls, each waiting on I/O) that costs
//! nothing worth a queue.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The futures of `futures`, run together: their outputs in the order given.
pub fn join_all<I>(futures: I) -> JoinAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let pending: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let outputs = pending.iter().map(|_| None).collect();
    JoinAll { pending, outputs }
}

/// The future `join_all` answers.
pub struct JoinAll<F: Future> {
    /// Each future until it is ready.
    pending: Vec<Option<Pin<Box<F>>>>,
    /// Each output once it is.
    outputs: Vec<Option<F::Output>>,
}

// Nothing in it is ever pinned in place: the futures are pinned in their boxes, and an output
// is only moved out.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut waiting = false;
        for (slot, output) in this.pending.iter_mut().zip(this.outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            return Poll::Pending;
        }
        Poll::Ready(this.outputs.iter_mut().filter_map(Option::take).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::task::Waker;

    /// Ready after being polled `polls` times, answering `value`.
    struct After {
        polls: Rc<Cell<u32>>,
        left: u32,
        value: u32,
    }

    impl Future for After {
        type Output = u32;
        fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
            self.polls.set(self.polls.get() + 1);
            if self.left == 0 {
                return Poll::Ready(self.value);
            }
            self.left -= 1;
            Poll::Pending
        }
    }

    #[test]
    fn outputs_come_in_the_order_given_and_a_ready_future_is_not_polled_again() {
        let polls = Rc::new(Cell::new(0));
        let futures: Vec<After> = (0..40)
            .map(|i| After {
                polls: polls.clone(),
                left: (40 - i) % 3,
                value: i,
            })
            .collect();
        let mut joined = join_all(futures);
        let mut cx = Context::from_waker(Waker::noop());
        let mut rounds = 0;
        let out = loop {
            rounds += 1;
            if let Poll::Ready(out) = Pin::new(&mut joined).poll(&mut cx) {
                break out;
            }
        };
        assert_eq!(out, (0..40).collect::<Vec<_>>());
        assert_eq!(rounds, 3, "the slowest needs three polls");
        // Each future is polled until it is ready and no more: 1, 2 or 3 times.
        let expected: u32 = (0..40).map(|i| (40 - i) % 3 + 1).sum();
        assert_eq!(polls.get(), expected);
    }

    #[test]
    fn nothing_to_join_is_ready_at_once() {
        let mut joined = join_all(Vec::<After>::new());
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(Pin::new(&mut joined).poll(&mut cx), Poll::Ready(Vec::new()));
    }
}
