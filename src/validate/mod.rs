//! `platc validate`: every Kubernetes object in the repository against its schema.

pub mod build;
mod bundles;
mod explain;
pub mod files;
pub(crate) mod meta;
pub mod read;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::kustomize::{Kustomization, Kustomizations};
use crate::manifest::{Object, ObjectRef};
use crate::report::{Finding, Severity};
use crate::schema::core::{self, Core};
use crate::schema::registry::{Found, Registry};
use crate::source::Sources;
use crate::yaml::Node;
use files::FileKind;

/// How to validate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The Kubernetes minor version, such as "1.33" (default: the newest embedded).
    pub kubernetes_version: Option<String>,
    /// Further schema folders (CRDs, or JSON schemas in the kubeconform or CRDs-catalog
    /// layouts).
    pub schema_dirs: Vec<PathBuf>,
    /// A kind without a schema is an error rather than information.
    pub strict_missing: bool,
    /// How to build kustomizations (None: find kustomize or kubectl on PATH).
    pub kustomize: Option<PathBuf>,
    /// Validate the raw files only.
    pub no_build: bool,
    /// Fetch remote bases, resources and Helm charts when building.
    pub network: bool,
    /// Check objects against their schemas (`validate`).
    pub schemas: bool,
    /// Run the lint rules (`lint`).
    pub lint: bool,
    /// Scan each YAML file for credentials from the bytes read to parse it (`check`, which
    /// would otherwise read every file twice): the scans come back in `Outcome::scanned`.
    pub secrets: bool,
}

/// What validation found.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub sources: Sources,
    pub files: usize,
    pub objects: usize,
    /// Path arguments under which no YAML file was found.
    pub empty_paths: Vec<String>,
    /// Files found but not checked, by reason (`excluded by .platc.yaml`, `unreadable`).
    pub skipped: Vec<(String, usize)>,
    /// With `Options::secrets`: the secret scans of the files read, for the secret scan of
    /// the whole tree to take instead of reading them again.
    pub scanned: crate::secrets::Prescanned,
    /// Each folder built, and who built it (for `--verbose`), by folder.
    pub built_by: Vec<(String, build::BuiltBy)>,
}

/// One file's text and what kind of file it is.
struct Text {
    path: String,
    text: Arc<str>,
    kind: FileKind,
    /// Its secret scan, when asked for (and the file not excluded from it).
    secrets: Option<crate::secrets::Scanned>,
}

/// What validating one file found.
struct Checked {
    findings: Vec<Finding>,
    objects: usize,
    /// What the rules across objects need from this file's objects.
    raw: bundles::RawFile,
}

