use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};
use crate::validate::ObjectRef;

pub const RULE: Rule = Rule {
    id: "hygiene/live-export",
    severity: Severity::Warning,
    summary: "an object exported from a live cluster (uid, resourceVersion, managedFields, status)",
    docs: r#"# hygiene/live-export

An object carries fields only the API server writes: `metadata.uid`, `resourceVersion`,
`creationTimestamp`, `generation`, `managedFields`, or a `status`.

## Why
It was copied from `kubectl get -o yaml`: the stale resourceVersion makes applies conflict,
the uid pins it to an object that no longer exists, and status is ignored noise.

## Bad
```yaml
metadata:
  name: web
  uid: 0f1e...
  resourceVersion: "123456"
status: {replicas: 2}
```

## Good
```yaml
metadata:
  name: web
```

## Fix
Delete the server-written fields (`kubectl neat` does it).
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let node = o.node();
    for field in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "generation",
        "managedFields",
        "selfLink",
    ] {
        if let Some((key, value)) = node.get("metadata").and_then(|m| m.entry(field)) {
            if value.is_null() {
                continue; // `creationTimestamp: null` is what kubectl create --dry-run writes
            }
            out.push(report(&RULE, o, key, &format!("/metadata/{field}"), format!("`metadata.{field}` is written by the API server: this object was exported from a cluster"), "remove the server-written fields"));
        }
    }
    if let Some((key, value)) = node.entry("status")
        && !value.as_map().is_some_and(<[_]>::is_empty)
        && !value.is_null()
    {
        out.push(report(
            &RULE,
            o,
            key,
            "/status",
            "`status` is written by the cluster: this object was exported from a cluster".into(),
            "remove `status`",
        ));
    }
}
