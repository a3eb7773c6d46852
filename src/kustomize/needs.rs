//! What a build needs beyond the repository's files: a remote base (the network), an exec or
//! KRM plugin, the `helm` binary. A build that needs something absent is not run: its failure
//! would say where platc runs, not what the repository holds. Each need becomes one info
//! finding at the kustomization line that names it.

use std::path::Path;

use super::{BuildTree, Kustomization, Kustomizations, RefKind, is_remote};
use crate::yaml::Node;

/// What the machine platc runs on allows a build to use.
#[derive(Debug, Clone, Copy, Default)]
pub struct Allowed {
    /// `--network`: remote bases, resources and Helm repositories may be fetched.
    pub network: bool,
    /// A `helm` binary is on PATH: `helmCharts` can be inflated (`--enable-helm`).
    pub helm: bool,
}

impl Allowed {
    /// Whether `helm` is on PATH.
    pub fn helm_on_path() -> bool {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("helm").is_file()))
    }
}

/// One thing a build needs and cannot have here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The kustomization file that asks for it.
    pub file: String,
    pub span: crate::yaml::Span,
    /// JSON pointer of the node in the kustomization.
    pub pointer: String,
    /// What is needed, for the message (`remote base `...` not fetched`).
    pub message: String,
    pub help: &'static str,
}

/// Everything the build of `tree` needs and cannot have; empty when it can run.
pub fn unmet(root: &Path, ks: &Kustomizations, tree: &BuildTree, allowed: Allowed) -> Vec<Need> {
    let mut out = Vec::new();
    for &i in &tree.kustomizations {
        let k = &ks.all[i];
        if !allowed.network {
            remote(k, &mut out);
        }
        plugins(root, k, &mut out);
        helm(root, k, allowed, &mut out);
        oversized(root, ks, k, &mut out);
    }
    out
}

/// The files of the build of `tree` over `limits.fileSize` (see [`oversized`]).
pub fn over_size(root: &Path, ks: &Kustomizations, tree: &BuildTree) -> Vec<Need> {
    let mut out = Vec::new();
    for &i in &tree.kustomizations {
        oversized(root, ks, &ks.all[i], &mut out);
    }
    out
}

/// Files the build would read that are over `limits.fileSize`: kustomize (kubectl's, at
/// least) holds many times a file's size while building (a 50 MB flow sequence took it
/// past 13 GB), so the build is not run; the file itself is reported on its own.
fn oversized(root: &Path, ks: &Kustomizations, k: &Kustomization, out: &mut Vec<Need>) {
    let limit = crate::limits::current().file_size;
    for r in k.refs() {
        let Some(target) = k.local(&r) else { continue };
        if ks.in_dir(&target).is_some() {
            continue;
        }
        let full = root.join(&target);
        let Ok(len) = crate::confine::file_len(&full) else {
            continue;
        };
        if crate::confine::is_file(&full) && len > limit.get() {
            out.push(Need {
                file: k.file.clone(),
                span: r.node.span,
                pointer: r.pointer.clone(),
                message: format!(
                    "`{target}` is {}, over the {limit} read limit (`limits.fileSize`); the kustomization was not built",
                    crate::limits::bytes(len)
                ),
                help: "split the file, or raise `limits.fileSize` in .platc.yaml",
            });
        }
    }
}

/// Whether the build uses `helmCharts` (kustomize then needs `--enable-helm`).
pub fn uses_helm(ks: &Kustomizations, tree: &BuildTree) -> bool {
    tree.kustomizations
        .iter()
        .any(|&i| ks.all[i].doc.get("helmCharts").is_some())
}

/// One need for all the remote references of a kustomization, at the first.
fn remote(k: &Kustomization, out: &mut Vec<Need>) {
    let refs = k.refs();
    let remote: Vec<_> = refs
        .iter()
        .filter(|r| matches!(r.kind, RefKind::Resource | RefKind::Component) && is_remote(r.target))
        .collect();
    let Some(first) = remote.first() else {
        return;
    };
    let what = |r: &super::Ref<'_>| {
        if r.field == "components" {
            "component"
        } else if [".yaml", ".yml", ".json"]
            .iter()
            .any(|e| r.target.split('?').next().unwrap_or("").ends_with(e))
        {
            "resource"
        } else {
            "base"
        }
    };
    let named: Vec<String> = remote
        .iter()
        .map(|r| format!("{} `{}`", what(r), r.target))
        .collect();
    out.push(Need {
        file: k.file.clone(),
        span: first.node.span,
        pointer: first.pointer.clone(),
        // A URL can carry a token (`https://user:token@host/...`).
        message: crate::secrets::redact::redact_credentials(&format!(
            "remote {} not fetched; the kustomization was not built",
            named.join(", ")
        )),
        help: "run with --network to fetch and build it; the local files were checked on their own",
    });
}

