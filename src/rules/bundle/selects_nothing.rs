use crate::report::{Finding, Severity};
use crate::rules::Rule;

use super::facts::{Fact, same_namespace};

pub const RULE: Rule = Rule {
    id: "workload/selects-nothing",
    severity: Severity::Warning,
    summary: "a Service, NetworkPolicy or PodDisruptionBudget whose selector matches no pod template",
    docs: r#"# workload/selects-nothing

A Service, NetworkPolicy or PodDisruptionBudget selects pods by labels that no pod template
in the repository carries.

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

pub fn check(facts: &[Fact], out: &mut Vec<Finding>) {
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
        let matched = facts.iter().any(|f| match f {
            Fact::Pods {
                namespace: ns,
                labels,
                ..
            } => {
                same_namespace(namespace, ns)
                    && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
            }
            _ => false,
        });
        if !matched {
            let wanted: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let message = format!(
                "the {kind} selects `{}`, which no pod template in the repository carries",
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
