use crate::report::{Finding, Severity};
use crate::rules::Rule;

use std::collections::HashMap;

use super::facts::{Fact, same_namespace};

pub const RULE: Rule = Rule {
    id: "workload/hpa-target",
    severity: Severity::Warning,
    summary: "a HorizontalPodAutoscaler whose target workload is not deployed with it",
    docs: r#"# workload/hpa-target

A HorizontalPodAutoscaler scales a workload that is not deployed with it (in the same
kustomize build, or among the manifests no kustomization includes).

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

pub fn check<'a>(facts: impl Iterator<Item = &'a Fact> + Clone, out: &mut Vec<Finding>) {
    let mut workloads: HashMap<(&str, &str), Vec<&Option<String>>> = HashMap::new();
    for f in facts.clone() {
        if let Fact::Pods {
            namespace,
            kind,
            name,
            ..
        } = f
        {
            workloads
                .entry((kind.as_str(), name.as_str()))
                .or_default()
                .push(namespace);
        }
    }
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
        let found = workloads
            .get(&(kind.as_str(), name.as_str()))
            .is_some_and(|nss| nss.iter().any(|ns| same_namespace(namespace, ns)));
        if !found {
            out.extend(place.finding(
                RULE.id,
                RULE.severity,
                format!("the target {kind} `{name}` is not deployed with it"),
                "point scaleTargetRef at an existing workload",
            ));
        }
    }
}
