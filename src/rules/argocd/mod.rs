//! `argocd/*`: Application mistakes Argo CD accepts silently or fails on late.

pub mod application_namespace;
pub mod chart_version_pinned;
pub mod destination;
pub mod head_revision;
pub mod project_destination;
pub mod source_path;
pub mod sync_wave_integer;
pub mod values_without_ref;

use crate::manifest::ObjectRef;
use crate::yaml::Node;

/// An Application's sources (`source` or `sources`), with their pointers.
pub fn sources<'a>(o: &'a ObjectRef<'_>) -> Vec<(&'a Node, String)> {
    let node = o.node();
    if o.object.api_version() != Some("argoproj.io/v1alpha1")
        || o.object.kind() != Some("Application")
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(s) = node.pointer("/spec/source") {
        out.push((s, "/spec/source".to_string()));
    }
    for (i, s) in node
        .pointer("/spec/sources")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        out.push((s, format!("/spec/sources/{i}")));
    }
    out
}

/// A source's Helm value files (`helm.valueFiles`), with their index and text.
pub fn value_files(source: &Node) -> impl Iterator<Item = (usize, &Node, &str)> {
    source
        .pointer("/helm/valueFiles")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.as_str().map(|s| (i, f, s)))
}