/// The YAML files under the given paths (repo-relative, sorted), honouring .gitignore; and
/// how many were left out for being hidden.
///
/// Hidden files and folders (`.github/`, `.chainsaw-test/`, `.kyverno-test/`...) hold CI
/// workflows and test fixtures, often deliberately broken objects, never what is deployed:
/// they are not validated or linted unless named on the command line (a hidden folder named
/// is read whole). They are counted, so the summary says how many were skipped. The secret
/// scan does read them: a credential committed anywhere has leaked. Version-control folders
/// are not walked at all.
fn yaml_files(root: &Path, paths: &[String]) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut hidden = Vec::new();
    let starts: Vec<PathBuf> = if paths.is_empty() {
        vec![root.to_path_buf()]
    } else {
        paths.iter().map(|p| root.join(p)).collect()
    };
    for start in starts {
        let walker = ignore::WalkBuilder::new(&start)
            .require_git(false)
            .hidden(false)
            .filter_entry(|e| !is_vcs_folder(e.file_name()))
            .build();
        for entry in walker.flatten() {
            let p = entry.path();
            if !p.extension().is_some_and(|e| e == "yaml" || e == "yml")
                || !crate::confine::walked_file(&entry)
            {
                continue;
            }
            let Ok(rel) = p.strip_prefix(root) else {
                continue;
            };
            if rel.components().any(|c| is_vcs_folder(c.as_os_str())) {
                continue;
            }
            let rel = rel.to_string_lossy().replace('\\', "/");
            let below_start = p.strip_prefix(&start).unwrap_or(p);
            if below_start
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
            {
                hidden.push(rel);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out.dedup();
    hidden.sort();
    hidden.dedup();
    // A file both hidden below one path and named through another is read.
    hidden.retain(|h| out.binary_search(h).is_err());
    (out, hidden.len())
}

/// Version control's own folders: never manifests (the secret scan skips `.git` too).
fn is_vcs_folder(name: &std::ffi::OsStr) -> bool {
    [".git", ".hg", ".svn", ".jj"].iter().any(|v| name == *v)
}

/// The path arguments under which none of `files` lies.
fn paths_without_files(paths: &[String], files: &[String]) -> Vec<String> {
    paths
        .iter()
        .filter(|p| {
            !files
                .iter()
                .any(|f| f == *p || f.starts_with(&format!("{}/", p.trim_end_matches('/'))))
        })
        .cloned()
        .collect()
}

/// Folders that hold a Helm chart.
fn chart_dirs(root: &Path, files: &[String]) -> Vec<String> {
    let mut dirs: Vec<String> = files
        .iter()
        .filter(|f| f.rsplit('/').next() == Some("Chart.yaml"))
        .map(|f| {
            f.rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string())
        })
        .collect();
    // Chart.yaml files are YAML themselves, but a chart folder may also be found by walking.
    let _ = root;
    dirs.sort();
    dirs
}

fn read_text(
    root: &Path,
    path: &str,
    charts: &[String],
    inputs: &HashSet<String>,
    resources: &HashSet<String>,
    secrets: Option<&crate::config::Settings>,
) -> Result<Text, (String, read::Unreadable)> {
    let full = root.join(path);
    // A link is read only when it stays in the repository: its target's lines would
    // otherwise show in snippets and findings.
    if std::fs::symlink_metadata(&full).is_ok_and(|m| m.file_type().is_symlink())
        && let Err(e) = crate::confine::within(root, &full, path)
    {
        return Err((path.to_string(), read::Unreadable::Io(e.to_string())));
    }
    let bytes = read::read_bytes(&full).map_err(|e| (path.to_string(), e))?;
    // The secret scan reads bytes as they are; a text decoded from them unchanged (no byte
    // order mark, no other encoding) is what it would read itself.
    let as_is = !bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        && !bytes.starts_with(&[0xFF, 0xFE])
        && !bytes.starts_with(&[0xFE, 0xFF]);
    let text: Arc<str> = Arc::from(read::decode(bytes).map_err(|e| (path.to_string(), e))?);
    let secrets = secrets
        .filter(|settings| as_is && !settings.is_excluded_from_secrets(path))
        .map(|_| crate::secrets::scan_text(path, &text));
    // The innermost chart holding the file, and the file's path inside it. A file a
    // kustomization lists as a resource is a manifest, even in a chart's folder.
    let in_chart = charts
        .iter()
        .filter(|_| !resources.contains(path))
        .filter_map(|d| {
            if d.is_empty() {
                Some(path)
            } else {
                path.strip_prefix(&format!("{d}/"))
            }
        })
        .min_by_key(|inside| inside.len());
    // Helm installs a chart's `crds/` verbatim (no templating): plain manifests, and the
    // schemas of the chart's kinds.
    let kind = if in_chart.is_some_and(|inside| inside.starts_with("crds/")) {
        FileKind::Manifests
    } else if in_chart.is_some() {
        FileKind::Chart
    } else if crate::kustomize::is_kustomization(path) {
        FileKind::Kustomization
    } else if inputs.contains(path) || files::looks_like_patch(path) {
        FileKind::KustomizeInput
    } else if files::looks_like_values(path) && !looks_like_object(&text) {
        FileKind::HelmValues
    } else {
        FileKind::Manifests
    };
    Ok(Text {
        path: path.to_string(),
        text,
        kind,
        secrets,
    })
}

/// The Kubernetes objects of a manifests file (parsed once), and the problems reading it.
fn objects_in(t: &Text) -> (Vec<Object>, Vec<Finding>) {
    let parsed = crate::yaml::parse_stream(&t.text);
    if files::holds_template_syntax(
        &t.text,
        parsed.as_ref().ok().map(|s| s.documents.as_slice()),
    ) {
        return (Vec::new(), vec![template_note(&t.path)]);
    }
    let read = match parsed {
        Ok(stream) => crate::manifest::objects_of(&t.path, Ok(stream)),
        // A file over a limit is over it as a whole: its documents are not read one by one.
        Err(e) if e.budget.is_some() => crate::manifest::objects_of(&t.path, Err(e)),
        // One broken document does not hide the others.
        Err(_) => crate::manifest::objects_of_documents_apart(&t.path, &t.text),
    };
    let objects: Vec<Object> = read
        .objects
        .into_iter()
        .filter(|o| o.api_version().is_some() && o.kind().is_some())
        .filter(|o| crate::manifest::applied::not_applied(o).is_none())
        .collect();
    // `${{ values.x }}`: a Backstage template's placeholder, replaced when it renders (in a
    // scaffolder Template itself, which is not applied, it is just a value).
    if t.text.contains("${{") && !objects.is_empty() {
        return (Vec::new(), vec![template_note(&t.path)]);
    }
    (objects, read.findings)
}

/// Why a kustomization cannot be read as YAML (kustomize fails on it too): a template, or a
/// syntax error.
fn unparsable_kustomization(t: &Text) -> Option<Finding> {
    let e = crate::yaml::parse_stream(&t.text).err()?;
    if files::holds_template_syntax(&t.text, None) {
        return Some(template_note(&t.path));
    }
    crate::manifest::objects_of(&t.path, Err(e))
        .findings
        .into_iter()
        .next()
}

/// The one note for a file that is a template rather than YAML.
fn template_note(path: &str) -> Finding {
    Finding::new("yaml/template", Severity::Info, "skipped: the file holds template syntax, so it is not YAML until rendered")
        .at(path, None)
        .with_help("platc validates what the templates render to when they are built (Helm charts through Argo CD, blueprints through `platc build`)")
}

/// A file named like Helm values that still holds top-level `apiVersion` and `kind` is a
/// manifest (a `values-operator.yaml` holding a CR, say).
fn looks_like_object(text: &str) -> bool {
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    top("apiVersion:") && top("kind:")
}

fn is_crd(o: &Object) -> bool {
    o.kind() == Some("CustomResourceDefinition")
        && o.api_version()
            .is_some_and(|a| a.starts_with("apiextensions.k8s.io/"))
}

/// What the platform spec (if any) says about the target: read once.
#[derive(Default)]
struct SpecHints {
    /// Each environment's `kubernetesVersion`, with where it is written.
    kubernetes_versions: Vec<(String, crate::yaml::Span, String)>,
    argocd_namespace: Option<String>,
    repo_url: Option<String>,
}

impl SpecHints {
    fn read(root: &Path) -> SpecHints {
        let Ok(text) = crate::confine::read_to_string(root, crate::spec::DEFAULT_SPEC) else {
            return SpecHints::default();
        };
        let Ok(stream) = crate::yaml::parse_stream(&text) else {
            return SpecHints::default();
        };
        let Some(doc) = stream.documents.first() else {
            return SpecHints::default();
        };
        let kubernetes_versions = doc
            .pointer("/spec/environments")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let v = e.get("kubernetesVersion")?;
                let pointer = format!("/spec/environments/{i}/kubernetesVersion");
                Some((v.as_str()?.to_string(), v.span, pointer))
            })
            .collect();
        let argocd_namespace = doc
            .pointer("/spec/argocd/namespace")
            .and_then(Node::as_str)
            .map(str::to_string);
        let repo_url = doc
            .pointer("/spec/repo/url")
            .and_then(Node::as_str)
            .map(str::to_string);
        SpecHints {
            kubernetes_versions,
            argocd_namespace,
            repo_url,
        }
    }
}

