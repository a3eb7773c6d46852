use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, containers, pod_spec, report};

pub const RULE: Rule = Rule {
    id: "workload/resources",
    severity: Severity::Warning,
    summary: "a container without resource requests or a memory limit",
    docs: r#"# workload/resources

A container sets no resource requests, or no memory limit (one finding per container names
both when both are missing).

## Why
Without requests the scheduler packs pods blindly and they are the first evicted; without
a memory limit one leaking pod can take a node down with everything on it.

## Bad
```yaml
containers:
  - name: web
    image: nginx:1.27
```

## Good
```yaml
containers:
  - name: web
    image: nginx:1.27
    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {memory: 256Mi}
```

## Fix
Set `resources.requests` (cpu and memory) and `resources.limits.memory`. Waive with
`platc.io/ignore: workload/resources`.
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let Some((spec, base)) = pod_spec(o) else {
        return;
    };
    for (c, at, _) in containers(spec, base) {
        let name = c.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        let anchor = c.get("name").unwrap_or(c);
        let resources = c.get("resources");
        let requests = resources.and_then(|r| r.get("requests")).is_some();
        let limit = resources
            .and_then(|r| r.pointer("/limits/memory"))
            .is_some();
        // One finding per container, naming all it lacks.
        let (missing, help) = match (requests, limit) {
            (true, true) => continue,
            (false, true) => (
                "resource requests",
                "set resources.requests.cpu and .memory",
            ),
            (true, false) => ("memory limit", "set resources.limits.memory"),
            (false, false) => (
                "resource requests and no memory limit",
                "set resources.requests.cpu and .memory, and resources.limits.memory",
            ),
        };
        out.push(report(
            &RULE,
            o,
            anchor,
            &at,
            format!("the container `{name}` has no {missing}"),
            help,
        ));
    }
}
