//! Lint rules: one small unit per rule, each with its id, docs and fixtures, registered in
//! one list. Rules run on every object as it is read (parse once), in parallel.

pub mod argocd;
pub mod bundle;
pub mod catalogue;
pub mod deprecated;
pub mod kustomize;
pub mod lessons;
pub mod workload;

use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::yaml::Node;

/// What a rule sees besides the object.
pub struct Context<'a> {
    /// The Kubernetes minor version the repository targets, such as "1.33".
    pub kubernetes_version: &'a str,
    /// The namespace Argo CD watches for Applications.
    pub argocd_namespace: &'a str,
    /// This repository: its root on disk and the URLs Applications use for it.
    pub repo: &'a crate::repo::Repo,
}

/// One rule.
pub struct Rule {
    /// `family/name`.
    pub id: &'static str,
    pub severity: Severity,
    /// One line for `platc rules`.
    pub summary: &'static str,
    /// `platc explain`: why it matters, a bad and a good example, how to fix or waive.
    pub docs: &'static str,
    pub check: fn(&Context<'_>, &ObjectRef<'_>, &mut Vec<Finding>),
}

/// Every rule, in the order `platc rules` lists them.
pub const RULES: &[&Rule] = &[
    &deprecated::removed_api::RULE,
    &argocd::application_namespace::RULE,
    &argocd::destination::RULE,
    &argocd::sync_wave_integer::RULE,
    &argocd::chart_version_pinned::RULE,
    &argocd::values_without_ref::RULE,
    &argocd::source_path::RULE,
    &argocd::head_revision::RULE,
    &workload::image_tag::RULE,
    &workload::resources::RULE,
    &workload::probes::RULE,
    &workload::privileged::RULE,
    &workload::host_namespaces::RULE,
    &workload::duplicate_env::RULE,
    &workload::selector_mismatch::RULE,
    &bundle::selects_nothing::RULE,
    &bundle::hpa_target::RULE,
    &bundle::unknown_project::RULE,
    &argocd::project_destination::RULE,
    &bundle::duplicate_release::RULE,
    &bundle::shared_object::RULE,
    &kustomize::invalid::RULE,
    &kustomize::missing_file::RULE,
    &kustomize::patch_target::RULE,
    &kustomize::duplicate_object::RULE,
    &lessons::unstable_disk_path::RULE,
    &lessons::live_export::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// Rules an object waives with `platc.io/ignore: "rule-a,rule-b"`.
pub fn waived_by_annotation(object: &Node) -> Vec<String> {
    object
        .pointer("/metadata/annotations/platc.io~1ignore")
        .and_then(Node::as_str)
        .map(|s| {
            s.split(',')
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Findings for ids in an object's `platc.io/ignore` that platc does not emit: a typo there
/// would waive nothing, silently.
pub fn unknown_ignored(o: &ObjectRef<'_>) -> Vec<Finding> {
    let pointer = "/metadata/annotations/platc.io~1ignore";
    let Some(node) = o.node().pointer(pointer) else {
        return Vec::new();
    };
    waived_by_annotation(o.node())
        .into_iter()
        .filter(|id| !catalogue::is_known(id))
        .map(|id| {
            let help = match catalogue::suggestion(&id) {
                Some(s) => format!("did you mean `{s}`? `platc rules --all` lists every id"),
                None => "`platc rules --all` lists every id".to_string(),
            };
            o.finding(
                "config/unknown-rule",
                Severity::Error,
                format!("`platc.io/ignore` names `{id}`, which is not a platc rule"),
                node,
                pointer,
            )
            .with_help(help)
        })
        .collect()
}

/// Run every rule on one object.
pub fn check(cx: &Context<'_>, o: &ObjectRef<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in RULES {
        (rule.check)(cx, o, &mut out);
    }
    let waived = waived_by_annotation(o.node());
    if !waived.is_empty() {
        out.retain(|f| !waived.iter().any(|w| w == &f.rule));
    }
    out
}

/// The pod template spec of a workload (`spec.template.spec`, `spec.jobTemplate...` for
/// CronJobs, `spec` for a Pod), with its JSON pointer.
pub fn pod_spec<'a>(o: &'a ObjectRef<'_>) -> Option<(&'a Node, &'static str)> {
    let node = o.node();
    match o.object.kind()? {
        "Pod" => node.get("spec").map(|s| (s, "/spec")),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => node
            .pointer("/spec/template/spec")
            .map(|s| (s, "/spec/template/spec")),
        "CronJob" => node
            .pointer("/spec/jobTemplate/spec/template/spec")
            .map(|s| (s, "/spec/jobTemplate/spec/template/spec")),
        _ => None,
    }
}

/// Every container of a pod spec (init containers too), with its pointer.
pub fn containers<'a>(spec: &'a Node, base: &str) -> Vec<(&'a Node, String, bool)> {
    let mut out = Vec::new();
    for (field, init) in [("containers", false), ("initContainers", true)] {
        for (i, c) in spec
            .get(field)
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            out.push((c, format!("{base}/{field}/{i}"), init));
        }
    }
    out
}

/// A finding of `rule` about `node`.
pub fn report(
    rule: &Rule,
    o: &ObjectRef<'_>,
    node: &Node,
    pointer: &str,
    message: String,
    help: &str,
) -> Finding {
    o.finding(rule.id, rule.severity, message, node, pointer)
        .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_family_slugs_with_docs() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "{} twice", r.id);
            let (family, name) = r.id.split_once('/').expect("family/name");
            assert!(
                ["deprecated", "argocd", "kustomize", "workload", "hygiene"].contains(&family),
                "{}",
                r.id
            );
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.id
            );
            for section in ["## Why", "## Bad", "## Good", "## Fix"] {
                assert!(r.docs.contains(section), "{} lacks {section}", r.id);
            }
        }
    }
}
