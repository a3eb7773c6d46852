use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, containers, pod_spec, report};

pub const RULE: Rule = Rule {
    id: "workload/image-tag",
    severity: Severity::Warning,
    summary: "a container image without a tag, or tagged `latest`",
    docs: r#"# workload/image-tag

A container image has no tag or the tag `latest`.

## Why
The image that runs changes without any change in git: rollbacks do not roll back, two
nodes can run different code, and a sync can never tell that something changed.

## Bad
```yaml
image: ghcr.io/club/site:latest
```

## Good
```yaml
image: ghcr.io/club/site:1.7.48          # or pinned by digest: ...@sha256:...
```

## Fix
Pin a version tag or a digest. Waive with `platc.io/ignore: workload/image-tag`.
"#,
    check,
};

/// The tag of an image reference, if any (a digest counts as pinned).
fn tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return Some("digest");
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, t)| t)
}

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let Some((spec, base)) = pod_spec(o) else {
        return;
    };
    for (c, at, _) in containers(spec, base) {
        let Some(node) = c.get("image") else { continue };
        let Some(image) = node.as_str() else { continue };
        match tag(image) {
            None => out.push(report(
                &RULE,
                o,
                node,
                &format!("{at}/image"),
                format!("the image `{image}` has no tag"),
                "pin a version tag or a digest",
            )),
            Some("latest") => out.push(report(
                &RULE,
                o,
                node,
                &format!("{at}/image"),
                format!("the image `{image}` uses the `latest` tag"),
                "pin a version tag or a digest",
            )),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tags_and_registries_with_ports() {
        assert_eq!(super::tag("nginx"), None);
        assert_eq!(super::tag("registry:5000/nginx"), None);
        assert_eq!(super::tag("registry:5000/nginx:1.27"), Some("1.27"));
        assert_eq!(super::tag("nginx@sha256:abc"), Some("digest"));
    }
}
