use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, containers, pod_spec, report};
use crate::validate::ObjectRef;

pub const RULE: Rule = Rule {
    id: "workload/probes",
    severity: Severity::Warning,
    summary: "a long-running container without a readiness or liveness probe",
    docs: r#"# workload/probes

A container of a Deployment, StatefulSet or DaemonSet has no readiness or no liveness probe.

## Why
Without a readiness probe, traffic reaches pods before they can serve and rollouts report
success for broken versions; without a liveness probe, a hung process is never restarted.

## Bad
```yaml
containers:
  - name: web
    image: ghcr.io/club/site:1.0.0
```

## Good
```yaml
containers:
  - name: web
    image: ghcr.io/club/site:1.0.0
    readinessProbe: {httpGet: {path: /ready, port: http}}
    livenessProbe: {httpGet: {path: /live, port: http}}
```

## Fix
Add both probes (Jobs and init containers are not checked). Waive with
`platc.io/ignore: workload/probes`.
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    if !matches!(
        o.object.kind(),
        Some("Deployment" | "StatefulSet" | "DaemonSet")
    ) {
        return;
    }
    let Some((spec, base)) = pod_spec(o) else {
        return;
    };
    for (c, at, init) in containers(spec, base) {
        if init {
            continue;
        }
        let name = c.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        let anchor = c.get("name").unwrap_or(c);
        for probe in ["readinessProbe", "livenessProbe"] {
            if c.get(probe).is_none() {
                out.push(report(
                    &RULE,
                    o,
                    anchor,
                    &at,
                    format!("the container `{name}` has no {probe}"),
                    "add a probe that fails when the process cannot serve",
                ));
            }
        }
    }
}
