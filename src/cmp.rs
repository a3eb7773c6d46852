//! `platc generate`: the Argo CD Config Management Plugin.
//!
//! Argo CD's repo-server hands the plugin sidecar a copy of the repository and runs
//! `platc generate` in the Application's source folder, with `ARGOCD_APP_NAME`,
//! `ARGOCD_APP_SOURCE_PATH`, `KUBE_VERSION` and the other build variables set. The manifests
//! go to standard output. A refusal goes to standard error with a non-zero exit code, and
//! Argo CD shows it on the Application instead of syncing.
//!
//! platc refuses to render what should never reach a cluster: generated files that are not
//! what the platform spec produces (stale or hand-edited), output holding a credential, and
//! objects that fail their schemas.

use std::path::{Path, PathBuf};

pub mod plugin;

use crate::compile::OUT_DIR;
use crate::kustomize::Kustomizations;
use crate::report::Finding;
use crate::source::Sources;

/// One Application to render.
#[derive(Debug, Clone)]
pub struct Request {
    /// The Application's source folder.
    pub app_dir: PathBuf,
    /// The repository root.
    pub root: PathBuf,
    /// `app_dir` relative to `root` (`""` at the root).
    pub app_path: String,
    /// The Kubernetes minor version to validate against (`KUBE_VERSION`, unless given).
    pub kubernetes_version: Option<String>,
    /// The platform environment and the component (or tenant) of the Application, from the
    /// plugin's parameters: named when platc refuses, so the message says what it is about.
    pub environment: Option<String>,
    pub component: Option<String>,
    /// The most the repository's `.platc.yaml` may raise each limit to: today's defaults,
    /// unless the operator sets `PLATC_MAX_*` on the sidecar. A repository Argo CD syncs is
    /// not trusted to size its own budgets.
    pub ceiling: crate::limits::Ceiling,
}

/// Why nothing was printed.
pub enum Refusal {
    /// The input cannot be rendered (exit code 2).
    Input(String),
    /// What was rendered must not be applied (exit code 1).
    Findings(Vec<Finding>, Sources),
}

impl Request {
    /// What the Application is, for messages: `component vault in prod`, or its folder.
    pub fn describe(&self) -> String {
        let folder = if self.app_path.is_empty() {
            ".".to_string()
        } else {
            self.app_path.clone()
        };
        match (&self.component, &self.environment) {
            (Some(c), Some(e)) => format!("`{c}` in `{e}` ({folder})"),
            (Some(c), None) => format!("`{c}` ({folder})"),
            (None, Some(e)) => format!("`{folder}` in `{e}`"),
            (None, None) => format!("`{folder}`"),
        }
    }

