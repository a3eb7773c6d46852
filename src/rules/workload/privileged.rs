use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, containers, pod_spec, report};
use crate::yaml::Value;

pub const RULE: Rule = Rule {
    id: "workload/privileged",
    severity: Severity::Warning,
    summary: "a privileged container, privilege escalation, or a container running as root",
    docs: r#"# workload/privileged

A container is privileged, explicitly allows privilege escalation, or runs as user 0.

## Why
A privileged container owns its node: one compromised pod becomes a compromised cluster.

## Bad
```yaml
securityContext:
  privileged: true
```

## Good
```yaml
securityContext:
  runAsNonRoot: true
  allowPrivilegeEscalation: false
```

## Fix
Drop the privilege. Node agents that need it (CNI, storage, eBPF) should say so with
`platc.io/ignore: workload/privileged` and a `platc.io/ignore-reason`.
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let Some((spec, base)) = pod_spec(o) else {
        return;
    };
    let pod_root = spec
        .pointer("/securityContext/runAsUser")
        .filter(|n| n.value == Value::Int(0));
    if let Some(node) = pod_root {
        out.push(report(
            &RULE,
            o,
            node,
            &format!("{base}/securityContext/runAsUser"),
            "the pod runs as root (runAsUser: 0)".into(),
            "run as a non-root user",
        ));
    }
    for (c, at, _) in containers(spec, base) {
        let name = c.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        let Some(sc) = c.get("securityContext") else {
            continue;
        };
        let checks = [
            ("privileged", Value::Bool(true), "is privileged"),
            (
                "allowPrivilegeEscalation",
                Value::Bool(true),
                "allows privilege escalation",
            ),
            ("runAsUser", Value::Int(0), "runs as root (runAsUser: 0)"),
            (
                "runAsNonRoot",
                Value::Bool(false),
                "may run as root (runAsNonRoot: false)",
            ),
        ];
        for (field, bad, what) in checks {
            if let Some(node) = sc.get(field).filter(|n| n.value == bad) {
                out.push(report(
                    &RULE,
                    o,
                    node,
                    &format!("{at}/securityContext/{field}"),
                    format!("the container `{name}` {what}"),
                    "drop the privilege, or waive with a reason",
                ));
            }
        }
    }
}
