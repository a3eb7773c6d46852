//! What a kustomization refers to: resources, components, patches, generator inputs and the
//! other files kustomize reads, each with the node that names it (so findings have positions).
//!
//! One place knows kustomize's fields; file classification, the choice of what to build and
//! the `kustomize/*` rules all read references from here.

pub mod fields;
pub mod native;
pub mod needs;
pub mod print;
pub mod select;

use crate::yaml::Node;

/// The file names kustomize looks for in a folder.
pub const NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

pub fn is_kustomization(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    NAMES.contains(&name)
}

/// A parsed kustomization file.
#[derive(Clone)]
pub struct Kustomization {
    /// Repo-relative path of the file (`apps/web/kustomization.yaml`).
    pub file: String,
    /// Its folder (`apps/web`; empty at the repository root).
    pub dir: String,
    pub doc: Node,
}

/// What a reference is for: kustomize treats each differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// `resources` and `bases`: a file of objects, or a folder holding a kustomization.
    Resource,
    /// `components`: a folder holding a `kind: Component` kustomization.
    Component,
    /// A patch file (strategic merge or JSON 6902): a partial object.
    Patch,
    /// A file read as data: generator files and env files, replacements, CRDs, Helm values,
    /// configurations, transformer and generator configs.
    Input,
}

/// One path a kustomization names.
pub struct Ref<'a> {
    pub kind: RefKind,
    /// The field it is in, as written (`resources`, `patches`, `configMapGenerator`...).
    pub field: &'static str,
    /// The path as written (for `files`, the part after `key=`).
    pub target: &'a str,
    /// The node that names it.
    pub node: &'a Node,
    /// JSON pointer of that node in the kustomization.
    pub pointer: String,
}

impl Kustomization {
    pub fn new(file: String, doc: Node) -> Kustomization {
        let dir = file
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string());
        Kustomization { file, dir, doc }
    }

    /// Every path this kustomization names, remote ones included.
    pub fn refs(&self) -> Vec<Ref<'_>> {
        let mut out = Vec::new();
        let doc = &self.doc;
        paths(doc, "resources", RefKind::Resource, &mut out);
        paths(doc, "bases", RefKind::Resource, &mut out);
        paths(doc, "components", RefKind::Component, &mut out);
        paths(doc, "patchesStrategicMerge", RefKind::Patch, &mut out);
        paths(doc, "crds", RefKind::Input, &mut out);
        paths(doc, "configurations", RefKind::Input, &mut out);
        paths(doc, "transformers", RefKind::Input, &mut out);
        paths(doc, "generators", RefKind::Input, &mut out);
        paths(doc, "validators", RefKind::Input, &mut out);
        for (field, kind) in [
            ("patches", RefKind::Patch),
            ("patchesJson6902", RefKind::Patch),
            ("replacements", RefKind::Input),
        ] {
            for (i, item) in seq(doc.get(field)).iter().enumerate() {
                if let Some(n) = item.get("path")
                    && let Some(s) = n.as_str()
                {
                    out.push(Ref {
                        kind,
                        field,
                        target: s,
                        node: n,
                        pointer: format!("/{field}/{i}/path"),
                    });
                }
            }
        }
        for field in ["configMapGenerator", "secretGenerator"] {
            for (i, item) in seq(doc.get(field)).iter().enumerate() {
                for key in ["files", "envs"] {
                    for (j, n) in seq(item.get(key)).iter().enumerate() {
                        let Some(s) = n.as_str() else { continue };
                        // `files` entries may be `key=path`.
                        let target = if key == "files" {
                            s.split_once('=').map_or(s, |(_, p)| p)
                        } else {
                            s
                        };
                        out.push(Ref {
                            kind: RefKind::Input,
                            field,
                            target,
                            node: n,
                            pointer: format!("/{field}/{i}/{key}/{j}"),
                        });
                    }
                }
                if let Some(n) = item.get("env")
                    && let Some(s) = n.as_str()
                {
                    out.push(Ref {
                        kind: RefKind::Input,
                        field,
                        target: s,
                        node: n,
                        pointer: format!("/{field}/{i}/env"),
                    });
                }
            }
        }
        for (i, item) in seq(doc.get("helmCharts")).iter().enumerate() {
            if let Some(n) = item.get("valuesFile")
                && let Some(s) = n.as_str()
                && !is_remote(s)
            {
                out.push(Ref {
                    kind: RefKind::Input,
                    field: "helmCharts",
                    target: s,
                    node: n,
                    pointer: format!("/helmCharts/{i}/valuesFile"),
                });
            }
        }
        out
    }

    /// The repo-relative path a reference leads to; None for remote references and paths
    /// that leave the repository.
    pub fn local(&self, r: &Ref<'_>) -> Option<String> {
        if is_remote(r.target) {
            return None;
        }
        crate::spec::paths::repo_relative(&self.dir, r.target).ok()
    }

    /// A `kind: Component`: it patches what the kustomization that lists it brings, so it is
    /// never built on its own.
    pub fn is_component(&self) -> bool {
        self.field("kind") == Some("Component")
    }

    /// A string field (`namePrefix`, `namespace`...).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.doc.get(name).and_then(Node::as_str)
    }
}

