use crate::report::{Finding, Severity};
use crate::rules::Rule;

use super::facts::{Fact, same_namespace};

pub const RULE: Rule = Rule {
    id: "workload/hpa-target",
    severity: Severity::Warning,
    summary: "a HorizontalPodAutoscaler whose target workload is not in the repository",
    docs: r#"# workload/hpa-target

A HorizontalPodAutoscaler scales a workload that no object in the repository defines.

## Why
The HPA does nothing (and reports `FailedGetScale`): usually a renamed Deployment.

## Bad
```yaml
kind: HorizontalPodAutoscaler
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-old}
```

## Good
```yaml
kind: HorizontalPodAutoscaler
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
```

## Fix
Point `scaleTargetRef` at the workload's current name, or remove the HPA. Targets deployed
by a Helm chart can waive with `platc.io/ignore: workload/hpa-target`.
"#,
    check: crate::rules::bundle::per_object,
};

pub fn check(facts: &[Fact], out: &mut Vec<Finding>) {
    for fact in facts {
        let Fact::ScaleTarget {
            namespace,
            kind,
            name,
            place,
        } = fact
        else {
            continue;
        };
        let found = facts.iter().any(|f| matches!(f, Fact::Pods { namespace: ns, kind: k, name: n, .. } if k == kind && n == name && same_namespace(namespace, ns)));
        if !found {
            out.extend(place.finding(
                RULE.id,
                RULE.severity,
                format!("the target {kind} `{name}` is not in the repository"),
                "point scaleTargetRef at an existing workload",
            ));
        }
    }
}