/// The version the spec's environments target (schemas to load, target of the deprecation
/// rules): the first one written. When checking schemas, an environment naming a version
/// platc has no schemas for is an error at its line (its objects would otherwise be judged
/// by another version's schemas without a word), and the first supported one is used.
fn spec_version(
    hints: &SpecHints,
    schemas: bool,
    findings: &mut Vec<Finding>,
) -> (&'static str, String) {
    let mut chosen = None;
    for (wanted, span, pointer) in &hints.kubernetes_versions {
        match core::pick(wanted) {
            Ok(v) => {
                chosen.get_or_insert((v, v.to_string()));
            }
            Err(e) if schemas => findings.push(
                Finding::error("schema/kubernetes-version", e)
                    .at_span(crate::spec::DEFAULT_SPEC, Some(*span))
                    .with_path(pointer),
            ),
            Err(_) if core::is_version(wanted) => {
                chosen.get_or_insert((core::nearest(wanted), wanted.clone()));
            }
            // Not a version at all: the spec's own checks say so.
            Err(_) => {}
        }
    }
    chosen.unwrap_or_else(|| (core::newest(), core::newest().to_string()))
}

/// Learn schemas from folders given with `--schemas`: CRD YAML files, or JSON schemas named
/// `<group>/<kind>_<version>.json` (CRDs-catalog) or `<kind>-<group>-<version>.json`
/// (kubeconform).
fn load_schema_dir(registry: &mut Registry, dir: &Path) -> Result<usize, String> {
    if !dir.exists() {
        return Err(format!(
            "the schema folder `{}` does not exist",
            dir.display()
        ));
    }
    let files: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .build()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| p.is_file())
        .collect();
    // Reading and converting CRDs is most of the cost (upstream CRDs run to megabytes), so
    // it runs in parallel; the registry is filled afterwards, in a stable order.
    let mut loaded: Vec<(PathBuf, Vec<Loaded>)> = files
        .par_iter()
        .map(|p| (p.clone(), load_schema_file(dir, p)))
        .collect();
    loaded.sort_by(|a, b| a.0.cmp(&b.0));
    let mut added = 0;
    for (path, schemas) in loaded {
        for l in schemas {
            registry.add_schema(
                &l.api_version,
                &l.kind,
                l.schema,
                &path.display().to_string(),
                l.namespaced,
            );
            added += 1;
        }
    }
    Ok(added)
}

struct Loaded {
    api_version: String,
    kind: String,
    schema: serde_json::Value,
    namespaced: Option<bool>,
}

fn load_schema_file(dir: &Path, p: &Path) -> Vec<Loaded> {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default();
    let Ok(text) = std::fs::read_to_string(p) else {
        return Vec::new();
    };
    if ext == "yaml" || ext == "yml" {
        let Ok(stream) = crate::yaml::parse_stream(&text) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for doc in stream.documents {
            let json = doc.to_json();
            if json.get("kind").and_then(|k| k.as_str()) != Some("CustomResourceDefinition") {
                continue;
            }
            let namespaced =
                json.pointer("/spec/scope").and_then(|s| s.as_str()) != Some("Cluster");
            for v in crate::schema::crd::convert(&json).unwrap_or_default() {
                out.push(Loaded {
                    api_version: v.api_version(),
                    kind: v.kind,
                    schema: v.schema,
                    namespaced: Some(namespaced),
                });
            }
        }
        out
    } else if ext == "json" {
        let Some((api_version, kind)) = schema_file_key(dir, p) else {
            return Vec::new();
        };
        let Ok(schema) = serde_json::from_str(&text) else {
            return Vec::new();
        };
        vec![Loaded {
            api_version,
            kind,
            schema,
            namespaced: None,
        }]
    } else {
        Vec::new()
    }
}