/// A list of paths under `field`. Inline patches and transformer configs are YAML text, not
/// paths.
fn paths<'a>(doc: &'a Node, field: &'static str, kind: RefKind, out: &mut Vec<Ref<'a>>) {
    for (i, n) in seq(doc.get(field)).iter().enumerate() {
        if let Some(s) = n.as_str().filter(|s| !s.contains('\n')) {
            out.push(Ref {
                kind,
                field,
                target: s,
                node: n,
                pointer: format!("/{field}/{i}"),
            });
        }
    }
}

fn seq(node: Option<&Node>) -> &[Node] {
    node.and_then(Node::as_seq).unwrap_or(&[])
}

/// Remote bases and resources: URLs, `github.com/org/repo//path?ref=v1`, scp-like git.
pub fn is_remote(target: &str) -> bool {
    target.contains("://")
        || target.starts_with("git@")
        || target.contains("?ref=")
        || target.contains("?version=")
        || ["github.com/", "gitlab.com/", "bitbucket.org/"]
            .iter()
            .any(|h| target.starts_with(h))
}

/// The kustomization file in a folder, if any (`dir` is repo-relative).
pub fn file_in(root: &std::path::Path, dir: &str) -> Option<String> {
    NAMES
        .iter()
        .map(|name| {
            if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            }
        })
        .find(|p| crate::confine::is_file(&root.join(p)))
}

/// The kustomization in the folder `dir`, parsed (None when there is none), or why it
/// cannot be read.
fn read_one(root: &std::path::Path, dir: &str) -> Result<Option<Kustomization>, String> {
    let Some(file) = file_in(root, dir) else {
        return Ok(None);
    };
    let text = crate::confine::read_to_string(root, &file)
        .map_err(|e| format!("cannot read `{file}`: {e}"))?;
    let mut stream = crate::yaml::parse_stream(&text).map_err(|e| {
        let why = match e.budget {
            Some(key) => format!("{e}: {}", key.raise()),
            None => format!("{e}"),
        };
        format!("cannot read `{file}`: {why}")
    })?;
    if stream.documents.is_empty() {
        return Ok(None);
    }
    Ok(Some(Kustomization::new(
        file,
        stream.documents.swap_remove(0),
    )))
}

/// Every kustomization of a repository, by folder.
pub struct Kustomizations {
    pub all: Vec<Kustomization>,
    /// Kustomization files [`Kustomizations::read`] could not read or parse, each with why
    /// (`` `app/kustomization.yaml` is 9 MiB, over the 8 MiB read limit... ``): they are not
    /// in `all`, so whoever builds must say so rather than build without them.
    pub unread: Vec<String>,
    by_dir: std::collections::HashMap<String, usize>,
    /// Builds of resource folders shared with other builds of the same files (see
    /// [`native::Shared`]).
    pub shared: Option<std::sync::Arc<native::Shared>>,
}

/// What one build reads: the kustomizations it goes through and the local files it includes
/// as resources.
#[derive(Default)]
pub struct BuildTree {
    /// Indexes into `Kustomizations::all`, the top one first.
    pub kustomizations: Vec<usize>,
    /// Resource files (objects), repo-relative.
    pub files: std::collections::HashSet<String>,
}