/// Generators, transformers and validators whose config is not one of kustomize's built-in
/// plugins (`apiVersion: builtin`): exec plugins, Go plugins and KRM functions, which kustomize
/// runs only with `--enable-alpha-plugins` (and `--enable-exec`), as Argo CD's KSOPS setup does.
fn plugins(root: &Path, k: &Kustomization, out: &mut Vec<Need>) {
    for field in ["generators", "transformers", "validators"] {
        for (i, entry) in k
            .doc
            .get(field)
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let Some(text) = entry.as_str() else { continue };
            let configs = if text.contains('\n') {
                vec![text.to_string()]
            } else {
                config_texts(root, k, text)
            };
            let mut names: Vec<String> = configs
                .iter()
                .flat_map(|t| {
                    crate::yaml::parse_stream(t)
                        .map(|s| s.documents)
                        .unwrap_or_default()
                })
                .filter_map(|doc| plugin_name(&doc))
                .collect();
            names.sort();
            names.dedup();
            if names.is_empty() {
                continue;
            }
            let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            out.push(Need {
                file: k.file.clone(),
                span: entry.span,
                pointer: format!("/{field}/{i}"),
                message: format!(
                    "needs plugin {}; not built (kustomize runs it only with --enable-alpha-plugins)",
                    names.join(", ")
                ),
                help: "nothing to fix in the repository; the files the build reads were checked on their own",
            });
        }
    }
}

/// The text of a plugin config named by path: a file, or the resource files of a folder's
/// kustomization (kustomize accepts both).
fn config_texts(root: &Path, k: &Kustomization, target: &str) -> Vec<String> {
    if is_remote(target) {
        return Vec::new();
    }
    let Ok(rel) = crate::spec::paths::repo_relative(&k.dir, target) else {
        return Vec::new();
    };
    if crate::confine::is_file(&root.join(&rel)) {
        return crate::confine::read_to_string(root, &rel)
            .into_iter()
            .collect();
    }
    let Some(file) = super::file_in(root, &rel) else {
        return Vec::new();
    };
    let Ok(text) = crate::confine::read_to_string(root, &file) else {
        return Vec::new();
    };
    let Some(doc) = crate::yaml::parse_stream(&text)
        .ok()
        .and_then(|mut s| (!s.documents.is_empty()).then(|| s.documents.swap_remove(0)))
    else {
        return Vec::new();
    };
    let inner = Kustomization::new(file, doc);
    inner
        .refs()
        .iter()
        .filter(|r| r.kind == RefKind::Resource)
        .filter_map(|r| inner.local(r))
        .filter_map(|p| crate::confine::read_to_string(root, &p).ok())
        .collect()
}

/// The plugin a config object asks for: a KRM function's image or exec path, else its kind.
/// None for kustomize's built-in plugins.
fn plugin_name(doc: &Node) -> Option<String> {
    let api = doc.get("apiVersion").and_then(Node::as_str)?;
    if api == "builtin" {
        return None;
    }
    let function = doc
        .pointer("/metadata/annotations")
        .and_then(|a| a.get("config.kubernetes.io/function"))
        .and_then(Node::as_str)
        .and_then(|spec| crate::yaml::parse_stream(spec).ok())
        .and_then(|s| s.documents.into_iter().next());
    if let Some(f) = function {
        for pointer in ["/container/image", "/exec/path", "/starlark/path"] {
            if let Some(name) = f.pointer(pointer).and_then(Node::as_str) {
                return Some(name.to_string());
            }
        }
    }
    doc.get("kind").and_then(Node::as_str).map(str::to_string)
}

