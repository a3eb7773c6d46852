use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, containers, pod_spec, report};

pub const RULE: Rule = Rule {
    id: "workload/probes",
    severity: Severity::Warning,
    summary: "a long-running container without a readiness or liveness probe",
    docs: r#"# workload/probes

A container of a Deployment, StatefulSet or DaemonSet has no readiness or no liveness probe.
One finding per container names every probe it lacks.

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
        // Both are asked of every container, even one that declares no port: a Service
        // reaches undeclared ports too (a numeric `targetPort`), and this rule sees no
        // Service.
        let missing: Vec<&str> = ["readinessProbe", "livenessProbe"]
            .into_iter()
            .filter(|probe| c.get(probe).is_none())
            .collect();
        // One finding per container, naming all it lacks.
        if !missing.is_empty() {
            out.push(report(
                &RULE,
                o,
                anchor,
                &at,
                format!("the container `{name}` has no {}", missing.join(" and no ")),
                "add a probe that fails when the process cannot serve (or is hung)",
            ));
        }
    }
}
