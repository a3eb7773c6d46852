use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};

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

/// One finding per object, at the first server-written field, naming them all: an exported
/// object is one mistake, however many fields show it.
fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let node = o.node();
    let mut fields: Vec<(&crate::yaml::Node, String)> = Vec::new();
    for field in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "generation",
        "managedFields",
        "selfLink",
    ] {
        if let Some((key, value)) = node.get("metadata").and_then(|m| m.entry(field)) {
            // `creationTimestamp: null` is what kubectl create --dry-run writes.
            if !value.is_null() {
                fields.push((key, format!("metadata.{field}")));
            }
        }
    }
    if let Some((key, value)) = node.entry("status")
        && !value.as_map().is_some_and(<[_]>::is_empty)
        && !value.is_null()
    {
        fields.push((key, "status".into()));
    }
    let Some((first, path)) = fields.first() else {
        return;
    };
    let names: Vec<String> = fields.iter().map(|(_, f)| format!("`{f}`")).collect();
    let list = match names.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => unreachable!("fields is not empty"),
    };
    let verb = if names.len() == 1 { "is" } else { "are" };
    out.push(report(
        &RULE,
        o,
        first,
        &format!("/{}", path.replace('.', "/")),
        format!("this object was exported from a cluster: {list} {verb} written by the API server"),
        "remove the server-written fields (`kubectl neat` does it)",
    ));
}
