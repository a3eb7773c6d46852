//! Which YAML files in a repository hold Kubernetes objects.
//!
//! A GitOps repository mixes objects with kustomizations, Helm values, patches (partial
//! objects, checked only in context after a build), chart templates, CI workflows and other
//! YAML. Only objects are validated; nothing else is reported as a broken object.

use crate::yaml::{Node, Value};

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// May hold Kubernetes objects.
    Manifests,
    Kustomization,
    /// A patch or generator input named by a kustomization: partial, checked after a build.
    KustomizeInput,
    /// Inside a Helm chart (has a Chart.yaml above it): templates and chart values.
    Chart,
    HelmValues,
}

/// Patches by name, when no kustomization names them (the platform spec does, for example).
pub fn looks_like_patch(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.contains("patch") || path.split('/').rev().nth(1) == Some("patches")
}

/// Helm values by name: `values.yaml`, `values-prod.yaml`, `prod.values.yaml`, `values/x.yaml`.
pub fn looks_like_values(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
    stem == "values"
        || stem.starts_with("values-")
        || stem.starts_with("values_")
        || stem.ends_with(".values")
        || stem.ends_with("-values")
        || path.split('/').rev().nth(1) == Some("values")
}

/// Whether a text is a Helm, Go or Jinja template rather than YAML. A file that does not
/// parse and holds `{{` or `{%` is one. A file that parses is YAML and is checked: `{{ }}`
/// inside a string (an ApplicationSet's `{{.name}}`, a Vault agent template, a URL built by a
/// chart's values) is data. The one exception is `{{ .x }}` standing where a value goes: YAML
/// reads it as a mapping used as a key, which no manifest holds.
pub fn holds_template_syntax(text: &str, parsed: Option<&[Node]>) -> bool {
    if !text.contains("{{") && !text.contains("{%") {
        return false;
    }
    let Some(documents) = parsed else { return true };
    documents.iter().any(has_mapping_key)
}

/// Whether a mapping in the tree has a key that is itself a mapping (`{{ x }}` parsed as YAML).
fn has_mapping_key(node: &Node) -> bool {
    match &node.value {
        Value::Seq(items) => items.iter().any(has_mapping_key),
        Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| matches!(k.value, Value::Map(_)) || has_mapping_key(v)),
        _ => false,
    }
}

/// The Backstage skeleton folders among `files`: a `skeleton/` folder beside a scaffolder
/// `Template` holds the files the template renders (`${{ values.name }}`), not manifests.
/// `read` gives a file's text.
pub fn backstage_skeletons(files: &[String], read: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut candidates: Vec<&str> = files
        .iter()
        .filter_map(|f| f.find("skeleton/").map(|i| &f[..i + "skeleton".len()]))
        .filter(|d| *d == "skeleton" || d.ends_with("/skeleton"))
        .collect();
    candidates.sort();
    candidates.dedup();
    candidates
        .into_iter()
        .filter(|skeleton| {
            let parent = skeleton.strip_suffix("skeleton").unwrap_or_default();
            files.iter().any(|f| {
                f.strip_prefix(parent)
                    .is_some_and(|name| !name.contains('/'))
                    && read(f).is_some_and(|t| t.contains("scaffolder.backstage.io"))
            })
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    #[test]
    fn values_files_by_name() {
        for p in [
            "a/values.yaml",
            "values-prod.yaml",
            "x/prod.values.yaml",
            "charts/values/extra.yaml",
        ] {
            assert!(looks_like_values(p), "{p}");
        }
        assert!(!looks_like_values("deployment.yaml"));
    }

    #[test]
    fn template_syntax_outside_strings_only() {
        let helm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n";
        assert!(holds_template_syntax(
            helm,
            parse_stream(helm)
                .ok()
                .as_ref()
                .map(|s| s.documents.as_slice())
        ));
        let vault = "metadata:\n  annotations:\n    t: |\n      {{- with secret \"x\" -}}\n      {{ .Data }}\n      {{- end }}\n    q: \"{{ x }}\"\n";
        assert!(!holds_template_syntax(
            vault,
            Some(&parse_stream(vault).unwrap().documents)
        ));
        assert!(holds_template_syntax(
            "{{- if .Values.x }}\na: b\n{{- end }}\n",
            None
        ));
        let appset = "spec:\n  template:\n    metadata:\n      name: sandboxes-{{.name}}-prod\n";
        assert!(!holds_template_syntax(
            appset,
            Some(&parse_stream(appset).unwrap().documents)
        ));
        // Chart logic inside a plain string is still a string: the file is YAML.
        let url =
            "spec:\n  values:\n    url: http://prometheus.{{ .Release.Namespace }}.svc:9090\n";
        assert!(!holds_template_syntax(
            url,
            Some(&parse_stream(url).unwrap().documents)
        ));
    }
}
