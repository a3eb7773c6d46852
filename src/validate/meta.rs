//! Metadata as the API server checks it: names, namespaces, label and annotation syntax.

use crate::report::{Finding, Severity};
use crate::yaml::Node;

use crate::manifest::ObjectRef;
use crate::manifest::names::{check_label_value, check_qualified_name, check_subdomain};

fn name_rule(kind: &str) -> fn(&str) -> Result<(), String> {
    match kind {
        "Namespace" | "Service" => |n| {
            crate::spec::params::check_dns_label(n).map_err(|_| {
                "must be a DNS label: lowercase letters, digits and `-`, at most 63".to_string()
            })
        },
        // RBAC names are path segments: `system:controller:x` is fine.
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => |n| {
            if n.is_empty() || n == "." || n == ".." || n.contains('/') || n.contains('%') {
                Err("must not be empty, `.` or `..`, nor contain `/` or `%`".into())
            } else {
                Ok(())
            }
        },
        _ => check_subdomain,
    }
}

/// Objects read by a tool rather than applied under their name: `istioctl install -f`
/// names an IstioOperator itself when it has no name.
fn name_is_optional(o: &ObjectRef<'_>) -> bool {
    o.object.kind() == Some("IstioOperator")
        && o.object
            .api_version()
            .is_some_and(|a| a.starts_with("install.istio.io/"))
}

/// Check an object's metadata; `namespaced` is what the schema registry knows of its kind.
pub fn check(o: &ObjectRef<'_>, namespaced: Option<bool>, out: &mut Vec<Finding>) {
    let Some(meta) = o.node().get("metadata") else {
        return;
    };
    if meta.as_map().is_none() {
        return; // the schema reports the type
    }
    let kind = o.object.kind().unwrap_or_default();
    if let Some(name_node) = meta.get("name") {
        if let Some(name) = name_node.as_str()
            && let Err(e) = name_rule(kind)(name)
        {
            out.push(o.finding(
                "metadata/invalid-name",
                Severity::Error,
                format!("`{name}` is not a valid {kind} name: {e}"),
                name_node,
                "/metadata/name",
            ));
        }
    } else if meta.get("generateName").is_none() && !name_is_optional(o) {
        out.push(
            o.finding(
                "metadata/missing-name",
                Severity::Error,
                "the object has no `metadata.name`".into(),
                meta,
                "/metadata",
            )
            .with_help("every object needs a name (or a generateName)"),
        );
    }
    if let Some(ns_node) = meta.get("namespace")
        && let Some(ns) = ns_node.as_str()
    {
        if crate::spec::params::check_dns_label(ns).is_err() {
            out.push(o.finding(
                "metadata/invalid-namespace",
                Severity::Error,
                format!("`{ns}` is not a valid namespace: use a DNS label"),
                ns_node,
                "/metadata/namespace",
            ));
        } else if namespaced == Some(false) {
            out.push(
                o.finding(
                    "metadata/namespace-on-cluster-scoped",
                    Severity::Warning,
                    format!("{kind} is cluster-scoped; its namespace `{ns}` is ignored"),
                    ns_node,
                    "/metadata/namespace",
                )
                .with_help("remove `metadata.namespace`"),
            );
        }
    }
    for (field, rule) in [
        ("labels", "metadata/label"),
        ("annotations", "metadata/annotation"),
    ] {
        let Some(entries) = meta.get(field).and_then(Node::as_map) else {
            continue;
        };
        for (k, v) in entries {
            let Some(key) = k.key_text() else { continue };
            if let Err(e) = check_qualified_name(&key) {
                out.push(o.finding(
                    rule,
                    Severity::Error,
                    format!(
                        "`{key}` is not a valid {} key: {e}",
                        &field[..field.len() - 1]
                    ),
                    k,
                    &format!("/metadata/{field}"),
                ));
            }
            if field == "labels"
                && let Some(value) = v.as_str()
                && let Err(e) = check_label_value(value)
            {
                out.push(o.finding(
                    rule,
                    Severity::Error,
                    {
                        // A label named `token` may hold one: never quoted whole.
                        let shown = crate::secrets::redact::quotable(&key, value);
                        format!(
                            "`{shown}` is not a valid label value: {}",
                            e.replace(value, &shown)
                        )
                    },
                    v,
                    &format!(
                        "/metadata/labels/{}",
                        key.replace('~', "~0").replace('/', "~1")
                    ),
                ));
            }
        }
    }
}

/// Secret `data` values must be base64 (the API server rejects the object otherwise).
pub fn check_secret_data(o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    if o.object.kind() != Some("Secret") || o.object.api_version() != Some("v1") {
        return;
    }
    let Some(entries) = o.node().get("data").and_then(Node::as_map) else {
        return;
    };
    for (k, v) in entries {
        let Some(text) = v.as_str() else { continue };
        if !is_base64(text) {
            let key = k.key_text().unwrap_or_default().into_owned();
            out.push(
                o.finding(
                    "schema/secret-data",
                    Severity::Error,
                    format!("the value of `{key}` in `data` is not valid base64"),
                    v,
                    &format!("/data/{key}"),
                )
                .with_help("put plain text under `stringData`, or base64-encode it"),
            );
        }
    }
}

fn is_base64(text: &str) -> bool {
    let t: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !t.len().is_multiple_of(4) {
        return false;
    }
    let pad = t.iter().rev().take_while(|&&b| b == b'=').count();
    pad <= 2
        && t[..t.len() - pad]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_and_values() {
        assert!(check_qualified_name("app.kubernetes.io/name").is_ok());
        assert!(check_qualified_name("argocd.argoproj.io/sync-wave").is_ok());
        assert!(check_qualified_name("Upper.Case/x").is_err());
        assert!(check_qualified_name("-bad").is_err());
        assert!(check_label_value("").is_ok());
        assert!(check_label_value("v1.2_3").is_ok());
        assert!(check_label_value("a b").is_err());
        assert!(check_label_value(&"a".repeat(64)).is_err());
    }

    #[test]
    fn base64() {
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64("aGVs\nbG8="));
        assert!(!is_base64("hello!"));
        assert!(!is_base64("abc"));
    }
}