impl Kustomizations {
    pub fn new(all: Vec<Kustomization>) -> Kustomizations {
        let by_dir = all
            .iter()
            .enumerate()
            .map(|(i, k)| (k.dir.clone(), i))
            .collect();
        Kustomizations {
            all,
            by_dir,
            shared: None,
            unread: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    pub fn in_dir(&self, dir: &str) -> Option<&Kustomization> {
        self.by_dir.get(dir).map(|&i| &self.all[i])
    }

    /// Folders of the kustomizations no other kustomization includes: building those
    /// covers every other one. Components are never roots: they are built within the
    /// kustomizations that list them.
    pub fn roots(&self) -> Vec<String> {
        let included = self.included();
        self.all
            .iter()
            .filter(|k| !k.is_component())
            .map(|k| k.dir.clone())
            .filter(|dir| !included.contains(dir))
            .collect()
    }

    /// Components no kustomization (of those read) lists: nothing builds them.
    pub fn unlisted_components(&self) -> Vec<&Kustomization> {
        let included = self.included();
        self.all
            .iter()
            .filter(|k| k.is_component() && !included.contains(&k.dir))
            .collect()
    }

    /// Folders some kustomization includes as a resource, base or component.
    fn included(&self) -> std::collections::HashSet<String> {
        let mut included = std::collections::HashSet::new();
        for k in &self.all {
            for r in k.refs() {
                if matches!(r.kind, RefKind::Resource | RefKind::Component)
                    && let Some(target) = k.local(&r)
                {
                    included.insert(target);
                }
            }
        }
        included
    }

    /// The same kustomizations, whose in-process builds share their folder builds (see
    /// [`native::Shared`]): a base that ten environments include is built once, not ten
    /// times. For one run over files that do not change; dropping it frees the builds.
    pub fn sharing_builds(&self) -> Kustomizations {
        let mut ks = Kustomizations::new(self.all.clone());
        ks.unread = self.unread.clone();
        ks.shared = Some(self.shared.clone().unwrap_or_default());
        ks
    }

    /// What building the kustomization in `dir` reads (cycles are cut).
    pub fn tree(&self, dir: &str) -> BuildTree {
        let mut out = BuildTree::default();
        let mut stack = vec![dir.to_string()];
        while let Some(dir) = stack.pop() {
            let Some(&i) = self.by_dir.get(&dir) else {
                continue;
            };
            if out.kustomizations.contains(&i) {
                continue;
            }
            out.kustomizations.push(i);
            let k = &self.all[i];
            for r in k.refs() {
                if !matches!(r.kind, RefKind::Resource | RefKind::Component) {
                    continue;
                }
                let Some(target) = k.local(&r) else { continue };
                if self.by_dir.contains_key(&target) {
                    stack.push(target);
                } else {
                    out.files.insert(target);
                }
            }
        }
        out
    }

    /// The kustomization in `dir` and every local one it includes, read from disk (for a
    /// single build, where walking the whole repository would be wasted).
    pub fn read(root: &std::path::Path, dir: &str) -> Kustomizations {
        Kustomizations::read_shared(root, dir, None)
    }

    /// [`Kustomizations::read`], with files read and parsed once for every build that
    /// shares `shared` (which the result keeps, for its folder builds).
    pub fn read_shared(
        root: &std::path::Path,
        dir: &str,
        shared: Option<std::sync::Arc<native::Shared>>,
    ) -> Kustomizations {
        let mut all = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![dir.to_string()];
        let mut unread = Vec::new();
        while let Some(d) = stack.pop() {
            if !seen.insert(d.clone()) {
                continue;
            }
            let read = match &shared {
                Some(s) => s.kustomization(root, &d, || read_one(root, &d)),
                None => read_one(root, &d),
            };
            let k = match read {
                Ok(Some(k)) => k,
                Ok(None) => continue,
                Err(why) => {
                    unread.push(why);
                    continue;
                }
            };
            for r in k.refs() {
                if matches!(r.kind, RefKind::Resource | RefKind::Component)
                    && let Some(target) = k.local(&r)
                {
                    stack.push(target);
                }
            }
            all.push(k);
        }
        let mut ks = Kustomizations::new(all);
        ks.unread = unread;
        ks.shared = shared;
        ks
    }

    /// Files listed as resources: manifests, whatever sits beside them (a `Chart.yaml`).
    pub fn resource_files(&self) -> std::collections::HashSet<String> {
        let mut out = std::collections::HashSet::new();
        for k in &self.all {
            for r in k.refs() {
                if r.kind == RefKind::Resource
                    && let Some(p) = k.local(&r)
                    && !self.by_dir.contains_key(&p)
                {
                    out.insert(p);
                }
            }
        }
        out
    }

    /// Files named as patches or data inputs: partial objects, not objects to validate.
    pub fn inputs(&self) -> std::collections::HashSet<String> {
        let mut out = std::collections::HashSet::new();
        for k in &self.all {
            for r in k.refs() {
                if matches!(r.kind, RefKind::Patch | RefKind::Input)
                    && let Some(p) = k.local(&r)
                {
                    out.insert(p);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    fn k(text: &str) -> Kustomization {
        Kustomization::new(
            "apps/web/kustomization.yaml".into(),
            parse_stream(text).unwrap().documents.remove(0),
        )
    }

    #[test]
    fn every_field_that_names_a_file_is_read() {
        let k = k(
            "resources: [deploy.yaml, ../base, https://github.com/x/y//z?ref=v1]\n\
             components: [../../components/tls]\n\
             patches:\n  - path: p.yaml\n  - patch: |\n      - op: remove\n        path: /x\n\
             patchesStrategicMerge: [sm.yaml]\n\
             configMapGenerator:\n  - name: c\n    files: [conf=config.yaml, raw.txt]\n    envs: [a.env]\n\
             secretGenerator:\n  - name: s\n    env: s.env\n\
             helmCharts:\n  - name: x\n    valuesFile: values.yaml\n\
             replacements:\n  - path: r.yaml\n",
        );
        let refs: Vec<(RefKind, &str, String)> = k
            .refs()
            .iter()
            .map(|r| (r.kind, r.target, r.pointer.clone()))
            .collect();
        use RefKind::*;
        assert_eq!(
            refs,
            [
                (Resource, "deploy.yaml", "/resources/0".into()),
                (Resource, "../base", "/resources/1".into()),
                (
                    Resource,
                    "https://github.com/x/y//z?ref=v1",
                    "/resources/2".into()
                ),
                (Component, "../../components/tls", "/components/0".into()),
                (Patch, "sm.yaml", "/patchesStrategicMerge/0".into()),
                (Patch, "p.yaml", "/patches/0/path".into()),
                (Input, "r.yaml", "/replacements/0/path".into()),
                (Input, "config.yaml", "/configMapGenerator/0/files/0".into()),
                (Input, "raw.txt", "/configMapGenerator/0/files/1".into()),
                (Input, "a.env", "/configMapGenerator/0/envs/0".into()),
                (Input, "s.env", "/secretGenerator/0/env".into()),
                (Input, "values.yaml", "/helmCharts/0/valuesFile".into()),
            ]
        );
        let refs = k.refs();
        assert_eq!(k.local(&refs[1]).as_deref(), Some("apps/base"));
        assert_eq!(k.local(&refs[2]), None);
    }

    fn at(file: &str, text: &str) -> Kustomization {
        Kustomization::new(file.into(), parse_stream(text).unwrap().documents.remove(0))
    }

    #[test]
    fn roots_and_what_they_read() {
        let all = Kustomizations::new(vec![
            at("base/kustomization.yaml", "resources: [a.yaml]\n"),
            at(
                "overlays/prod/kustomization.yaml",
                "resources: [../../base, extra.yaml]\npatches: [{path: p.yaml}]\n",
            ),
            at(
                "overlays/dev/kustomization.yaml",
                "resources: [../../base, https://github.com/x/y]\n",
            ),
        ]);
        assert_eq!(all.roots(), ["overlays/prod", "overlays/dev"]);
        let tree = all.tree("overlays/prod");
        assert_eq!(tree.kustomizations, [1, 0]);
        let mut files: Vec<_> = tree.files.into_iter().collect();
        files.sort();
        assert_eq!(files, ["base/a.yaml", "overlays/prod/extra.yaml"]);
        assert!(all.inputs().contains("overlays/prod/p.yaml"));
        let mut resources: Vec<_> = all.resource_files().into_iter().collect();
        resources.sort();
        assert_eq!(resources, ["base/a.yaml", "overlays/prod/extra.yaml"]);
    }

    #[test]
    fn components_are_never_roots() {
        let all = Kustomizations::new(vec![
            at(
                "app/kustomization.yaml",
                "resources: [../base]\ncomponents: [../tls]\n",
            ),
            at("base/kustomization.yaml", "resources: [a.yaml]\n"),
            at(
                "tls/kustomization.yaml",
                "kind: Component\npatches: [{path: p.yaml}]\n",
            ),
            at(
                "lone/kustomization.yaml",
                "kind: Component\nresources: [np.yaml]\n",
            ),
        ]);
        assert_eq!(all.roots(), ["app"]);
        let lone: Vec<&str> = all
            .unlisted_components()
            .iter()
            .map(|k| k.dir.as_str())
            .collect();
        assert_eq!(lone, ["lone"]);
    }

    #[test]
    fn remote_references() {
        for r in [
            "https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1",
            "github.com/org/repo/deploy?ref=main",
            "git@github.com:org/repo.git",
            "ssh://git@host/org/repo.git",
        ] {
            assert!(is_remote(r), "{r}");
        }
        assert!(!is_remote("../base"));
        assert!(!is_remote("github-app.yaml"));
    }
}
