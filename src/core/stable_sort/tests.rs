use proptest::prelude::*;

use super::*;

#[test]
fn sorts_by_key_and_keeps_equal_elements_in_order() {
    let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
    sort_by_key(&mut items, |p| p.0);
    assert_eq!(items, vec![(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
}

#[test]
fn sorts_in_reverse_and_by_own_order() {
    let mut items = vec!["pear", "apple", "fig"];
    sort(&mut items);
    assert_eq!(items, vec!["apple", "fig", "pear"]);
    sort_by(&mut items, |a, b| b.cmp(a));
    assert_eq!(items, vec!["pear", "fig", "apple"]);
}

#[test]
fn empty_and_single_lists_stay_as_they_are() {
    let mut none: Vec<i64> = vec![];
    sort(&mut none);
    assert!(none.is_empty());
    let mut one = vec![String::from("x")];
    sort(&mut one);
    assert_eq!(one, vec!["x"]);
}

proptest! {
    /// The same order as the standard library's stable sort, equal keys included (the tag
    /// tells equal keys apart), on lists with many repeats.
    #[test]
    fn agrees_with_the_standard_stable_sort(keys in proptest::collection::vec(0u8..8, 0..200)) {
        let tagged: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
        let mut ours = tagged.clone();
        sort_by_key(&mut ours, |p| p.0);
        let mut std = tagged;
        std.sort_by_key(|p| p.0);
        prop_assert_eq!(ours, std);
    }

    /// Owned elements (which a wrong permutation would duplicate or drop) come out as the
    /// standard sort puts them.
    #[test]
    fn moves_owned_elements_without_loss(words in proptest::collection::vec("[a-c]{0,3}", 0..100)) {
        let mut ours = words.clone();
        sort(&mut ours);
        let mut std = words;
        std.sort();
        prop_assert_eq!(ours, std);
    }
}
