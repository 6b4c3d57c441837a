//! A stable sort whose sorting code the wasm carries once: the monitor list's ids, the ping
//! log's pings and hours, the statuses' signals, a shard's overdue deadlines, the daily digest.
//!
//! `slice::sort_by` is instantiated for each element type and comparator, a few KB of wasm
//! each (about 38 KB for the eight sorts here, docs/wasm-size.md). Here the sort runs once, over
//! the positions, comparing the elements through a `&dyn Fn`; what is left for each element type
//! is putting the elements in the order found. The order is the one `sort_by` gives: equal
//! elements keep their order.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, stably.
pub fn sort_by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    let order = sorted_positions(items.len(), &|a, b| compare(&items[a], &items[b]));
    put_in_order(items, order);
}

/// Sorts `items` by the key `key` gives, stably.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` in their own order, stably.
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// The positions `0..len` in the order `compare` gives their elements.
fn sorted_positions(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves the element at `order[i]` to `i`, for every `i`, by swaps in place.
///
/// Before step `i`, positions below `i` hold their final elements, and each swap at step `k`
/// sent the element it displaced to the position `order[k]` had. So the element first at
/// `order[i]`, if that position is below `i`, is found by following `order` until a position
/// not below `i`.
fn put_in_order<T>(items: &mut [T], order: Vec<usize>) {
    for i in 0..order.len() {
        let mut from = order[i];
        while from < i {
            from = order[from];
        }
        items.swap(i, from);
    }
}

#[cfg(test)]
mod tests;
