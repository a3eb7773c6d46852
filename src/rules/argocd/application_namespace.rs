use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};

pub const RULE: Rule = Rule {
    id: "argocd/application-namespace",
    severity: Severity::Error,
    summary: "an Application or AppProject outside the Argo CD namespace",
    docs: r#"# argocd/application-namespace

An Application, ApplicationSet or AppProject is not in the namespace Argo CD watches
(the spec's `argocd.namespace`, else `argocd`), or names no namespace at all.

## Why
Argo CD ignores Applications in other namespaces unless "apps in any namespace" is set up:
the app never syncs and nothing reports it. Without a namespace, the object lands in
whatever namespace the parent Application deploys to.

## Bad
```yaml
kind: Application
metadata: {name: grafana, namespace: monitoring}
```

## Good
```yaml
kind: Application
metadata: {name: grafana, namespace: argocd}
```

## Fix
Put Argo CD objects in the Argo CD namespace; send the workload elsewhere with
`spec.destination.namespace`.
"#,
    check,
};

fn check(cx: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    if o.object.api_version() != Some("argoproj.io/v1alpha1")
        || !matches!(
            o.object.kind(),
            Some("Application" | "ApplicationSet" | "AppProject")
        )
    {
        return;
    }
    let kind = o.object.kind().unwrap_or_default();
    match o.node().pointer("/metadata/namespace") {
        None => {
            let at = o.node().get("metadata").unwrap_or(o.node());
            out.push(report(
                &RULE,
                o,
                at,
                "/metadata",
                format!("the {kind} names no namespace"),
                &format!("set `metadata.namespace: {}`", cx.argocd_namespace),
            ));
        }
        Some(node) => {
            if let Some(ns) = node.as_str().filter(|ns| *ns != cx.argocd_namespace) {
                out.push(report(
                    &RULE,
                    o,
                    node,
                    "/metadata/namespace",
                    format!(
                        "the {kind} is in `{ns}`, but Argo CD watches `{}`",
                        cx.argocd_namespace
                    ),
                    &format!(
                        "move it to `{}`; deploy elsewhere with spec.destination.namespace",
                        cx.argocd_namespace
                    ),
                ));
            }
        }
    }
}
