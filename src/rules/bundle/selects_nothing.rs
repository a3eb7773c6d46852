use crate::report::{Finding, Severity};
use crate::rules::Rule;

use std::collections::HashMap;

use super::facts::{Fact, Labels, same_namespace};

pub const RULE: Rule = Rule {
    id: "workload/selects-nothing",
    severity: Severity::Warning,
    summary: "a Service, NetworkPolicy or PodDisruptionBudget whose selector matches no pod template",
    docs: r#"# workload/selects-nothing

A Service, NetworkPolicy or PodDisruptionBudget selects pods by labels that no pod template
deployed with it carries: in the same kustomize build, or, for manifests no kustomization
includes, among those manifests.

## Why
A Service with no endpoints answers nothing, a NetworkPolicy that selects nothing protects
nothing, a PDB that selects nothing protects nothing during node drains; all silently.

## Bad
```yaml
kind: Service
spec:
  selector: {app: web}        # the Deployment's pods are labelled app: website
```

## Good
```yaml
kind: Service
spec:
  selector: {app: website}
```

## Fix
Align the selector with the pod template's labels. Objects whose pods come from elsewhere
(a Helm chart, an operator) can waive with `platc.io/ignore: workload/selects-nothing`.
"#,
    check: crate::rules::bundle::per_object,
};

/// A pod template's namespace and labels.
type PodRef<'a> = (&'a Option<String>, &'a Labels);

pub fn check<'a>(facts: impl Iterator<Item = &'a Fact> + Clone, out: &mut Vec<Finding>) {
    // Index pod templates by each of their labels: a selector then only looks at the pods
    // that carry its first label (a repository can hold thousands of both).
    let mut by_label: HashMap<(&str, &str), Vec<PodRef<'_>>> = HashMap::new();
    for f in facts.clone() {
        if let Fact::Pods {
            namespace, labels, ..
        } = f
        {
            for (k, v) in labels {
                by_label
                    .entry((k.as_str(), v.as_str()))
                    .or_default()
                    .push((namespace, labels));
            }
        }
    }
    for fact in facts {
        let Fact::Selector {
            namespace,
            kind,
            selector,
            place,
        } = fact
        else {
            continue;
        };
        let Some((k0, v0)) = selector.iter().next() else {
            continue;
        };
        let matched = by_label
            .get(&(k0.as_str(), v0.as_str()))
            .is_some_and(|pods| {
                pods.iter().any(|(ns, labels)| {
                    same_namespace(namespace, ns)
                        && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
                })
            });
        if !matched {
            let wanted: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let message = format!(
                "the {kind} selects `{}`, which no pod template deployed with it carries",
                wanted.join(",")
            );
            out.extend(place.finding(
                RULE.id,
                RULE.severity,
                message,
                "align the selector with the pod template's labels",
            ));
        }
    }
}