/// apiVersion and kind from a schema file's place in a schema folder.
fn schema_file_key(dir: &Path, file: &Path) -> Option<(String, String)> {
    let rel = file
        .strip_prefix(dir)
        .ok()?
        .to_string_lossy()
        .replace('\\', "/");
    let stem = rel.strip_suffix(".json")?;
    if let Some((group, rest)) = stem.rsplit_once('/') {
        // CRDs-catalog: <group>/<kind>_<version>
        let group = group.rsplit('/').next()?;
        let (kind, version) = rest.rsplit_once('_')?;
        let api_version = if group == "core" {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        return Some((api_version, kind.to_string()));
    }
    // kubeconform: <kind>-<group>-<version>, or <kind>-<version> for the core group.
    let (kind, rest) = stem.split_once('-')?;
    let api_version = match rest.rsplit_once('-') {
        Some((group, version)) => format!("{group}/{version}"),
        None => rest.to_string(),
    };
    Some((api_version, kind.to_string()))
}

/// Validate the repository at `root` (or the given paths in it).
pub fn validate(
    root: &Path,
    paths: &[String],
    opts: &Options,
    settings: &crate::config::Settings,
) -> Result<Outcome, String> {
    let hints = SpecHints::read(root);
    let mut findings = Vec::new();
    // `--kubernetes-version`, else the spec's first environment that names one, else the
    // newest embedded.
    // Without schema checks (`lint`), a version platc has no schemas for is still the target
    // of the deprecation rules; only the namespaced scopes come from the nearest schemas.
    let (version, target) = match &opts.kubernetes_version {
        Some(v) => match core::pick(v) {
            Ok(p) => (p, p.to_string()),
            Err(e) if opts.schemas || !core::is_version(v) => return Err(e),
            Err(_) => (core::nearest(v), v.clone()),
        },
        None => spec_version(&hints, opts.schemas, &mut findings),
    };
    let argocd_namespace = hints
        .argocd_namespace
        .unwrap_or_else(|| "argocd".to_string());
    let repo_urls: Vec<String> = settings
        .config
        .repo_urls
        .iter()
        .cloned()
        .chain(hints.repo_url)
        .collect();
    let repo = crate::repo::Repo::discover(root, &repo_urls);
    let lint = crate::rules::Context {
        kubernetes_version: &target,
        argocd_namespace: &argocd_namespace,
        repo: &repo,
    };
    let mut registry = Registry::new(Core::load(version));
    // Schemas imported into the repository.
    let imported = root.join("schemas/crds");
    if imported.is_dir() {
        load_schema_dir(&mut registry, &imported)?;
    }
    for dir in &opts.schema_dirs {
        load_schema_dir(&mut registry, &root.join(dir))?;
    }

    let (mut all, hidden) = yaml_files(root, paths);
    let empty_paths = paths_without_files(paths, &all);
    let found = all.len();
    all.retain(|p| !settings.is_excluded(p));
    let mut skipped = Vec::new();
    if hidden > 0 {
        skipped.push((
            "in hidden files or folders (name one to check it)".to_string(),
            hidden,
        ));
    }
    if all.len() < found {
        skipped.push(("excluded by .platc.yaml".to_string(), found - all.len()));
    }
    for skeleton in files::backstage_skeletons(&all, |f| read::read(&root.join(f)).ok()) {
        let inside = format!("{skeleton}/");
        let count = all.iter().filter(|f| f.starts_with(&inside)).count();
        all.retain(|f| !f.starts_with(&inside));
        findings.push(
            Finding::new(
                "yaml/template",
                Severity::Info,
                format!("skipped: `{skeleton}` is a Backstage template skeleton ({count} YAML file{}), not YAML until the template renders it", if count == 1 { "" } else { "s" }),
            )
            .at(&skeleton, None)
            .with_help("check what the template renders, in the repository it creates"),
        );
    }
    let charts = chart_dirs(root, &all);
    // Kustomizations first: they say which files are patches and generator inputs. One that
    // does not parse is reported with the other manifests' reading problems below.
    let mut parsed = Vec::new();
    for k in all.iter().filter(|f| crate::kustomize::is_kustomization(f)) {
        if let Ok(text) = read::read(&root.join(k))
            && let Ok(mut stream) = crate::yaml::parse_stream(&text)
            && !stream.documents.is_empty()
        {
            let doc = stream.documents.swap_remove(0);
            parsed.push(Kustomization::new(k.clone(), doc));
        }
    }
    let kustomizations = Kustomizations::new(parsed);
    let inputs = kustomizations.inputs();
    let resources = kustomizations.resource_files();
    let scan_secrets = opts.secrets.then_some(settings);
    let (texts, unreadable): (Vec<_>, Vec<_>) = all
        .par_iter()
        .map(|p| read_text(root, p, &charts, &inputs, &resources, scan_secrets))
        .partition(Result::is_ok);
    let mut texts: Vec<Text> = texts.into_iter().flatten().collect();
    let scanned: crate::secrets::Prescanned = texts
        .iter_mut()
        .filter_map(|t| Some((t.path.clone(), t.secrets.take()?)))
        .collect();
    if !unreadable.is_empty() {
        skipped.push(("unreadable (io/unreadable)".to_string(), unreadable.len()));
    }
    findings.extend(
        unreadable
            .into_iter()
            .filter_map(Result::err)
            .map(|(path, e)| e.finding(&path)),
    );
    findings.extend(
        texts
            .par_iter()
            .filter(|t| t.kind == FileKind::Kustomization)
            .filter_map(unparsable_kustomization)
            .collect::<Vec<_>>(),
    );
    let manifests: Vec<&Text> = texts
        .iter()
        .filter(|t| t.kind == FileKind::Manifests)
        .collect();

    // CRDs anywhere in the repository are learned before anything is validated.
    let crds: Vec<(String, Vec<Object>)> = manifests
        .par_iter()
        .filter(|t| t.text.contains("CustomResourceDefinition"))
        .map(|t| {
            (
                t.path.clone(),
                objects_in(t).0.into_iter().filter(is_crd).collect(),
            )
        })
        .collect();
    for (path, objects) in &crds {
        for o in objects {
            match registry.add_crd(&o.node.to_json(), path) {
                // One info finding per keyword left out, at the CRD: never one per object.
                Ok(added) => findings.extend(added.iter().flat_map(|a| {
                    a.dropped_patterns.iter().map(|d| {
                        Finding::new(
                            "schema/pattern-unsupported",
                            Severity::Info,
                            d.message(&a.key),
                        )
                        .at(&*o.file, Some(o.node.span.start))
                        .with_object(o.describe())
                    })
                })),
                Err(e) => findings.push(
                    Finding::error(
                        "schema/invalid-crd",
                        format!("the CRD cannot be converted: {e}"),
                    )
                    .at(&*o.file, Some(o.node.span.start))
                    .with_object(o.describe()),
                ),
            }
        }
    }
    drop(crds);

    // Each file is parsed, checked and dropped in one go: only findings, facts and the few
    // Argo CD objects the project rule reads are kept, so memory stays flat however large
    // the repository.
    let checked: Vec<Checked> = manifests
        .par_iter()
        .map(|t| {
            let (objects, mut file_findings) = objects_in(t);
            let mut facts = Vec::new();
            let mut ids = Vec::new();
            for o in &objects {
                file_findings.extend(check_object(&registry, opts, &lint, o));
                if opts.lint {
                    facts.extend(crate::rules::bundle::facts_of(&ObjectRef { object: o }));
                    let namespaced = registry.is_namespaced(
                        o.api_version().unwrap_or_default(),
                        o.kind().unwrap_or_default(),
                    );
                    if let Some(id) = crate::rules::bundle::ObjectId::of(o, namespaced) {
                        ids.push((id, o.node.span));
                    }
                }
            }
            let count = objects.len();
            let argo = if opts.lint {
                objects
                    .into_iter()
                    .filter(crate::rules::argocd::project_destination::is_argo)
                    .collect()
            } else {
                Vec::new()
            };
            Checked {
                findings: file_findings,
                objects: count,
                raw: bundles::RawFile {
                    path: t.path.clone(),
                    facts,
                    ids,
                    argo,
                },
            }
        })
        .collect();
    let object_count: usize = checked.iter().map(|c| c.objects).sum();
    let mut object_findings = Vec::new();
    let mut raw = Vec::with_capacity(checked.len());
    for c in checked {
        object_findings.extend(c.findings);
        raw.push(c.raw);
    }

    // Builds: every top-level kustomization (validated), and for the lint rules every
    // folder an Application deploys (to know what it deploys).
    let mut builds = Vec::new();
    let mut built_by: Vec<(String, build::BuiltBy)> = Vec::new();
    let mut not_built = Vec::new();
    if !opts.no_build && !kustomizations.is_empty() {
        let kustomize = build::Kustomize::find(opts.kustomize.as_deref());
        let roots = kustomizations.roots();
        let mut dirs: Vec<(String, bool)> = roots.iter().map(|d| (d.clone(), true)).collect();
        if opts.lint {
            for d in bundles::application_dirs(&raw, &repo, &kustomizations) {
                if !roots.contains(&d) {
                    dirs.push((d, false));
                }
            }
        }
        // A kustomize named on the command line builds everything: the user asked for it.
        let native = opts.kustomize.is_none();
        let allowed = crate::kustomize::needs::Allowed {
            network: opts.network,
            helm: crate::kustomize::needs::Allowed::helm_on_path(),
        };
        let ran = build::run(
            kustomize.as_ref(),
            native,
            root,
            &kustomizations,
            &registry,
            &dirs,
            allowed,
        );
        builds = ran.built;
        built_by = builds
            .iter()
            .map(|b| (b.dir.clone(), b.by.clone()))
            .collect();
        built_by.sort();
        findings.extend(build::not_built_notes(&ran.not_built, &kustomizations));
        not_built = ran.not_built.into_iter().map(|n| n.dir).collect();
        if ran.missing {
            findings.push(
                Finding::new("kustomize/not-found", Severity::Info, "neither kustomize nor kubectl is installed: the overlays that need them were not built, only their raw files were validated")
                    .with_help("install kustomize or kubectl, or name one with --kustomize BIN"),
            );
        }
    }
    let (linted, explained) = if opts.lint {
        let linted = bundles::lint(&bundles::Input {
            root,
            repo: &repo,
            registry: &registry,
            kustomizations: &kustomizations,
            raw: &raw,
            builds: &builds,
            not_built: &not_built,
        });
        // A target or selector that is a `${VAR}` reference is only known once Flux
        // substitutes it.
        let findings: Vec<Finding> = linted
            .findings
            .into_iter()
            .filter(|f| !crate::manifest::substitution::mentions_reference(&f.message))
            .collect();
        (findings, linted.explained)
    } else {
        (Vec::new(), HashSet::new())
    };
    object_findings = built_findings(
        &registry,
        opts,
        &lint,
        &kustomizations,
        &builds,
        &explained,
        object_findings,
        &mut findings,
    );
    object_findings.extend(linted);
    let object_findings = group_missing(object_findings);
    let mut sources = Sources::default();
    findings.extend(object_findings);
    let with_findings: HashSet<&str> = findings.iter().filter_map(|f| f.file.as_deref()).collect();
    for t in &texts {
        if with_findings.contains(t.path.as_str()) {
            sources.insert(t.path.clone(), t.text.clone());
        }
    }
    let outcome = Outcome {
        findings,
        sources,
        files: texts.len(),
        objects: object_count,
        empty_paths,
        skipped,
        scanned,
        built_by,
    };
    // Freeing a large repository's texts, schemas and per-file facts takes tens of
    // milliseconds on one thread: a worker frees them while the caller reports.
    drop(manifests);
    rayon::spawn(move || drop((texts, raw, builds, registry)));
    Ok(outcome)
}

/// Validate objects rendered outside a repository walk (what `platc generate` prints) against
/// the core schemas of `version` (default: the newest embedded), the shipped ones, the
/// repository's imported schemas (`schemas/crds`) and the CRDs among the objects. Kinds with
/// no schema are let through: only errors are returned. The CRD catalog is left out: its
/// version of a CRD may not be the cluster's, and this verdict blocks a sync.
pub fn check_rendered(
    root: &Path,
    objects: &[Object],
    version: Option<&str>,
) -> Result<Vec<Finding>, String> {
    let version = match version {
        Some(v) => core::pick(v)?,
        None => core::newest(),
    };
    let mut registry = Registry::without_catalog(Core::load(version));
    let imported = root.join("schemas/crds");
    if imported.is_dir() {
        load_schema_dir(&mut registry, &imported)?;
    }
    for o in objects.iter().filter(|o| is_crd(o)) {
        registry.add_crd(&o.node.to_json(), &o.file)?;
    }
    let opts = Options {
        schemas: true,
        ..Options::default()
    };
    let repo = crate::repo::Repo::default();
    let lint = crate::rules::Context {
        kubernetes_version: version,
        argocd_namespace: "argocd",
        repo: &repo,
    };
    Ok(objects
        .par_iter()
        .flat_map_iter(|o| check_object(&registry, &opts, &lint, o))
        .filter(|f| f.severity == Severity::Error)
        .collect())
}

/// Validate what the top-level kustomizations render. Findings the raw files already gave
/// are not repeated; the others point at the kustomization that was built. An object of a
/// file a build includes is judged as the build deploys it (an overlay replaces a base's
/// placeholder, the kustomization's `namespace` renames a Namespace): its raw finding stays,
/// at its line, only when some build's output has it too.
#[allow(clippy::too_many_arguments)]
fn built_findings(
    registry: &Registry,
    opts: &Options,
    lint: &crate::rules::Context<'_>,
    kustomizations: &Kustomizations,
    builds: &[build::Built],
    explained: &HashSet<String>,
    raw: Vec<Finding>,
    findings: &mut Vec<Finding>,
) -> Vec<Finding> {
    let mut covered: HashSet<String> = HashSet::new();
    let mut built = Vec::new();
    let mut built_dirs = Vec::new();
    for b in builds.iter().filter(|b| b.root) {
        let dir = &b.dir;
        match &b.result {
            Err(e) if !explained.contains(dir) => findings.push(
                Finding::error("kustomize/build-failed", format!("the build fails: {e}"))
                    .at(&b.kustomization, None)
                    .with_help(
                        "fix the kustomization; its objects were not validated after the build",
                    ),
            ),
            Err(_) => {}
            Ok(objects) => {
                covered.extend(kustomizations.tree(dir).files);
                for o in objects {
                    for f in check_object(registry, opts, lint, o) {
                        built.push(f);
                        built_dirs.push(dir.as_str());
                    }
                }
            }
        }
    }
    let in_builds = SeenRaw::of(&built);
    let raw: Vec<Finding> = raw
        .into_iter()
        .filter(|f| !judged_on_builds(f, &covered) || in_builds.reproduces(f))
        .collect();
    let seen = SeenRaw::of(&raw);
    let mut added = Vec::new();
    for (mut f, dir) in built.iter().cloned().zip(built_dirs) {
        if seen.contains(&f) {
            continue;
        }
        // Positions would be in the build output, which no one can open.
        f.line = None;
        f.column = None;
        f.end = None;
        f.message = format!("{} (in the output of building `{dir}`)", f.message);
        added.push(f);
    }
    drop(seen);
    drop(in_builds);
    let mut out = raw;
    out.extend(added);
    out
}

/// Whether a raw file's finding is about an object that successful builds deploy (file-level
/// findings, such as YAML syntax, stay whatever the builds say).
fn judged_on_builds(f: &Finding, covered: &HashSet<String>) -> bool {
    f.object.is_some()
        && !f.rule.starts_with("yaml/")
        && f.file.as_deref().is_some_and(|file| covered.contains(file))
}

/// The findings of the raw files, to recognise them again in a build's output, where the
/// object may have gained a name prefix or suffix and a namespace (and a message quoting the
/// name quotes the new one); or a build's findings, to find a raw file's again.
struct SeenRaw<'a> {
    /// (rule, kind, pointer) -> (object name, message).
    names: std::collections::HashMap<FindingKey<'a>, Vec<(&'a str, &'a str)>>,
}

