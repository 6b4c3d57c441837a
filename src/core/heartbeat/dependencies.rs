//! Dependencies (issue 18, rule 5): a monitor may name the monitors it depends on
//! (`depends_on`, its parents, of the same project). While a parent is down, the child's
//! alerts are held (`core::alerting::hold::Hold::Parent`) and the parent's down alert lists
//! the dependent monitors that are down with it; a child still down when its parent recovers
//! alerts on its own then. Parents never form a cycle.

use serde_json::Value;

use crate::core::http_contract::validation::{parse_uuid, Checked, FieldError};

/// The most parents one monitor may name.
pub const MAX_PARENTS: usize = 10;
/// The most dependent monitors a parent's alert names (it counts them all).
pub const MAX_NAMED: usize = 20;

/// The `depends_on` field: a list of at most `MAX_PARENTS` monitor ids (canonical, no
/// repeats), or null (or an empty list) for none.
pub fn parse_depends_on(raw: &Value) -> Checked<Option<Vec<String>>> {
    let too_many = || {
        FieldError::new(
            "depends_on",
            format!("must be a list of at most {MAX_PARENTS} monitor ids, or null for none"),
        )
    };
    let items = match raw {
        Value::Null => return Ok(None),
        Value::Array(items) if items.len() <= MAX_PARENTS => items,
        _ => return Err(too_many()),
    };
    let mut ids: Vec<String> = Vec::new();
    for item in items {
        let id = item
            .as_str()
            .and_then(parse_uuid)
            .ok_or_else(|| FieldError::new("depends_on", "must be a list of monitor ids"))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok((!ids.is_empty()).then_some(ids))
}

/// Checks that `id` may depend on `parents`, given every other monitor's parents in the
/// project (`graph`: monitor id and its parents): not on itself, and no parent depends on
/// `id`, however far up.
pub fn check_parents(id: &str, parents: &[String], graph: &[(String, Vec<String>)]) -> Checked<()> {
    if parents.iter().any(|p| p == id) {
        return Err(FieldError::new("depends_on", "must not name the monitor itself"));
    }
    let parents_of = |m: &str| -> &[String] {
        graph
            .iter()
            .find(|(child, _)| child == m)
            .map_or(&[][..], |(_, ps)| ps.as_slice())
    };
    // Walk up from the new parents: reaching `id` closes a cycle.
    let mut seen: Vec<&str> = Vec::new();
    let mut stack: Vec<&str> = parents.iter().map(String::as_str).collect();
    while let Some(m) = stack.pop() {
        if m == id {
            return Err(FieldError::new(
                "depends_on",
                "would make a cycle: a parent already depends on this monitor",
            ));
        }
        if seen.contains(&m) {
            continue;
        }
        seen.push(m);
        stack.extend(parents_of(m).iter().map(String::as_str));
    }
    Ok(())
}

/// An order of `monitors` (each an id and its parents) in which every parent in the list
/// comes before its children: the sweep writes a parent's new status before it records its
/// children's flips, so children that go down with their parent are held. Otherwise the
/// order is kept.
pub fn parents_first(monitors: &[(&str, &[String])]) -> Vec<usize> {
    let mut placed = vec![false; monitors.len()];
    let mut order = Vec::with_capacity(monitors.len());
    fn place(i: usize, monitors: &[(&str, &[String])], placed: &mut Vec<bool>, order: &mut Vec<usize>) {
        if placed[i] {
            return;
        }
        // Parents form no cycle, but a graph read while one is edited might: marking a
        // monitor before its parents are placed ends any cycle at its second visit.
        placed[i] = true;
        for parent in monitors[i].1 {
            if let Some(j) = monitors.iter().position(|(id, _)| id == parent) {
                place(j, monitors, placed, order);
            }
        }
        order.push(i);
    }
    for i in 0..monitors.len() {
        place(i, monitors, &mut placed, &mut order);
    }
    order
}

/// The line a parent's down alert ends with: how many dependent monitors are down, and the
/// first `MAX_NAMED` names.
pub fn dependents_line(count: i64, names: &[String]) -> Option<String> {
    if count <= 0 {
        return None;
    }
    let shown: Vec<&str> = names.iter().take(MAX_NAMED).map(String::as_str).collect();
    let more = count - shown.len() as i64;
    let mut line = format!(
        "and {count} dependent monitor{} down",
        if count == 1 { "" } else { "s" }
    );
    if !shown.is_empty() {
        line.push_str(": ");
        line.push_str(&shown.join(", "));
        if more > 0 {
            line.push_str(&format!(" and {more} more"));
        }
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "00000000-0000-4000-8000-00000000000a";
    const B: &str = "00000000-0000-4000-8000-00000000000b";
    const C: &str = "00000000-0000-4000-8000-00000000000c";
    const D: &str = "00000000-0000-4000-8000-00000000000d";

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn depends_on_is_a_short_list_of_monitor_ids() {
        assert_eq!(
            parse_depends_on(&json!([A, B.to_uppercase(), A])),
            Ok(Some(ids(&[A, B]))),
            "canonical, without repeats"
        );
        assert_eq!(parse_depends_on(&json!(null)), Ok(None));
        assert_eq!(parse_depends_on(&json!([])), Ok(None));
        let ten: Vec<String> = (0..10)
            .map(|i| format!("00000000-0000-4000-8000-00000000000{i}"))
            .collect();
        assert_eq!(parse_depends_on(&json!(ten)).unwrap().unwrap().len(), 10);
        let eleven: Vec<String> = (0..11)
            .map(|i| format!("00000000-0000-4000-8000-0000000000{i:02}"))
            .collect();
        assert_eq!(
            parse_depends_on(&json!(eleven)).unwrap_err().message,
            "must be a list of at most 10 monitor ids, or null for none"
        );
        assert_eq!(
            parse_depends_on(&json!(A)).unwrap_err().message,
            "must be a list of at most 10 monitor ids, or null for none"
        );
        assert_eq!(
            parse_depends_on(&json!(["db"])).unwrap_err().message,
            "must be a list of monitor ids"
        );
        assert_eq!(parse_depends_on(&json!([1])).unwrap_err().field, "depends_on");
    }

    #[test]
    fn a_monitor_may_not_depend_on_itself() {
        assert_eq!(
            check_parents(A, &ids(&[B, A]), &[]).unwrap_err().message,
            "must not name the monitor itself"
        );
    }

    #[test]
    fn a_monitor_may_not_depend_on_its_own_descendants() {
        // C depends on B, B on A: A may not depend on C (nor on B).
        let graph = vec![(B.to_string(), ids(&[A])), (C.to_string(), ids(&[B]))];
        let cycle = "would make a cycle: a parent already depends on this monitor";
        assert_eq!(check_parents(A, &ids(&[C]), &graph).unwrap_err().message, cycle);
        assert_eq!(check_parents(A, &ids(&[D, B]), &graph).unwrap_err().message, cycle);
        assert_eq!(check_parents(C, &ids(&[A, D]), &graph), Ok(()), "a diamond is no cycle");
        assert_eq!(check_parents(D, &ids(&[C]), &graph), Ok(()));
        assert_eq!(check_parents(A, &[], &graph), Ok(()));
    }

    #[test]
    fn a_graph_that_already_loops_elsewhere_is_walked_to_its_end() {
        let graph = vec![(B.to_string(), ids(&[C])), (C.to_string(), ids(&[B]))];
        assert_eq!(check_parents(A, &ids(&[B]), &graph), Ok(()));
    }

    #[test]
    fn parents_come_before_their_children() {
        let (a, b, c) = (ids(&[]), ids(&[A]), ids(&[B]));
        let list: Vec<(&str, &[String])> = vec![(C, &c), (B, &b), (D, &a), (A, &a)];
        assert_eq!(parents_first(&list), [3, 1, 0, 2]);
        let none: Vec<(&str, &[String])> = vec![(A, &a), (D, &a)];
        assert_eq!(parents_first(&none), [0, 1], "the order is kept otherwise");
    }

    #[test]
    fn a_looping_graph_is_still_ordered_once_each() {
        let (b_parent, a_parent) = (ids(&[B]), ids(&[A]));
        let list: Vec<(&str, &[String])> = vec![(A, &b_parent), (B, &a_parent)];
        let mut order = parents_first(&list);
        order.sort();
        assert_eq!(order, [0, 1]);
    }

    #[test]
    fn the_parents_alert_counts_and_names_its_dependents() {
        assert_eq!(dependents_line(0, &[]), None);
        assert_eq!(
            dependents_line(1, &ids(&["api"])).as_deref(),
            Some("and 1 dependent monitor down: api")
        );
        assert_eq!(
            dependents_line(2, &ids(&["api", "web"])).as_deref(),
            Some("and 2 dependent monitors down: api, web")
        );
        let many: Vec<String> = (0..25).map(|i| format!("m{i}")).collect();
        let line = dependents_line(25, &many).unwrap();
        assert!(line.starts_with("and 25 dependent monitors down: m0, m1,"), "{line}");
        assert!(line.ends_with("m19 and 5 more"), "{line}");
        assert_eq!(
            dependents_line(14, &[]).as_deref(),
            Some("and 14 dependent monitors down")
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn id(i: usize) -> String {
            format!("00000000-0000-4000-8000-{i:012}")
        }

        proptest! {
            /// Adding only edges that `check_parents` accepts never makes a cycle, and the
            /// sweep's order puts every parent before its children.
            #[test]
            fn accepted_parents_never_make_a_cycle(edges in prop::collection::vec((0..8usize, 0..8usize), 0..30)) {
                let mut graph: Vec<(String, Vec<String>)> = (0..8).map(|i| (id(i), Vec::new())).collect();
                for (child, parent) in edges {
                    let mut parents = graph[child].1.clone();
                    parents.push(id(parent));
                    if check_parents(&id(child), &parents, &graph).is_ok() {
                        graph[child].1 = parents;
                    }
                }
                // No monitor reaches itself.
                for (start, _) in &graph {
                    prop_assert!(check_parents(start, &graph.iter().find(|(m, _)| m == start).unwrap().1, &graph).is_ok());
                }
                let list: Vec<(&str, &[String])> = graph.iter().map(|(m, ps)| (m.as_str(), ps.as_slice())).collect();
                let order = parents_first(&list);
                prop_assert_eq!(order.len(), graph.len());
                let position = |m: &str| order.iter().position(|&i| list[i].0 == m).unwrap();
                for (child, parents) in &graph {
                    for parent in parents {
                        prop_assert!(position(parent) < position(child));
                    }
                }
            }
        }
    }
}
