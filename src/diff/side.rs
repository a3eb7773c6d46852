//! One side of a diff: a folder holding the repository as it was (a commit, written to a
//! temporary folder) or is (the work tree), with the platform spec compiled into it, and
//! the Applications and ApplicationSets it defines.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::compile::OUT_DIR;
use crate::source::Sources;

/// The repository on one side.
pub struct Side {
    /// Where its files are.
    pub root: PathBuf,
    /// Keeps the temporary folder alive as long as the side (deleted on drop).
    _temp: Option<tempfile::TempDir>,
    /// Said on stderr: how the side was made.
    pub notes: Vec<String>,
}

/// An Application or ApplicationSet found on one side.
#[derive(Debug, Clone)]
pub struct AppDef {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// The environment it belongs to: the `platc.io/environment` label of generated ones,
    /// else the destination cluster's name.
    pub env: String,
    /// The file it is written in, repo-relative.
    pub file: String,
    pub object: Value,
    /// For an Application an ApplicationSet generates: that ApplicationSet's identity.
    pub parent: Option<(String, String, String, String)>,
    /// For an ApplicationSet: whether it was expanded into its Applications on this side
    /// (None when it was not: it is then compared as an object only).
    pub expanded: Option<bool>,
}

impl AppDef {
    /// What matches the same Application on the other side.
    pub fn key(&self) -> (String, String, String, String) {
        (
            self.env.clone(),
            self.kind.clone(),
            self.namespace.clone(),
            self.name.clone(),
        )
    }
}

