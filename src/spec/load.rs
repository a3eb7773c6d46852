//! Read `platform.yaml` into the model, keeping positions for every error.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::check::Checker;
use super::model::Platform;
use crate::report::Finding;
use crate::source::Sources;
use crate::yaml::{self, de::from_node};

/// A loaded, checked spec and what the checks resolved.
#[derive(Debug)]
pub struct Spec {
    pub platform: Platform,
    /// The spec file, relative to the repository root.
    pub file: String,
    /// The folder spec paths are relative to, relative to the repository root.
    pub dir: String,
    pub root: PathBuf,
    /// The parameters of each tenant, defaults applied, in spec order.
    pub tenant_params: Vec<IndexMap<String, serde_json::Value>>,
    /// The sandbox members with their parameters, defaults applied.
    pub members: Vec<IndexMap<String, serde_json::Value>>,
    /// The repo-relative path of the members file, if there are sandboxes.
    pub members_file: Option<String>,
    /// The sync wave of every component, tenant and the sandboxes, by name.
    pub waves: IndexMap<String, i64>,
    /// Findings that do not stop the build, for `build` and `check` to report.
    pub warnings: Vec<Finding>,
}

impl Spec {
    /// A spec path as a repo-relative path (the checks already made sure it is valid).
    pub fn repo_path(&self, path: &str) -> String {
        super::paths::repo_relative(&self.dir, path).unwrap_or_else(|_| path.to_string())
    }
}

/// Why a spec could not be loaded: findings that point into the spec.
#[derive(Debug)]
pub struct LoadError {
    pub findings: Vec<Finding>,
}

/// Load and check the spec at `spec_file` (relative to `root`). The texts read are added to
/// `sources` so that findings can show them.
pub fn load(root: &Path, spec_file: &str, sources: &mut Sources) -> Result<Spec, LoadError> {
    let fail = |f: Finding| LoadError { findings: vec![f] };
    let text = crate::confine::read_to_string(root, spec_file).map_err(|e| {
        fail(
            Finding::error("spec/unreadable", format!("cannot read the platform spec: {e}"))
                .at(spec_file, None)
                .with_help("run platc in the repository root (or pass it with -C), or point --spec at the spec file"),
        )
    })?;
    load_text(root, spec_file, &text, sources)
}

/// [`load`] for a spec already read (`text` is the content of `spec_file`). Paths in it are
/// still looked up under `root`.
pub fn load_text(
    root: &Path,
    spec_file: &str,
    text: &str,
    sources: &mut Sources,
) -> Result<Spec, LoadError> {
    let fail = |f: Finding| LoadError { findings: vec![f] };
    sources.insert(spec_file, text);
    let stream = yaml::parse_stream(text).map_err(|e| {
        fail(
            Finding::error(
                "spec/yaml",
                format!("the spec is not valid YAML: {}", e.message),
            )
            .at(spec_file, Some(e.pos)),
        )
    })?;
    let mut findings: Vec<Finding> = stream
        .duplicates
        .iter()
        .map(|d| {
            Finding::error("spec/duplicate-key", format!("`{}` is given twice", d.key))
                .at(spec_file, Some(d.second.start))
                .with_related(spec_file, d.first.start, "first given here")
                .with_help("remove one of them: YAML keeps only the last")
        })
        .collect();
    let node = match stream.documents.as_slice() {
        [node] => node,
        [] => {
            return Err(fail(
                Finding::error("spec/empty", "the platform spec is empty").at(spec_file, None),
            ));
        }
        [_, second, ..] => {
            return Err(fail(
                Finding::error(
                    "spec/multiple-documents",
                    "the platform spec must be one YAML document",
                )
                .at(spec_file, Some(second.span.start)),
            ));
        }
    };
    let platform: Platform = from_node(node).map_err(|e| {
        let mut f =
            Finding::error("spec/invalid", e.message).at(spec_file, e.span.map(|s| s.start));
        f.help = e.help;
        fail(f)
    })?;
    let dir = Path::new(spec_file)
        .parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let mut checker = Checker::new(root, spec_file, &dir, node, &platform, sources);
    checker.run();
    let resolved = checker.finish();
    findings.extend(resolved.findings);
    // Errors stop the build; warnings (practices to change) travel with the spec.
    if findings
        .iter()
        .any(|f| f.severity == crate::report::Severity::Error)
    {
        return Err(LoadError { findings });
    }
    Ok(Spec {
        warnings: findings,
        platform,
        file: spec_file.to_string(),
        dir,
        root: root.to_path_buf(),
        tenant_params: resolved.tenant_params,
        members: resolved.members,
        members_file: resolved.members_file,
        waves: resolved.waves,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings_of(text: &str) -> Vec<Finding> {
        let root = Path::new("/nonexistent/platc-test");
        match load_text(
            root,
            "platform/platform.yaml",
            text,
            &mut Sources::default(),
        ) {
            Ok(spec) => spec.warnings,
            Err(e) => e.findings,
        }
    }

    #[test]
    fn a_pattern_that_does_not_compile_is_reported_every_time() {
        let spec = |pattern: &str| {
            format!(
                "apiVersion: platc.io/v1alpha1\nkind: Platform\nmetadata: {{name: demo}}\nspec:\n  \
                 repo: {{url: https://git.example.org/x.git}}\n  environments: [{{name: prod}}]\n  \
                 blueprints:\n    site:\n      path: blueprints/site\n      params:\n        \
                 club: {{type: string, pattern: \"{pattern}\"}}\n"
            )
        };
        // Twice: the second load finds the pattern's answer remembered.
        for _ in 0..2 {
            let findings = findings_of(&spec("a)(b"));
            let bad: Vec<_> = findings
                .iter()
                .filter(|f| f.rule == "spec/invalid-pattern")
                .collect();
            assert_eq!(bad.len(), 1, "{findings:#?}");
            assert!(bad[0].message.contains("does not compile"), "{:?}", bad[0]);
            assert_eq!(bad[0].line, Some(11), "{:?}", bad[0]);
        }
        let findings = findings_of(&spec("[0-9]+(Mi|Gi)"));
        assert!(
            findings.iter().all(|f| f.rule != "spec/invalid-pattern"),
            "{findings:#?}"
        );
    }
}
