use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    id: "argocd/head-revision",
    severity: Severity::Warning,
    summary: "a production Application that tracks `HEAD` of a git repository",
    docs: r#"# argocd/head-revision

An Application of a production environment deploys from git with `targetRevision: HEAD` (or
no `targetRevision`, which means the same): whatever lands on the default branch of that
repository goes to production at the next sync.

An Application counts as production when its name, destination, environment label
(`env`, `environment`, `platc.io/environment`) or file path has a `prod`, `production` or
`prd` part.

## Why
Tracking the default branch makes a merge a production deploy with no review step of its
own, and makes rolling back a matter of reverting commits. For a repository of someone
else's, it hands them your production.

## Bad
```yaml
metadata: {name: payments-prod}
spec:
  source: {repoURL: https://git.example.org/club/platform.git, path: apps/payments}
```

## Good
```yaml
metadata: {name: payments-prod}
spec:
  source: {repoURL: https://git.example.org/club/platform.git, path: apps/payments,
           targetRevision: release-2026.11}     # a branch or tag promoted on purpose
```

## Fix
Pin production to a release branch or tag (the platform spec's `repo.revision`), or waive
with `platc.io/ignore: argocd/head-revision` when tracking the branch is the intent.
"#,
    check,
};

const PRODUCTION: [&str; 3] = ["prod", "production", "prd"];

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let sources = super::sources(o);
    if sources.is_empty() || !is_production(o) {
        return;
    }
    for (source, at) in &sources {
        // Helm charts are judged by argocd/chart-version-pinned; `ref` sources only lend files.
        if source.get("chart").is_some() || source.get("path").is_none() {
            continue;
        }
        let revision = source.get("targetRevision");
        let tracks_head = match revision.and_then(Node::as_str) {
            None => revision.is_none_or(Node::is_null),
            Some(r) => r.is_empty() || r == "HEAD",
        };
        if tracks_head {
            out.push(report(
                &RULE,
                o,
                revision.unwrap_or(source),
                &format!("{at}/targetRevision"),
                format!(
                    "production deploys whatever is at HEAD of {}",
                    source
                        .get("repoURL")
                        .and_then(Node::as_str)
                        .unwrap_or("the repository")
                ),
                "pin targetRevision to a release branch or tag",
            ));
        }
    }
}

fn is_production(o: &ObjectRef<'_>) -> bool {
    let node = o.node();
    let labels = ["env", "environment", "platc.io/environment"]
        .iter()
        .filter_map(|l| {
            node.pointer("/metadata/labels")
                .and_then(|m| m.get(l))
                .and_then(Node::as_str)
        });
    let destination = ["name", "server", "namespace"].iter().filter_map(|f| {
        node.pointer("/spec/destination")
            .and_then(|d| d.get(f))
            .and_then(Node::as_str)
    });
    let file = o.object.file.as_ref();
    o.object
        .name()
        .into_iter()
        .chain(labels)
        .chain(destination)
        .chain(std::iter::once(file))
        .any(|text| {
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|part| PRODUCTION.contains(&part.to_ascii_lowercase().as_str()))
        })
}