fn compile_error(what: &str, findings: &[crate::report::Finding]) -> String {
    let first = findings
        .iter()
        .map(|f| match (&f.file, f.line) {
            (Some(file), Some(line)) => format!("{file}:{line}: {}", f.message),
            (Some(file), None) => format!("{file}: {}", f.message),
            _ => f.message.clone(),
        })
        .next()
        .unwrap_or_default();
    // A spec message can quote a value: never a credential.
    crate::secrets::redact::redact_credentials(&format!(
        "the platform spec of {what} does not compile ({} problem{}; `platc build` shows them all): {first}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    ))
}

/// The tree the spec at `root` compiles to, if there is a spec.
fn compiled(root: &Path, spec_file: &str, what: &str) -> Result<Option<crate::tree::Tree>, String> {
    if !root.join(spec_file).is_file() {
        return Ok(None);
    }
    let mut sources = Sources::default();
    let spec = crate::spec::load(root, spec_file, &mut sources)
        .map_err(|e| compile_error(what, &e.findings))?;
    let tree = crate::compile::compile(&spec).map_err(|f| compile_error(what, &f))?;
    Ok(Some(tree))
}

/// The commit's files in a temporary folder, with its spec compiled into `overlays/`.
pub fn at_commit(repo: &Path, base: &super::git::Base, spec_file: &str) -> Result<Side, String> {
    let temp = tempfile::Builder::new()
        .prefix("platc-diff-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let root = temp.path().to_path_buf();
    super::git::extract(repo, &base.commit, &root)?;
    let mut notes = Vec::new();
    let what = format!("{} ({})", base.name, short(&base.commit));
    if let Some(tree) = compiled(&root, spec_file, &what)? {
        crate::tree::write(&root, OUT_DIR, &tree).map_err(|e| format!("{what}: {e}"))?;
        notes.push(format!("{what}: {spec_file} compiled in memory"));
    }
    Ok(Side {
        root,
        _temp: Some(temp),
        notes,
    })
}

/// The work tree as it is, with its spec compiled. When `overlays/` is not what the spec
/// produces (a spec edit without `platc build`), the work tree is copied to a temporary
/// folder and compiled there: the diff shows what the spec would deploy, and the work tree
/// is never written.
pub fn work_tree(repo: &Path, spec_file: &str) -> Result<Side, String> {
    let Some(tree) = compiled(repo, spec_file, "the work tree")? else {
        return Ok(Side {
            root: repo.to_path_buf(),
            _temp: None,
            notes: Vec::new(),
        });
    };
    if crate::tree::check(repo, OUT_DIR, &tree).is_empty() {
        return Ok(Side {
            root: repo.to_path_buf(),
            _temp: None,
            notes: vec![format!(
                "work tree: {OUT_DIR}/ is what {spec_file} produces"
            )],
        });
    }
    let temp = tempfile::Builder::new()
        .prefix("platc-diff-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let root = temp.path().to_path_buf();
    for file in super::git::work_tree_files(repo)? {
        let from = repo.join(&file);
        // Deleted but still in the index: not in the work tree.
        if !from.is_file() {
            continue;
        }
        let to = root.join(&file);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        std::fs::copy(&from, &to).map_err(|e| format!("cannot copy `{file}`: {e}"))?;
    }
    crate::tree::write(&root, OUT_DIR, &tree).map_err(|e| format!("work tree: {e}"))?;
    Ok(Side {
        root,
        _temp: Some(temp),
        notes: vec![format!(
            "work tree: {OUT_DIR}/ is not what {spec_file} produces: compared as `platc build` would write it"
        )],
    })
}

pub fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// Every Application and ApplicationSet in the side's YAML and JSON files (those git does
/// not ignore), in path order.
pub fn applications(root: &Path) -> Vec<AppDef> {
    scan(root).applications
}

/// What one side declares to Argo CD.
#[derive(Debug, Default)]
pub struct Found {
    pub applications: Vec<AppDef>,
    /// The clusters of its Argo CD cluster Secrets, by name (the first of a name wins).
    pub clusters: Vec<super::appset::Cluster>,
    /// A note for each file over `limits.fileSize`: not read, so an Application in it would
    /// be missing from the diff, and that is said.
    pub notes: Vec<String>,
}

/// The Applications, ApplicationSets and cluster Secrets of a side, in path order.
pub fn scan(root: &Path) -> Found {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .require_git(false)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        })
        .collect();
    files.sort();
    let mut apps = Vec::new();
    let mut clusters: Vec<super::appset::Cluster> = Vec::new();
    let mut notes = Vec::new();
    let limit = crate::limits::current().file_size;
    for path in files {
        let len = std::fs::metadata(&path).map_or(0, |m| m.len());
        if len > limit.get() {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy();
            notes.push(format!(
                "`{rel}` is {}, over the {limit} read limit (`limits.fileSize`): not read, so an Application in it is not compared",
                crate::limits::bytes(len)
            ));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Most files hold no Argo CD object: skip them unparsed.
        if !text.contains("argoproj.io") {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        for object in crate::manifest::read_objects(&rel, &text).objects {
            let is_argo = object
                .api_version()
                .is_some_and(|v| v.starts_with("argoproj.io/"));
            let kind = object.kind().unwrap_or_default().to_string();
            if kind == "Secret" {
                if let Some(c) = super::appset::Cluster::from_secret(&object.node.to_json())
                    && !clusters.iter().any(|k| k.name == c.name)
                {
                    clusters.push(c);
                }
                continue;
            }
            if !is_argo || !(kind == "Application" || kind == "ApplicationSet") {
                continue;
            }
            let Some(name) = object.name().map(str::to_string) else {
                continue;
            };
            // A template (`{{...}}`) is no Application of its own.
            if name.contains("{{") {
                continue;
            }
            let value = object.node.to_json();
            let namespace = object.namespace().unwrap_or("argocd").to_string();
            apps.push(AppDef {
                env: environment(&value),
                kind,
                name,
                namespace,
                file: rel.clone(),
                object: value,
                parent: None,
                expanded: None,
            });
        }
    }
    clusters.sort_by(|a, b| a.name.cmp(&b.name));
    Found {
        applications: apps,
        clusters,
        notes,
    }
}

/// The environment an Application deploys to, for the summary.
pub fn environment(app: &Value) -> String {
    if let Some(env) = app
        .pointer("/metadata/labels/platc.io~1environment")
        .and_then(Value::as_str)
    {
        return env.to_string();
    }
    let destination = app.pointer("/spec/destination");
    if let Some(name) = destination
        .and_then(|d| d.get("name"))
        .and_then(Value::as_str)
    {
        return name.to_string();
    }
    match destination
        .and_then(|d| d.get("server"))
        .and_then(Value::as_str)
    {
        Some("https://kubernetes.default.svc") | None => "in-cluster".to_string(),
        Some(server) => server
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split(['/', ':'])
            .next()
            .unwrap_or(server)
            .to_string(),
    }
}