    /// The request the repo-server makes: the folder platc runs in, and its environment.
    pub fn new(
        app_dir: &Path,
        env: impl Fn(&str) -> Option<String>,
        kubernetes_version: Option<String>,
    ) -> Result<Request, String> {
        let app_dir = app_dir
            .canonicalize()
            .map_err(|e| format!("cannot read `{}`: {e}", app_dir.display()))?;
        let source_path = env("ARGOCD_APP_SOURCE_PATH").unwrap_or_default();
        let root = root_of(&app_dir, &source_path);
        let app_path = app_dir
            .strip_prefix(&root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        // The cluster's own version (KUBE_VERSION) is not a choice: when platc has no schemas
        // for it, the nearest embedded ones are used rather than blocking every sync. A
        // version given on the command line or as the plugin's parameter must be one platc has.
        let asked = match plugin::parameter(&env, "kubernetes-version", None) {
            Some(v) => Some(
                crate::schema::core::pick(&v)
                    .map_err(|e| format!("the plugin parameter kubernetes-version: {e}"))?
                    .to_string(),
            ),
            None => None,
        };
        let kubernetes_version = kubernetes_version.or(asked).or_else(|| {
            let cluster = minor_version(&env("KUBE_VERSION")?)?;
            Some(crate::schema::core::nearest(&cluster).to_string())
        });
        let ceiling = crate::limits::Ceiling::from_env(&env, crate::limits::Ceiling::defaults())?;
        Ok(Request {
            ceiling,
            app_dir,
            root,
            app_path,
            kubernetes_version,
            environment: plugin::parameter(&env, "environment", Some(plugin::ENV_ENVIRONMENT)),
            component: plugin::parameter(&env, "component", Some(plugin::ENV_COMPONENT)),
        })
    }
}

/// The repository root: the source folder with `ARGOCD_APP_SOURCE_PATH` taken off its end
/// (how the repo-server lays the copy out), else the nearest folder above holding a
/// platform spec, a `.platc.yaml` or `.git`, else the folder itself.
pub(crate) fn root_of(app_dir: &Path, source_path: &str) -> PathBuf {
    let parts: Vec<&str> = source_path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if !parts.is_empty() {
        let mut dir = app_dir.to_path_buf();
        let mut matched = true;
        for part in parts.iter().rev() {
            if dir.file_name().and_then(|n| n.to_str()) != Some(part) {
                matched = false;
                break;
            }
            dir.pop();
        }
        if matched {
            return dir;
        }
    }
    app_dir
        .ancestors()
        .find(|d| {
            d.join(crate::spec::DEFAULT_SPEC).is_file()
                || d.join(crate::config::FILE).is_file()
                || d.join(".git").exists()
        })
        .unwrap_or(app_dir)
        .to_path_buf()
}

/// `v1.33.2+k3s1` -> `1.33`.
fn minor_version(version: &str) -> Option<String> {
    let v = version.trim().trim_start_matches('v');
    let mut parts = v.split('.');
    let major = parts.next()?.parse::<u32>().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!minor.is_empty()).then(|| format!("{major}.{minor}"))
}

/// Render the Application's manifests, or say why not.
pub fn generate(
    req: &Request,
    spec_file: &str,
    kustomize: Option<&Path>,
) -> Result<String, Refusal> {
    // The repository's limits, held to the operator's ceiling, bound everything below.
    let mut sources = Sources::default();
    let settings = crate::config::load_from(&req.root, None, &mut sources)
        .map_err(|findings| Refusal::Findings(findings, sources.clone()))?;
    for warning in crate::limits::install(settings.config.limits, &req.ceiling) {
        eprintln!("warning: {warning}");
    }
    current_with_spec(req, spec_file)?;
    let (manifests, label) = render(req, kustomize)?;
    let read = crate::manifest::read_objects(&label, &manifests);
    let mut findings = read.findings;
    // The rendered text has no file to open: findings name the object instead of a line.
    let in_output = |mut f: Finding, objects: &[crate::manifest::Object]| {
        if let Some(line) = f.line
            && f.object.is_none()
            && let Some(o) = objects
                .iter()
                .find(|o| o.node.span.start.line <= line && line <= o.node.span.end.line)
        {
            f.object = Some(o.describe());
        }
        f.line = None;
        f.column = None;
        f.end = None;
        f
    };
    for f in crate::secrets::scan_named(&label, &manifests) {
        let mut f = in_output(f, &read.objects);
        let place = f
            .object
            .as_deref()
            .map(|o| format!(" ({o})"))
            .unwrap_or_default();
        f.message = format!(
            "the rendered manifests hold a credential{place}: {}",
            f.message
        );
        findings.push(f);
    }
    let objects: Vec<crate::manifest::Object> = read
        .objects
        .into_iter()
        .filter(|o| o.api_version().is_some() && o.kind().is_some())
        .collect();
    let invalid =
        crate::validate::check_rendered(&req.root, &objects, req.kubernetes_version.as_deref())
            .map_err(Refusal::Input)?;
    findings.extend(invalid.into_iter().map(|f| in_output(f, &objects)));
    if findings.is_empty() {
        Ok(manifests)
    } else {
        Err(Refusal::Findings(findings, Sources::default()))
    }
}