/// `helmCharts` need the `helm` binary, and charts not in the chart home need the network.
fn helm(root: &Path, k: &Kustomization, allowed: Allowed, out: &mut Vec<Need>) {
    let Some(charts) = k.doc.get("helmCharts") else {
        return;
    };
    if !allowed.helm {
        out.push(Need {
            file: k.file.clone(),
            span: charts.span,
            pointer: "/helmCharts".into(),
            message: "needs helm to inflate `helmCharts`; no `helm` on PATH, not built".into(),
            help: "install helm to build it (platc passes --enable-helm); the local files were checked on their own",
        });
        return;
    }
    if allowed.network {
        return;
    }
    let home = k
        .doc
        .pointer("/helmGlobals/chartHome")
        .and_then(Node::as_str)
        .unwrap_or("charts");
    let home = crate::spec::paths::repo_relative(&k.dir, home)
        .map(|h| root.join(h))
        .ok();
    for (i, chart) in charts.as_seq().unwrap_or(&[]).iter().enumerate() {
        let Some(name) = chart.get("name").and_then(Node::as_str) else {
            continue;
        };
        let Some(repo) = chart.get("repo").and_then(Node::as_str) else {
            continue;
        };
        // kustomize keeps pulled charts in the chart home (`<name>` or `<name>-<version>`).
        let pulled = home.as_ref().is_some_and(|h| {
            std::fs::read_dir(h).is_ok_and(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with(name))
            })
        });
        if !pulled {
            out.push(Need {
                file: k.file.clone(),
                span: chart.span,
                pointer: format!("/helmCharts/{i}"),
                message: crate::secrets::redact::redact_credentials(&format!(
                    "remote Helm chart `{name}` from `{repo}` not fetched; the kustomization was not built"
                )),
                help: "run with --network to fetch it and build; the local files were checked on their own",
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    fn tree_of(text: &str) -> (Kustomizations, BuildTree) {
        let k = Kustomization::new(
            "app/kustomization.yaml".into(),
            parse_stream(text).unwrap().documents.remove(0),
        );
        let ks = Kustomizations::new(vec![k]);
        let tree = ks.tree("app");
        (ks, tree)
    }

    fn messages(text: &str, allowed: Allowed) -> Vec<String> {
        let (ks, tree) = tree_of(text);
        unmet(Path::new("/nonexistent"), &ks, &tree, allowed)
            .into_iter()
            .map(|n| format!("{} {}", n.pointer, n.message))
            .collect()
    }

    #[test]
    fn remote_bases_need_the_network() {
        let text = "resources:\n- deploy.yaml\n- https://github.com/org/repo//deploy?ref=v1\n- https://example.com/x/app.yaml\n";
        assert_eq!(
            messages(text, Allowed::default()),
            [
                "/resources/1 remote base `https://github.com/org/repo//deploy?ref=v1`, resource `https://example.com/x/app.yaml` not fetched; the kustomization was not built"
            ]
        );
        let online = Allowed {
            network: true,
            helm: false,
        };
        assert!(messages(text, online).is_empty());
    }

    #[test]
    fn plugins_are_named_and_builtins_are_not() {
        let text = "generators:\n- |\n  apiVersion: viaduct.ai/v1\n  kind: ksops\n  metadata: {name: x}\ntransformers:\n- |\n  apiVersion: builtin\n  kind: LabelTransformer\n  metadata: {name: y}\n";
        assert_eq!(
            messages(text, Allowed::default()),
            [
                "/generators/0 needs plugin `ksops`; not built (kustomize runs it only with --enable-alpha-plugins)"
            ]
        );
        let krm = "transformers:\n- |\n  apiVersion: example.com/v1\n  kind: Sizes\n  metadata:\n    name: z\n    annotations:\n      config.kubernetes.io/function: |\n        container:\n          image: example/tshirt:v1\n";
        assert_eq!(
            messages(krm, Allowed::default()),
            [
                "/transformers/0 needs plugin `example/tshirt:v1`; not built (kustomize runs it only with --enable-alpha-plugins)"
            ]
        );
    }

    #[test]
    fn helm_charts_need_helm_and_remote_charts_the_network() {
        let text =
            "helmCharts:\n- name: redis\n  repo: https://charts.example.com\n  version: 1.0.0\n";
        assert_eq!(
            messages(text, Allowed::default()),
            ["/helmCharts needs helm to inflate `helmCharts`; no `helm` on PATH, not built"]
        );
        let helm = Allowed {
            network: false,
            helm: true,
        };
        assert_eq!(
            messages(text, helm),
            [
                "/helmCharts/0 remote Helm chart `redis` from `https://charts.example.com` not fetched; the kustomization was not built"
            ]
        );
        let online = Allowed {
            network: true,
            helm: true,
        };
        assert!(messages(text, online).is_empty());
    }
}
