//! `.platc.yaml`: the repository's settings for the checks.
//!
//! ```yaml
//! exclude:            # gitignore-style patterns of paths no check reads
//!   - tests/fixtures/
//! secrets:
//!   exclude:          # paths the secret scan skips (test keys, documentation), still validated
//!     - docs/examples/
//! repoURLs:           # the URLs Applications use for this repository (besides the
//!   - https://git.example.org/club/platform.git   # spec's and the git remotes)
//! rules:              # severity overrides: off, info, warning, error
//!   workload/probes: info
//! waivers:            # accepted findings, each with a reason and an optional end date
//!   - rule: workload/privileged
//!     object: DaemonSet/kuma-system/merbridge     # Kind/namespace/name or Kind/name
//!     path: platform/components/merbridge/        # gitignore-style
//!     reason: eBPF node agent
//!     expires: 2027-06-30
//! limits:             # budgets against hostile input (see `crate::limits`)
//!   fileSize: 16MiB
//! ```

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;

use crate::report::Finding;
use crate::source::Sources;
use crate::yaml::{de::from_node, parse_stream};

pub const FILE: &str = ".platc.yaml";

/// `.platc.yaml`; `schemas/platc-config.schema.json` is generated from these types
/// (`platc schemas config`) so that editors complete and check the file.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "platc settings (.platc.yaml)")]
pub struct Config {
    /// Paths no check reads, in .gitignore syntax, relative to the repository root.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Severity per rule id (or `family/*`): off, info, warning or error.
    #[serde(default)]
    pub rules: indexmap::IndexMap<String, Level>,
    /// Accepted findings, each with a reason and an optional end date.
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    /// URLs Applications use for this repository, besides the spec's and the git remotes.
    #[serde(default, rename = "repoURLs")]
    pub repo_urls: Vec<String>,
    /// Settings of the secret scan alone.
    #[serde(default)]
    pub secrets: SecretsConfig,
    /// Budgets against hostile or broken input: template work, generated and read sizes,
    /// objects and YAML nodes per file. Each key left out keeps its default.
    #[serde(default)]
    pub limits: crate::limits::Limits,
}