/// With a platform spec, the generated files this Application reads must be what the spec
/// produces: a hand edit or a forgotten `platc build` is not deployed.
fn current_with_spec(req: &Request, spec_file: &str) -> Result<(), Refusal> {
    if !req.root.join(spec_file).is_file() {
        return Ok(());
    }
    let mut sources = Sources::default();
    let spec = crate::spec::load(&req.root, spec_file, &mut sources)
        .map_err(|e| Refusal::Findings(e.findings, sources.clone()))?;
    let tree = crate::compile::compile(&spec)
        .map_err(|findings| Refusal::Findings(findings, sources.clone()))?;
    // Judged as `platc build` judges them, so the plugin never refuses what build accepted.
    let settings = crate::config::load_from(&req.root, None, &mut sources)
        .map_err(|findings| Refusal::Findings(findings, sources.clone()))?;
    let baseline = req.root.join(crate::secrets::baseline::DEFAULT_FILE);
    let accepted = crate::secrets::baseline::read(&baseline).unwrap_or_default();
    let leaks = crate::secrets::scan_generated(&tree, &req.root, &settings, &accepted);
    let leaks = tree.at_sources(&req.root, leaks);
    if !leaks.is_empty() {
        return Err(Refusal::Findings(leaks, Sources::default()));
    }
    // Only the generated folders this Application reads: a stale file elsewhere is another
    // Application's concern.
    let read: Vec<String> = folders_read(req)
        .into_iter()
        .filter(|d| d == OUT_DIR || d.starts_with(&format!("{OUT_DIR}/")))
        .collect();
    let drifts = crate::tree::check_folders(&req.root, &tree, &read);
    if drifts.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Findings(
            crate::tree::drift_findings(&drifts, &tree),
            sources,
        ))
    }
}