/// A finding's rule, object kind and pointer.
type FindingKey<'a> = (&'a str, &'a str, &'a str);

impl<'a> SeenRaw<'a> {
    fn of(raw: &'a [Finding]) -> SeenRaw<'a> {
        let mut names: std::collections::HashMap<_, Vec<_>> = std::collections::HashMap::new();
        for f in raw {
            let (kind, name) = kind_and_name(f.object.as_deref());
            names
                .entry((f.rule.as_str(), kind, f.path.as_deref().unwrap_or("")))
                .or_default()
                .push((name, f.message.as_str()));
        }
        SeenRaw { names }
    }

    /// Whether some entry for `f`'s rule, kind and pointer satisfies `matches(entry, name)`,
    /// `name` being `f`'s object name.
    fn any(&self, f: &Finding, matches: impl Fn(&(&str, &str), &str) -> bool) -> bool {
        let (kind, name) = kind_and_name(f.object.as_deref());
        let key = (f.rule.as_str(), kind, f.path.as_deref().unwrap_or(""));
        self.names
            .get(&key)
            .is_some_and(|entries| entries.iter().any(|e| matches(e, name)))
    }

    /// Whether a build's finding is one of these (a raw file's).
    fn contains(&self, f: &Finding) -> bool {
        // A kind without a schema is one finding whatever the object.
        self.any(f, |(n, m), name| {
            (f.rule == "schema/missing" && *m == f.message) || same(n, m, name, &f.message)
        })
    }

    /// Whether a raw file's finding is among these (a build's), on the object the raw one is
    /// about.
    fn reproduces(&self, raw: &Finding) -> bool {
        self.any(raw, |(b, m), name| {
            (raw.rule == "schema/missing" && *m == raw.message) || same(name, &raw.message, b, m)
        })
    }
}

/// Whether a raw finding (on `raw_name`) and a build's (on `built_name`, the raw name with
/// a prefix or suffix) say the same, the build's message quoting the built name.
fn same(raw_name: &str, raw_message: &str, built_name: &str, built_message: &str) -> bool {
    built_name.contains(raw_name)
        && (raw_message == built_message
            || (!raw_name.is_empty()
                && raw_name != built_name
                && raw_message.replace(raw_name, built_name) == built_message))
}

/// The kind and name of `apps/v1 Deployment web/api`.
fn kind_and_name(object: Option<&str>) -> (&str, &str) {
    let mut parts = object.unwrap_or("").split(' ');
    let kind = parts.nth(1).unwrap_or("");
    let name = parts.next().unwrap_or("");
    (kind, name.rsplit('/').next().unwrap_or(name))
}

/// One `schema/missing` finding per kind (at its first use, with a count), not one per object:
/// a repository full of one custom resource should not drown everything else.
fn group_missing(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out = Vec::with_capacity(findings.len());
    let mut missing: std::collections::BTreeMap<String, (Finding, usize)> =
        std::collections::BTreeMap::new();
    for f in findings {
        if f.rule != "schema/missing" {
            out.push(f);
            continue;
        }
        let entry = missing
            .entry(f.message.clone())
            .or_insert_with(|| (f.clone(), 0));
        entry.1 += 1;
        if f.sort_key() < entry.0.sort_key() {
            entry.0 = f;
        }
    }
    for (_, (mut f, count)) in missing {
        if count > 1 {
            f.message = format!("{} ({count} objects)", f.message);
        }
        f.object = None;
        out.push(f);
    }
    out
}

/// Check an object as Flux applies it: whole `${VAR:=default}` references hold their
/// default, and what is said about a value that is still a bare `${VAR}` is dropped (it is
/// only known once substituted).
fn check_object(
    registry: &Registry,
    opts: &Options,
    lint: &crate::rules::Context<'_>,
    o: &Object,
) -> Vec<Finding> {
    use crate::manifest::substitution::{mentions_reference, whole_reference, with_defaults};
    let substituted = with_defaults(&o.node).map(|node| Object { node, ..o.clone() });
    let o = substituted.as_ref().unwrap_or(o);
    let mut out = check_object_as_written(registry, opts, lint, o);
    out.retain(|f| {
        let at = f
            .path
            .as_deref()
            .and_then(|p| p.strip_prefix(o.pointer_prefix.as_str()))
            .and_then(|p| o.node.pointer(p))
            .and_then(Node::as_str);
        at.is_none_or(|v| whole_reference(v).is_none()) && !mentions_reference(&f.message)
    });
    out
}

fn check_object_as_written(
    registry: &Registry,
    opts: &Options,
    lint: &crate::rules::Context<'_>,
    o: &Object,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let (Some(api_version), Some(kind)) = (o.api_version(), o.kind()) else {
        return out;
    };
    if crate::manifest::applied::not_applied(o).is_some() {
        return out;
    }
    let r = ObjectRef { object: o };
    // Ciphertext values: only the metadata SOPS leaves in clear is checked.
    if crate::manifest::applied::is_sops_encrypted(&o.node) {
        if opts.schemas {
            meta::check(&r, registry.is_namespaced(api_version, kind), &mut out);
        }
        return out;
    }
    if opts.lint {
        out.extend(crate::rules::check(lint, &r));
    }
    if opts.schemas {
        check_schema(registry, opts, lint, &r, api_version, kind, &mut out);
    }
    out.extend(crate::rules::unknown_ignored(&r));
    // `platc.io/ignore` waives any rule on this object, schema rules included.
    let waived = crate::rules::waived_by_annotation(&o.node);
    if !waived.is_empty() {
        out.retain(|f| !waived.iter().any(|w| w == &f.rule));
    }
    out
}

/// A field the catalog's pinned schema does not know, or a required field it asks for, on a
/// kind no schema of the repository or `--schemas` defines: the repository may be written for
/// another version of the CRD than the one platc embeds (Crossplane v1 compositions against
/// the v2 schema), so it is a warning that names the version, not an error. A schema the
/// repository gives is what the cluster runs: against it, the same finding is an error.
fn catalog_version(f: Finding, origin: &str) -> Finding {
    let pinned = origin
        .strip_prefix("platc's CRD catalog (")
        .and_then(|o| o.strip_suffix(')'))
        .unwrap_or(origin);
    Finding {
        rule: "schema/catalog-version".into(),
        severity: Severity::Warning,
        message: format!(
            "{} (checked against {pinned}, the version platc's CRD catalog holds)",
            f.message
        ),
        help: Some(format!(
            "if the cluster runs {pinned}, fix the object{}; if it runs another version, give platc that version's CRD: commit it in the repository, or import it with `kubectl get crd NAME -o yaml | platc schemas import -` (or pass --schemas DIR), and the object is checked against it",
            f.help
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default()
        )),
        ..f
    }
}

fn check_schema(
    registry: &Registry,
    opts: &Options,
    lint: &crate::rules::Context<'_>,
    r: &ObjectRef<'_>,
    api_version: &str,
    kind: &str,
    out: &mut Vec<Finding>,
) {
    let o = r.object;
    meta::check(r, registry.is_namespaced(api_version, kind), out);
    meta::check_secret_data(r, out);
    match registry.get(api_version, kind) {
        Found::Schema(schema) => {
            let json = o.node.to_json_pruned();
            if !schema.is_valid(&json) {
                // The catalog pins one upstream version: say so, since the cluster may run
                // another, and the repository's own CRD would be used instead.
                let origin = registry
                    .origin(api_version, kind)
                    .filter(|o| o.starts_with("platc's CRD catalog"));
                let catalog = origin.map(|o| {
                    format!(
                        "the schema comes from {o}: if the cluster runs another version of this CRD, commit that CRD (or pass --schemas DIR) and platc validates against it instead"
                    )
                });
                for v in schema.validate(&json) {
                    let mut f = explain::finding(r, &schema, &v);
                    if let Some(o) = origin
                        && explain::version_dependent(&schema, &v)
                    {
                        out.push(catalog_version(f, o));
                        continue;
                    }
                    if let Some(note) = &catalog {
                        f.help = Some(match f.help.take() {
                            Some(help) => format!("{help}\n{note}"),
                            None => note.clone(),
                        });
                    }
                    out.push(f);
                }
            }
        }
        Found::Broken(e) => out.push(r.finding("schema/broken", Severity::Error, e, &o.node, "")),
        // A removed API has no schema: say it was removed, with the replacement, rather
        // than asking for a CRD. When the lint rules run, deprecated/removed-api says it.
        Found::Missing => {
            let removed = crate::rules::deprecated::removed_api::removed_message(
                api_version,
                kind,
                lint.kubernetes_version,
            );
            if let Some((message, help)) = removed {
                if !opts.lint {
                    let at = o.node.get("apiVersion").unwrap_or(&o.node);
                    out.push(
                        r.finding(
                            "schema/removed-api",
                            Severity::Error,
                            message,
                            at,
                            "/apiVersion",
                        )
                        .with_help(help),
                    );
                }
                return;
            }
            let severity = if opts.strict_missing {
                Severity::Error
            } else {
                Severity::Info
            };
            let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            out.push(
                r.finding("schema/missing", severity, format!("no schema for {api_version} {kind}"), o.node.get("kind").unwrap_or(&o.node), "/kind")
                    .with_help(format!(
                        "import its CustomResourceDefinition: `platc schemas import crd.yaml` (or `kubectl get crd <plural>.{group} -o yaml | platc schemas import -`)"
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_finding_quoting_the_prefixed_name_is_the_raw_one() {
        let msg = |n: &str| format!("`{n}` is not a valid ConfigMap name");
        assert!(same(
            "Options",
            &msg("Options"),
            "team-Options",
            &msg("team-Options")
        ));
        assert!(same("web", "no probe", "prod-web", "no probe"));
        // Another object, or another message, is another finding.
        assert!(!same("api", "no probe", "prod-web", "no probe"));
        assert!(!same("_", &msg("_"), "cert-manager", &msg("cert-manager")));
    }

    #[test]
    fn schema_file_names_in_both_layouts() {
        let dir = Path::new("/s");
        assert_eq!(
            schema_file_key(dir, Path::new("/s/cert-manager.io/certificate_v1.json")),
            Some(("cert-manager.io/v1".into(), "certificate".into()))
        );
        assert_eq!(
            schema_file_key(dir, Path::new("/s/certificate-cert-manager.io-v1.json")),
            Some(("cert-manager.io/v1".into(), "certificate".into()))
        );
        assert_eq!(
            schema_file_key(dir, Path::new("/s/core/configmap_v1.json")),
            Some(("v1".into(), "configmap".into()))
        );
    }
}
