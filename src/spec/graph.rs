//! The dependency graph between deployables: sync waves and cycles.

use indexmap::IndexMap;

/// The sync wave of every node: its explicit wave if it has one, else 0 without
/// dependencies, else one more than the highest wave among its dependencies. Unknown
/// dependencies are ignored here (the spec checks report them, and an explicit wave that is
/// not after a dependency's). On a cycle, returns the cycle as a path that starts and ends
/// on the same node.
pub fn waves<'a>(
    deps: &IndexMap<&'a str, Vec<&'a str>>,
    explicit: &IndexMap<&'a str, i64>,
) -> Result<IndexMap<&'a str, i64>, Vec<&'a str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks: IndexMap<&str, Mark> = deps.keys().map(|k| (*k, Mark::New)).collect();
    let mut wave: IndexMap<&str, i64> = IndexMap::new();
    for &start in deps.keys() {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative depth-first search; the stack holds (node, next dependency index).
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        marks[start] = Mark::Active;
        while let Some((node, index)) = stack.last_mut() {
            let node = *node;
            let next = deps[node].get(*index).copied();
            *index += 1;
            match next {
                Some(dep) => match marks.get(dep).copied() {
                    None | Some(Mark::Done) => {}
                    Some(Mark::Active) => {
                        let from = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let mut cycle: Vec<&str> = stack[from..].iter().map(|(n, _)| *n).collect();
                        cycle.push(dep);
                        return Err(cycle);
                    }
                    Some(Mark::New) => {
                        marks[dep] = Mark::Active;
                        stack.push((dep, 0));
                    }
                },
                None => {
                    let level = explicit.get(node).copied().unwrap_or_else(|| {
                        deps[node]
                            .iter()
                            .filter_map(|d| wave.get(d))
                            .map(|w| w + 1)
                            .max()
                            .unwrap_or(0)
                    });
                    wave.insert(node, level);
                    marks[node] = Mark::Done;
                    stack.pop();
                }
            }
        }
    }
    // Report in the order the spec lists the nodes.
    Ok(deps.keys().map(|k| (*k, wave[k])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph<'a>(edges: &[(&'a str, &[&'a str])]) -> IndexMap<&'a str, Vec<&'a str>> {
        edges.iter().map(|(n, d)| (*n, d.to_vec())).collect()
    }

    #[test]
    fn levels_follow_longest_dependency_chain() {
        let g = graph(&[
            ("vault", &["cert-manager"]),
            ("cert-manager", &[]),
            ("app", &["vault", "cert-manager"]),
        ]);
        let w = waves(&g, &IndexMap::new()).unwrap();
        assert_eq!(w["cert-manager"], 0);
        assert_eq!(w["vault"], 1);
        assert_eq!(w["app"], 2);
        assert_eq!(
            w.keys().copied().collect::<Vec<_>>(),
            ["vault", "cert-manager", "app"]
        );
    }

    #[test]
    fn cycles_are_named() {
        let g = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"]), ("d", &[])]);
        assert_eq!(
            waves(&g, &IndexMap::new()).unwrap_err(),
            ["a", "b", "c", "a"]
        );
        let g = graph(&[("a", &["a"])]);
        assert_eq!(waves(&g, &IndexMap::new()).unwrap_err(), ["a", "a"]);
    }

    #[test]
    fn explicit_waves_are_kept_and_dependents_follow_them() {
        let g = graph(&[
            ("crds", &[]),
            ("operator", &["crds"]),
            ("app", &["operator"]),
        ]);
        let explicit: IndexMap<&str, i64> = [("crds", -5), ("app", 10)].into_iter().collect();
        let w = waves(&g, &explicit).unwrap();
        assert_eq!(w["crds"], -5);
        assert_eq!(w["operator"], -4);
        assert_eq!(w["app"], 10);
    }
}
