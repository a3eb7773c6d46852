use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};

pub const RULE: Rule = Rule {
    id: "argocd/destination",
    severity: Severity::Error,
    summary: "an Application destination with neither a server nor a cluster name, or both",
    docs: r#"# argocd/destination

An Application's `spec.destination` has neither `server` nor `name`, or has both.

## Why
Argo CD cannot tell which cluster to deploy to: the Application stays in an error state.

## Bad
```yaml
destination:
  namespace: grafana
```

## Good
```yaml
destination:
  server: https://kubernetes.default.svc
  namespace: grafana
```

## Fix
Give exactly one of `server` (the API URL) and `name` (a cluster registered in Argo CD).
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    if o.object.api_version() != Some("argoproj.io/v1alpha1")
        || o.object.kind() != Some("Application")
    {
        return;
    }
    let Some(dest) = o.node().pointer("/spec/destination") else {
        return;
    };
    // Argo CD reads an empty (or null) `server` or `name` as not given.
    let given = |key: &str| {
        dest.get(key)
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
    };
    match (given("server"), given("name")) {
        (None, None) => out.push(report(
            &RULE,
            o,
            dest,
            "/spec/destination",
            "the destination names no cluster".into(),
            "add `server: https://kubernetes.default.svc` or a registered cluster `name`",
        )),
        (Some(_), Some(name)) => out.push(report(
            &RULE,
            o,
            name,
            "/spec/destination/name",
            "the destination gives both `server` and `name`".into(),
            "keep one of them",
        )),
        _ => {}
    }
}
