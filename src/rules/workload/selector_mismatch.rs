use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    id: "workload/selector-mismatch",
    severity: Severity::Error,
    summary: "a workload whose selector does not match its own pod template's labels",
    docs: r#"# workload/selector-mismatch

A Deployment, StatefulSet, DaemonSet or ReplicaSet has a `selector.matchLabels` that its pod
template's labels do not satisfy.

## Why
The API server rejects the object (`selector does not match template labels`): the sync
fails. A near-miss typo in a label is the usual cause.

## Bad
```yaml
selector: {matchLabels: {app: web}}
template:
  metadata: {labels: {app: website}}
```

## Good
```yaml
selector: {matchLabels: {app: web}}
template:
  metadata: {labels: {app: web}}
```

## Fix
Make the template carry every selector label (selectors are immutable: change the template).
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    if !matches!(
        o.object.kind(),
        Some("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
    ) {
        return;
    }
    let node = o.node();
    let Some(selector) = node
        .pointer("/spec/selector/matchLabels")
        .and_then(Node::as_map)
    else {
        return;
    };
    let labels = node.pointer("/spec/template/metadata/labels");
    for (k, v) in selector {
        let key = k.key_text().unwrap_or_default();
        let have = labels.and_then(|l| l.get(&key)).and_then(Node::as_str);
        if have != v.as_str() {
            let found = have.map_or("no such label".to_string(), |h| format!("`{h}`"));
            out.push(report(
                &RULE,
                o,
                k,
                &format!(
                    "/spec/selector/matchLabels/{}",
                    key.replace('~', "~0").replace('/', "~1")
                ),
                format!(
                    "the selector wants `{key}: {}`, the pod template has {found}",
                    v.as_str().unwrap_or("?")
                ),
                "give the pod template the selector's labels",
            ));
        }
    }
}
