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
/// parse and holds `{{` or `{%` is one. A file that parses is one only when template
/// *logic* stands outside YAML strings (`{{ if`, `{{ .Values`, `{{ include`, `{%`...):
/// `{{.name}}` in an ApplicationSet or a Vault agent template in a block scalar is data.
pub fn holds_template_syntax(text: &str, parsed: Option<&[Node]>) -> bool {
    if !text.contains("{{") && !text.contains("{%") {
        return false;
    }
    let Some(documents) = parsed else { return true };
    let mut string_lines: Vec<(u32, u32)> = Vec::new();
    for doc in documents {
        collect_string_spans(doc, &mut string_lines);
    }
    text.lines().enumerate().any(|(i, line)| {
        let n = i as u32 + 1;
        !line.trim_start().starts_with('#')
            && has_template_logic(line)
            && !string_lines.iter().any(|(a, b)| *a <= n && n <= *b)
    })
}

fn has_template_logic(line: &str) -> bool {
    const LOGIC: [&str; 20] = [
        "if",
        "else",
        "end",
        "range",
        "with",
        "define",
        "template",
        "include",
        "block",
        "/*",
        ".Values",
        ".Release",
        ".Chart",
        ".Capabilities",
        ".Files",
        ".Template",
        "toYaml",
        "tpl",
        "$",
        "required",
    ];
    if line.contains("{%") {
        return true;
    }
    let mut rest = line;
    while let Some(i) = rest.find("{{") {
        let after = rest[i + 2..].trim_start_matches('-').trim_start();
        if LOGIC.iter().any(|w| after.starts_with(w)) {
            return true;
        }
        rest = &rest[i + 2..];
    }
    false
}

fn collect_string_spans(node: &Node, out: &mut Vec<(u32, u32)>) {
    match &node.value {
        Value::Str { plain: false, .. } => out.push((
            node.span.start.line,
            node.span.end.line.max(node.span.start.line),
        )),
        Value::Seq(items) => items.iter().for_each(|n| collect_string_spans(n, out)),
        Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            collect_string_spans(k, out);
            collect_string_spans(v, out);
        }),
        _ => {}
    }
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
    }
}