/// The folders the Application's build reads: its own, and those of the kustomizations and
/// files it includes.
fn folders_read(req: &Request) -> Vec<String> {
    let ks = Kustomizations::read(&req.root, &req.app_path);
    let tree = ks.tree(&req.app_path);
    let mut dirs: Vec<String> = std::iter::once(req.app_path.clone())
        .chain(tree.kustomizations.iter().map(|&i| ks.all[i].dir.clone()))
        .chain(
            tree.files
                .iter()
                .map(|f| f.rsplit_once('/').map_or("", |(d, _)| d).to_string()),
        )
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The manifests of the folder: its kustomize build, or its YAML and JSON files (Argo CD's
/// plain-directory behaviour), with the label findings use for them.
fn render(req: &Request, kustomize: Option<&Path>) -> Result<(String, String), Refusal> {
    if let Some(k) = crate::kustomize::file_in(&req.root, &req.app_path) {
        // kustomize would hold many times a file's size: one over the limit is refused. So is
        // it before the in-process build, which does not read it and would otherwise blame
        // kustomize features instead.
        let ks = Kustomizations::read(&req.root, &req.app_path);
        // A kustomization platc could not read (over `limits.fileSize` or `yamlNodes`, not
        // YAML) is one kustomize would read too: said, not handed on.
        if let Some(why) = ks.unread.first() {
            return Err(Refusal::Input(why.clone()));
        }
        let tree = ks.tree(&req.app_path);
        if let Some(n) = crate::kustomize::needs::over_size(&req.root, &ks, &tree).first() {
            return Err(Refusal::Input(format!(
                "`{}`: {}: {}",
                n.file,
                n.message,
                crate::limits::Key::FileSize.raise()
            )));
        }
        // In process first (printed byte for byte as kustomize prints it: about a tenth of
        // kustomize's time); kustomize only for what platc does not build.
        let version = match req.kubernetes_version.as_deref() {
            Some(v) => crate::schema::core::pick(v).map_err(Refusal::Input)?,
            None => crate::schema::core::newest(),
        };
        let registry =
            crate::schema::registry::Registry::new(crate::schema::core::Core::load(version));
        let printed = crate::kustomize::print::build(&req.root, &ks, &registry, &req.app_path);
        let why = match printed {
            Ok(out) => return Ok((out, k)),
            Err(why) => why,
        };
        let Some(bin) = crate::validate::build::Kustomize::find(kustomize) else {
            return Err(Refusal::Input(format!(
                "`{k}` uses kustomize features platc does not build itself ({why}), and neither kustomize nor kubectl is installed where platc runs (add one to the plugin's image, or name it with --kustomize BIN)"
            )));
        };
        // The repo-server logs the plugin's standard error.
        eprintln!(
            "platc: building `{k}` with {}: platc does not build it in process: {why}",
            bin.name()
        );
        let out = bin
            .build(&req.app_dir)
            .map_err(|e| Refusal::Input(format!("`{k}` does not build: {e}")))?;
        return Ok((out, k));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&req.app_dir)
        .map_err(|e| Refusal::Input(format!("cannot read `{}`: {e}", req.app_dir.display())))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        })
        .collect();
    files.sort();
    let mut out = String::new();
    for f in &files {
        let text = crate::confine::read_path_to_string(&req.root, f)
            .map_err(|e| Refusal::Input(format!("cannot read `{}`: {e}", f.display())))?;
        let text = kubernetes_documents(&text);
        if text.trim().is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("---\n");
        }
        out.push_str(&text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    let label = if req.app_path.is_empty() {
        ".".to_string()
    } else {
        req.app_path.clone()
    };
    Ok((out, label))
}

/// The documents of a file that are Kubernetes objects (a mapping with `apiVersion` and
/// `kind`), as written. Like Argo CD's directory mode, anything else is skipped: Helm values,
/// `.platc.yaml`, a platform spec are not manifests. A document that does not parse is kept
/// when it looks like an object, so that its error is reported rather than hidden.
fn kubernetes_documents(text: &str) -> String {
    let mut out = String::new();
    for doc in split_documents(text) {
        let is_object = match crate::yaml::parse_stream(doc) {
            Ok(stream) => stream.documents.iter().any(|d| {
                d.get("apiVersion")
                    .and_then(crate::yaml::Node::as_str)
                    .is_some()
                    && d.get("kind").and_then(crate::yaml::Node::as_str).is_some()
            }),
            Err(_) => {
                let top = |key: &str| doc.lines().any(|l| l.starts_with(key));
                top("apiVersion:") && top("kind:")
            }
        };
        if is_object {
            if !out.is_empty() && !doc.starts_with("---") {
                out.push_str("---\n");
            }
            out.push_str(doc);
            if !doc.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

/// A YAML stream cut before each `---` line (a document start marker at column 0 ends any
/// block scalar, so the cut is exact).
fn split_documents(text: &str) -> Vec<&str> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if offset > 0 && (bare == "---" || bare.starts_with("--- ") || bare.starts_with("---\t")) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    starts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_versions_become_minor_versions() {
        assert_eq!(minor_version("1.33.2").as_deref(), Some("1.33"));
        assert_eq!(minor_version("v1.30.4+k3s1").as_deref(), Some("1.30"));
        assert_eq!(minor_version("1.29"), None.or(Some("1.29".into())));
        assert_eq!(minor_version("latest"), None);
    }

    #[test]
    fn only_kubernetes_documents_are_kept() {
        let text = "replicaCount: 2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# values\nimage: {tag: x}\n";
        assert_eq!(
            kubernetes_documents(text),
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
        );
        assert_eq!(kubernetes_documents("exclude: [a]\nrules: {}\n"), "");
        // A block scalar holding `---` indented is one document.
        let one =
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  x: |\n    ---\n    y\n";
        assert_eq!(kubernetes_documents(one), one);
        // Broken YAML that looks like an object is kept, so its error is reported.
        let broken = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n";
        assert_eq!(kubernetes_documents(broken), broken);
    }

    #[test]
    fn the_root_is_the_folder_minus_the_source_path() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("overlays/prod/components/vault");
        std::fs::create_dir_all(&app).unwrap();
        assert_eq!(
            root_of(&app, "overlays/prod/components/vault"),
            dir.path().to_path_buf()
        );
        // Without the variable, the nearest folder holding .git.
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        assert_eq!(root_of(&app, ""), dir.path().to_path_buf());
    }
}
