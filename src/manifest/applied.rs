//! Documents that look like Kubernetes objects but are never applied as they are written:
//! their schema and metadata rules would only raise false alarms.

use super::Object;
use crate::yaml::Node;

/// Why an object is not one a cluster receives as written, if it is not.
/// (A SOPS-encrypted document is applied, once decrypted: see [`is_sops_encrypted`].)
pub fn not_applied(o: &Object) -> Option<&'static str> {
    let api_version = o.api_version().unwrap_or_default();
    // Backstage's catalog entities and scaffolder templates are read by Backstage.
    let group = api_version.split('/').next().unwrap_or_default();
    if group == "backstage.io" || group.ends_with(".backstage.io") {
        return Some("a Backstage entity, read by Backstage");
    }
    let annotations = o.node.pointer("/metadata/annotations");
    if ["config.kubernetes.io/function", "config.k8s.io/function"]
        .iter()
        .any(|a| annotations.and_then(|m| m.get(a)).is_some())
    {
        return Some("the configuration of a KRM function, read by the function");
    }
    None
}

/// A SOPS-encrypted document: its values are ciphertext and a top-level `sops` mapping holds
/// the metadata (`mac`, `lastmodified`). KSOPS or Flux decrypts it before it is applied, so
/// only what SOPS leaves in clear (`apiVersion`, `kind`, `metadata`) can be checked.
pub fn is_sops_encrypted(node: &Node) -> bool {
    node.get("sops")
        .is_some_and(|s| s.get("mac").is_some() || s.get("lastmodified").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::read_objects;

    fn reason(text: &str) -> Option<&'static str> {
        let o = &read_objects("x.yaml", text).objects[0];
        if is_sops_encrypted(&o.node) {
            return Some("sops");
        }
        not_applied(o)
    }

    #[test]
    fn encrypted_backstage_and_function_configs_are_not_applied() {
        assert!(reason("apiVersion: v1\nkind: Secret\ndata:\n  a: ENC[AES256_GCM,data:x]\nsops:\n  mac: ENC[AES256_GCM,data:y]\n  lastmodified: '2020-01-01T00:00:00Z'\n").is_some());
        assert!(
            reason("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\n")
                .is_some()
        );
        assert!(
            reason(
                "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: x}\n"
            )
            .is_some()
        );
        assert!(reason("apiVersion: example.com/v1\nkind: Cfg\nmetadata:\n  annotations:\n    config.kubernetes.io/function: |\n      container: {image: x}\n").is_some());
        assert_eq!(
            reason("apiVersion: v1\nkind: Secret\nsops: {enabled: true}\n"),
            None
        );
        assert_eq!(
            reason("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"),
            None
        );
    }
}
