use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    id: "argocd/values-without-ref",
    severity: Severity::Error,
    summary: "a `$values/...` value file with no source that has `ref: values`",
    docs: r#"# argocd/values-without-ref

A Helm source reads a value file from `$values/...`, but no source of the Application has
`ref: values`.

## Why
Argo CD cannot resolve the file: the Application fails to render ("$values not found").

## Bad
```yaml
sources:
  - {repoURL: https://charts.example.org, chart: web, targetRevision: 1.0.0,
     helm: {valueFiles: [$values/apps/web/values.yaml]}}
```

## Good
```yaml
sources:
  - {repoURL: https://charts.example.org, chart: web, targetRevision: 1.0.0,
     helm: {valueFiles: [$values/apps/web/values.yaml]}}
  - {repoURL: https://git.example.org/platform.git, targetRevision: main, ref: values}
```

## Fix
Add the repository that holds the values as a source with `ref: values` (platc build does).
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let sources = super::sources(o);
    let refs: Vec<&str> = sources
        .iter()
        .filter_map(|(s, _)| s.get("ref").and_then(Node::as_str))
        .collect();
    for (source, at) in &sources {
        for (i, f, file) in super::value_files(source) {
            let Some(name) = file.strip_prefix('$').and_then(|r| r.split('/').next()) else {
                continue;
            };
            if !refs.contains(&name) {
                out.push(report(
                    &RULE,
                    o,
                    f,
                    &format!("{at}/helm/valueFiles/{i}"),
                    format!("`{file}` refers to `${name}`, but no source has `ref: {name}`"),
                    "add the values repository as a source with that ref",
                ));
            }
        }
    }
}