/// Settings of the secret scan alone.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretsConfig {
    /// Paths the secret scan skips, in .gitignore syntax (other checks still read them).
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// A severity, or `off`. Deserialized by hand (YAML 1.1 reads a bare `off` as false).
#[derive(Debug, Clone, Copy, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Level, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Level;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("off, info, warning or error")
            }
            // `off` unquoted is the boolean false in YAML 1.1, which this file follows.
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Level, E> {
                if b {
                    Err(E::custom(
                        "`true` is not a level: write info, warning or error",
                    ))
                } else {
                    Ok(Level::Off)
                }
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Level, E> {
                match s {
                    "off" => Ok(Level::Off),
                    "info" => Ok(Level::Info),
                    "warning" => Ok(Level::Warning),
                    "error" => Ok(Level::Error),
                    other => Err(E::unknown_variant(
                        other,
                        &["off", "info", "warning", "error"],
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// An accepted finding.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Waiver {
    /// A rule id, or `family/*`.
    pub rule: String,
    /// `Kind/namespace/name` or `Kind/name`.
    #[serde(default)]
    pub object: Option<String>,
    /// A gitignore-style pattern of the files it covers.
    #[serde(default)]
    pub path: Option<String>,
    /// Why the finding is accepted.
    pub reason: String,
    /// The last day it applies, `YYYY-MM-DD` (after it, the waiver is an error).
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub expires: Option<String>,
}

/// The settings and the matcher built from them.
pub struct Settings {
    pub config: Config,
    /// The settings file as findings name it (`.platc.yaml`, or the `--config` file).
    pub file: String,
    /// Whether a settings file was read (else these are the defaults).
    pub found: bool,
    excluded: Gitignore,
    excluded_from_secrets: Gitignore,
    /// Repo-relative paths named on the command line: a person who names a path wants it
    /// checked, so the excludes that cover it (or its parents) do not apply to it.
    named: Vec<String>,
    /// Where each waiver is written in `.platc.yaml` (for findings about waivers).
    pub waiver_positions: Vec<Option<crate::yaml::Pos>>,
}

impl Settings {
    /// Whether a repo-relative file path is excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        excluded_by(&self.excluded, path, &self.named)
    }

    /// Whether the secret scan skips a repo-relative file path.
    pub fn is_excluded_from_secrets(&self, path: &str) -> bool {
        self.is_excluded(path) || excluded_by(&self.excluded_from_secrets, path, &self.named)
    }

    /// Check these repo-relative paths even where an exclude pattern covers them.
    pub fn name_paths(&mut self, paths: &[String]) {
        self.named = paths
            .iter()
            .map(|p| p.trim_end_matches('/').to_string())
            .filter(|p| !p.is_empty())
            .collect();
    }

    /// The exclude pattern that would skip a named path, if any (for `--verbose`).
    pub fn pattern_excluding(&self, path: &str, is_dir: bool) -> Option<String> {
        [&self.excluded, &self.excluded_from_secrets]
            .into_iter()
            .find_map(|g| match g.matched_path_or_any_parents(path, is_dir) {
                ignore::Match::Ignore(glob) => Some(glob.original().to_string()),
                _ => None,
            })
    }
}

/// Whether `matcher` excludes `path`. Below a named path, only the path and its parents
/// up to (not including) the named one are matched: patterns over the named path or above
/// it are overruled by the person who named it.
fn excluded_by(matcher: &Gitignore, path: &str, named: &[String]) -> bool {
    let Some(top) = named
        .iter()
        .filter(|n| path == n.as_str() || path.starts_with(&format!("{n}/")))
        .max_by_key(|n| n.len())
    else {
        return matcher.matched_path_or_any_parents(path, false).is_ignore();
    };
    let mut current = path;
    let mut is_dir = false;
    while current.len() > top.len() {
        if matcher.matched(current, is_dir).is_ignore() {
            return true;
        }
        current = match current.rsplit_once('/') {
            Some((parent, _)) => parent,
            None => break,
        };
        is_dir = true;
    }
    false
}

/// Read `.platc.yaml` at the repository root (defaults when there is none).
pub fn load(root: &Path, sources: &mut Sources) -> Result<Settings, Vec<Finding>> {
    load_from(root, None, sources)
}

/// Read the settings: `file` (`--config`, which must exist) or `.platc.yaml` at the root.
pub fn load_from(
    root: &Path,
    file: Option<&Path>,
    sources: &mut Sources,
) -> Result<Settings, Vec<Finding>> {
    let (path, name) = match file {
        Some(f) => (f.to_path_buf(), display_name(root, f)),
        None => (root.join(FILE), FILE.to_string()),
    };
    // The default file is the repository's own: it is not read through a link leading out.
    let read = if file.is_some() {
        std::fs::read_to_string(&path)
    } else {
        crate::confine::read_path_to_string(root, &path)
    };
    let text = match read {
        Ok(t) => t,
        Err(e) if file.is_some() => {
            return Err(vec![
                Finding::error("config/invalid", format!("cannot read the settings: {e}"))
                    .at(name, None)
                    .with_help(
                        "--config names a file such as .platc.yaml, relative to the current folder",
                    ),
            ]);
        }
        Err(_) => {
            let mut s = settings(root, Config::default()).map_err(|f| vec![*f])?;
            s.file = name;
            return Ok(s);
        }
    };
    let file_name = name.as_str();
    sources.insert(file_name, text.as_str());
    let stream = parse_stream(&text).map_err(|e| {
        vec![
            Finding::error("config/yaml", format!("not valid YAML: {}", e.message))
                .at(file_name, Some(e.pos)),
        ]
    })?;
    let waiver_positions: Vec<Option<crate::yaml::Pos>> = stream
        .documents
        .first()
        .and_then(|d| d.get("waivers"))
        .and_then(crate::yaml::Node::as_seq)
        .map(|items| items.iter().map(|n| Some(n.span.start)).collect())
        .unwrap_or_default();
    let config = match stream.documents.first() {
        None => Config::default(),
        Some(node) if node.is_null() => Config::default(),
        Some(node) => from_node::<Config>(node).map_err(|e| {
            let mut f =
                Finding::error("config/invalid", e.message).at(file_name, e.span.map(|s| s.start));
            f.help = e.help;
            vec![f]
        })?,
    };
    let unknown = unknown_rule_ids(stream.documents.first(), file_name);
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let mut s = settings(root, config).map_err(|f| {
        let mut f = *f;
        f.file = Some(name.clone());
        vec![f]
    })?;
    s.waiver_positions = waiver_positions;
    s.file = name;
    s.found = true;
    Ok(s)
}

/// A settings file's name in findings: relative to the root when inside it.
fn display_name(root: &Path, file: &Path) -> String {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let absolute = crate::repo::lexical(&absolute);
    let root =
        crate::repo::lexical(&std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()));
    absolute
        .strip_prefix(&root)
        .unwrap_or(&absolute)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Rule ids in `rules:` and `waivers[].rule` that platc does not emit: a typo there would
/// silently override or waive nothing.
fn unknown_rule_ids(doc: Option<&crate::yaml::Node>, file: &str) -> Vec<Finding> {
    let Some(doc) = doc else { return Vec::new() };
    let mut named: Vec<&crate::yaml::Node> = Vec::new();
    if let Some(rules) = doc.get("rules").and_then(crate::yaml::Node::as_map) {
        named.extend(rules.iter().map(|(k, _)| k));
    }
    if let Some(waivers) = doc.get("waivers").and_then(crate::yaml::Node::as_seq) {
        named.extend(waivers.iter().filter_map(|w| w.get("rule")));
    }
    named
        .into_iter()
        .filter_map(|node| {
            let id = node.as_str()?;
            if crate::rules::catalogue::is_known(id) {
                return None;
            }
            let help = match crate::rules::catalogue::suggestion(id) {
                Some(s) => format!("did you mean `{s}`? `platc rules --all` lists every id"),
                None => {
                    "`platc rules --all` lists every id; `family/*` names a whole family".into()
                }
            };
            Some(
                Finding::error("config/unknown-rule", format!("platc has no rule `{id}`"))
                    .at_span(file, Some(node.span))
                    .with_help(help),
            )
        })
        .collect()
}

fn settings(root: &Path, config: Config) -> Result<Settings, Box<Finding>> {
    let excluded = matcher(root, &config.exclude)?;
    let excluded_from_secrets = matcher(root, &config.secrets.exclude)?;
    Ok(Settings {
        config,
        file: FILE.to_string(),
        found: false,
        excluded,
        excluded_from_secrets,
        named: Vec::new(),
        waiver_positions: Vec::new(),
    })
}

/// A gitignore-style matcher of exclude patterns.
fn matcher(root: &Path, patterns: &[String]) -> Result<Gitignore, Box<Finding>> {
    let mut builder = GitignoreBuilder::new(root);
    for pattern in patterns {
        builder.add_line(None, pattern).map_err(|e| {
            Finding::error(
                "config/invalid",
                format!("`{pattern}` is not a valid exclude pattern: {e}"),
            )
            .at(FILE, None)
        })?;
    }
    builder
        .build()
        .map_err(|e| Box::new(Finding::error("config/invalid", e.to_string()).at(FILE, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_follow_gitignore_rules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            "exclude:\n  - tests/fixtures/\n  - '*.generated.yaml'\n",
        )
        .unwrap();
        let s = load(dir.path(), &mut Sources::default()).unwrap();
        assert!(s.is_excluded("tests/fixtures/a/b.yaml"));
        assert!(s.is_excluded("apps/x.generated.yaml"));
        assert!(!s.is_excluded("apps/x.yaml"));
    }

    #[test]
    fn secrets_excludes_skip_the_scan_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            "exclude: [vendor/]\nsecrets:\n  exclude: [docs/examples/]\n",
        )
        .unwrap();
        let s = load(dir.path(), &mut Sources::default()).unwrap();
        assert!(s.is_excluded_from_secrets("docs/examples/keys.md"));
        assert!(!s.is_excluded("docs/examples/keys.md"));
        assert!(s.is_excluded_from_secrets("vendor/x.yaml"));
        assert!(!s.is_excluded_from_secrets("apps/x.yaml"));
    }

    #[test]
    fn named_paths_overrule_the_excludes_over_them_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            "exclude: [tests/fixtures/, '*.generated.yaml']\nsecrets:\n  exclude: [docs/]\n",
        )
        .unwrap();
        let mut s = load(dir.path(), &mut Sources::default()).unwrap();
        s.name_paths(&["tests/fixtures/broken".into(), "docs/keys.md".into()]);
        assert!(!s.is_excluded("tests/fixtures/broken/a.yaml"));
        assert!(s.is_excluded("tests/fixtures/broken/a.generated.yaml"));
        assert!(s.is_excluded("tests/fixtures/other/a.yaml"));
        assert!(!s.is_excluded_from_secrets("docs/keys.md"));
        assert!(s.is_excluded_from_secrets("docs/other.md"));
        assert_eq!(
            s.pattern_excluding("tests/fixtures/broken", true)
                .as_deref(),
            Some("tests/fixtures/")
        );
    }

    #[test]
    fn unknown_rule_ids_are_errors_at_their_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            "rules:\n  workload/probes: off\n  schema/unknown-feild: off\nwaivers:\n  - {rule: kustomize/*, reason: r}\n",
        )
        .unwrap();
        let e = load(dir.path(), &mut Sources::default()).err().unwrap();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].rule, "config/unknown-rule");
        assert_eq!((e[0].line, e[0].column), (Some(3), Some(3)));
        assert_eq!(
            e[0].help.as_deref(),
            Some("did you mean `schema/unknown-field`? `platc rules --all` lists every id")
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_suggestions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "exlude: [a]\n").unwrap();
        let e = load(dir.path(), &mut Sources::default()).err().unwrap();
        assert_eq!(e[0].message, "unknown field `exlude`");
        assert_eq!(e[0].help.as_deref(), Some("did you mean `exclude`?"));
    }
}
