use crate::kustomize::Kustomizations;
use crate::report::{Finding, Severity};
use crate::rules::Rule;

pub const RULE: Rule = Rule {
    id: "kustomize/invalid",
    severity: Severity::Error,
    summary: "a kustomization field kustomize does not know, or of the wrong type",
    docs: r#"# kustomize/invalid

A kustomization has a field kustomize does not know (`resource:`, `patchesStrategicMerges:`),
or a known field of the wrong type (`resources: web.yaml` instead of a list).

## Why
kustomize refuses the whole file ("json: unknown field", "cannot unmarshal string into Go
struct field") without a line number, and Argo CD shows that message only after the merge.

## Bad
```yaml
resource:                 # resources
  - deployment.yaml
namespace: [web]          # a string
```

## Good
```yaml
resources:
  - deployment.yaml
namespace: web
```

## Fix
Correct the field name (platc suggests the closest one) or its type.
"#,
    check: crate::rules::bundle::per_object,
};

/// Every kustomization's unknown fields and fields of the wrong shape.
pub fn check(kustomizations: &Kustomizations, out: &mut Vec<Finding>) {
    for k in &kustomizations.all {
        if k.doc.as_map().is_none() {
            out.push(
                Finding::new(
                    RULE.id,
                    RULE.severity,
                    format!(
                        "a kustomization is a mapping of fields, this is {}",
                        k.doc.describe()
                    ),
                )
                .at_span(k.file.clone(), Some(k.doc.span))
                .with_help("write `resources:`, `patches:`... at the top level"),
            );
            continue;
        }
        for (node, message, help) in crate::kustomize::fields::problems(&k.doc) {
            out.push(
                Finding::new(RULE.id, RULE.severity, message)
                    .at_span(k.file.clone(), Some(node.span))
                    .with_help(help),
            );
        }
    }
}
