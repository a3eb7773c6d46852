use std::collections::HashMap;

use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, containers, pod_spec, report};
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    id: "workload/duplicate-env",
    severity: Severity::Error,
    summary: "an environment variable given twice in one container",
    docs: r#"# workload/duplicate-env

A container lists the same environment variable name twice.

## Why
Only the last one takes effect, silently; patches and merges then change which one wins.

## Bad
```yaml
env:
  - {name: LOG_LEVEL, value: info}
  - {name: LOG_LEVEL, value: debug}
```

## Good
```yaml
env:
  - {name: LOG_LEVEL, value: debug}
```

## Fix
Keep one entry. Waive with `platc.io/ignore: workload/duplicate-env`.
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let Some((spec, base)) = pod_spec(o) else {
        return;
    };
    for (c, at, _) in containers(spec, base) {
        let mut seen: HashMap<&str, &Node> = HashMap::new();
        for (i, e) in c
            .get("env")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let Some(name_node) = e.get("name") else {
                continue;
            };
            let Some(name) = name_node.as_str() else {
                continue;
            };
            if let Some(first) = seen.insert(name, name_node) {
                let f = report(
                    &RULE,
                    o,
                    name_node,
                    &format!("{at}/env/{i}/name"),
                    format!("`{name}` is set twice; only the last one counts"),
                    "remove one of them",
                )
                .with_related(&*o.object.file, first.span.start, "first set here");
                out.push(f);
            }
        }
    }
}
