use crate::report::{Finding, Severity};
use crate::rules::Rule;
use crate::rules::bundle::ObjectId;
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    id: "kustomize/duplicate-object",
    severity: Severity::Error,
    summary: "the same object twice in one kustomize build",
    docs: r#"# kustomize/duplicate-object

Two resources of one build are the same object (same group, kind, namespace and name), so
the build fails with "may not add resource with an already registered id".

## Why
It happens when a file is listed both directly and through a folder, when a base and an
overlay each carry a copy, or when a manifest copied to a new app keeps its name. kustomize
names the id but not the files; platc points at both copies.

## Bad
```yaml
# apps/web/kustomization.yaml
resources:
  - ../base              # already holds configmap.yaml
  - configmap.yaml       # ConfigMap `settings` again
```

## Good
```yaml
resources:
  - ../base
patches:
  - path: configmap-patch.yaml   # change the base's object instead of copying it
```

## Fix
Keep one copy: remove the duplicate resource, patch the base's object, or rename one of them.
"#,
    check: crate::rules::bundle::per_object,
};

/// The object kustomize refused to add twice, read from its error message
/// (`... already registered id: Deployment.v1.apps/web.shop'`).
pub fn from_build_error(error: &str) -> Option<ObjectId> {
    let at = error.find("already registered id: ")? + "already registered id: ".len();
    let id: &str = error[at..]
        .split(['\'', '"', ' ', ';'])
        .next()
        .filter(|s| !s.is_empty())?;
    let (gvk, name_ns) = id.split_once('/')?;
    let mut parts = gvk.splitn(3, '.');
    let kind = parts.next()?.to_string();
    let _version = parts.next()?;
    let group = match parts.next().unwrap_or("") {
        "[noGrp]" => "",
        g => g,
    };
    // Names may hold dots, namespaces may not.
    let (name, namespace) = name_ns.rsplit_once('.')?;
    Some(ObjectId {
        group: group.to_string(),
        kind,
        namespace: (namespace != "[noNs]").then(|| namespace.to_string()),
        name: name.to_string(),
        cluster_scoped: false,
    })
}

/// A finding for an object kustomize met twice building `dir`, at the copies found among the
/// build's files (`places`, in order), or at the kustomization when none is found.
pub fn finding(
    id: &ObjectId,
    dir: &str,
    kustomization: &str,
    places: &[(String, Span)],
) -> Finding {
    let message = format!("{} is in the build of `{dir}` twice", id.describe());
    let help = "keep one copy: remove the duplicate resource, or patch the base's object instead";
    match places {
        [first, rest @ ..] => {
            let mut f = Finding::new(RULE.id, RULE.severity, message)
                .at_span(first.0.clone(), Some(first.1))
                .with_help(help);
            for (file, span) in rest {
                f = f.with_related(file.clone(), span.start, "another copy");
            }
            f
        }
        [] => Finding::new(RULE.id, RULE.severity, message)
            .at(kustomization, None)
            .with_help(help),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_from_kustomize_errors() {
        let e = "accumulating resources: accumulation err='merging resources from 'd2.yaml': may not add resource with an already registered id: Deployment.v1.apps/web.x.shop': must build at directory";
        let id = from_build_error(e).unwrap();
        assert_eq!(
            (
                id.group.as_str(),
                id.kind.as_str(),
                id.namespace.as_deref(),
                id.name.as_str()
            ),
            ("apps", "Deployment", Some("shop"), "web.x")
        );
        let e = "may not add resource with an already registered id: ConfigMap.v1.[noGrp]/settings.[noNs]'";
        let id = from_build_error(e).unwrap();
        assert_eq!((id.group.as_str(), id.namespace.as_deref()), ("", None));
        assert!(from_build_error("no such file").is_none());
    }
}
