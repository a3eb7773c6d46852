use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};

pub const RULE: Rule = Rule {
    id: "argocd/sync-wave-integer",
    severity: Severity::Error,
    summary: "an argocd.argoproj.io/sync-wave annotation that is not an integer",
    docs: r#"# argocd/sync-wave-integer

The `argocd.argoproj.io/sync-wave` annotation is not a (quoted) integer.

## Why
Argo CD cannot order the object: it falls back to wave 0, so CRDs, operators and their
custom resources sync in the wrong order.

## Bad
```yaml
annotations:
  argocd.argoproj.io/sync-wave: "second"
```

## Good
```yaml
annotations:
  argocd.argoproj.io/sync-wave: "2"
```

## Fix
Write an integer, quoted (annotations are strings); negative waves are allowed.
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let Some(node) = o
        .node()
        .pointer("/metadata/annotations/argocd.argoproj.io~1sync-wave")
    else {
        return;
    };
    let text = node.as_str().map(str::trim);
    if text.is_none_or(|t| t.parse::<i64>().is_err()) {
        let shown = text.map_or_else(|| node.describe(), |t| format!("`{t}`"));
        out.push(report(
            &RULE,
            o,
            node,
            "/metadata/annotations/argocd.argoproj.io~1sync-wave",
            format!("the sync wave {shown} is not an integer"),
            "write a quoted integer, such as \"2\"",
        ));
    }
}
