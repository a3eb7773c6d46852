use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    id: "argocd/chart-version-pinned",
    severity: Severity::Error,
    summary: "a Helm chart source whose targetRevision is not an exact version",
    docs: r#"# argocd/chart-version-pinned

An Application's Helm chart source has a `targetRevision` that is not an exact version: `*`,
a range (`^1.2`, `~1.2`, `>=1.0`, `1.x`), `latest`, or nothing.

## Why
The chart upgrades itself whenever upstream publishes: a new major version can arrive on a
Friday night with no commit to revert.

## Bad
```yaml
source: {repoURL: https://charts.jetstack.io, chart: cert-manager, targetRevision: "^1.16"}
```

## Good
```yaml
source: {repoURL: https://charts.jetstack.io, chart: cert-manager, targetRevision: v1.16.2}
```

## Fix
Pin the exact version and upgrade it in a pull request.
"#,
    check,
};

/// Whether a chart version names one release (not a range, a wildcard or `latest`); the
/// spec checks share it.
pub fn is_exact(version: &str) -> bool {
    let v = version.trim();
    !v.is_empty()
        && v != "latest"
        && !v.contains(['*', '^', '~', '>', '<', '=', ' ', '|'])
        && !v.split('.').any(|p| p == "x" || p == "X")
}

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    for (source, at) in super::sources(o) {
        let Some(chart) = source.get("chart").and_then(Node::as_str) else {
            continue;
        };
        match source.get("targetRevision") {
            None => out.push(report(
                &RULE,
                o,
                source,
                &at,
                format!("the chart `{chart}` has no targetRevision (the newest version is used)"),
                "pin the exact chart version",
            )),
            Some(node) => {
                let version = node
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| node.to_json().to_string());
                if !is_exact(&version) {
                    out.push(report(
                        &RULE,
                        o,
                        node,
                        &format!("{at}/targetRevision"),
                        format!("the chart `{chart}` is not pinned: `{version}`"),
                        "pin the exact chart version",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn exact_versions() {
        for v in ["1.2.3", "v1.16.2", "0.21.1", "1.3.0-rc.1"] {
            assert!(super::is_exact(v), "{v}");
        }
        for v in ["*", "^1.2", "~1.2", ">=1.0", "1.x", "latest", ""] {
            assert!(!super::is_exact(v), "{v}");
        }
    }
}
