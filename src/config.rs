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
//! ```

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;

use crate::report::Finding;
use crate::source::Sources;
use crate::yaml::{de::from_node, parse_stream};

pub const FILE: &str = ".platc.yaml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    /// Paths no check reads, in .gitignore syntax, relative to the repository root.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Severity per rule id.
    #[serde(default)]
    pub rules: indexmap::IndexMap<String, Level>,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    /// URLs Applications use for this repository, besides the spec's and the git remotes.
    #[serde(default, rename = "repoURLs")]
    pub repo_urls: Vec<String>,
    #[serde(default)]
    pub secrets: SecretsConfig,
}

/// Settings of the secret scan alone.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretsConfig {
    /// Paths the secret scan skips, in .gitignore syntax (other checks still read them).
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, Deserialize)]
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
    pub reason: String,
    /// The last day it applies, `YYYY-MM-DD`.
    #[serde(default)]
    pub expires: Option<String>,
}

/// The settings and the matcher built from them.
pub struct Settings {
    pub config: Config,
    excluded: Gitignore,
    excluded_from_secrets: Gitignore,
    /// Where each waiver is written in `.platc.yaml` (for findings about waivers).
    pub waiver_positions: Vec<Option<crate::yaml::Pos>>,
}

impl Settings {
    /// Whether a repo-relative file path is excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.excluded
            .matched_path_or_any_parents(path, false)
            .is_ignore()
    }

    /// Whether the secret scan skips a repo-relative file path.
    pub fn is_excluded_from_secrets(&self, path: &str) -> bool {
        self.is_excluded(path)
            || self
                .excluded_from_secrets
                .matched_path_or_any_parents(path, false)
                .is_ignore()
    }
}

/// Read `.platc.yaml` at the repository root (defaults when there is none).
pub fn load(root: &Path, sources: &mut Sources) -> Result<Settings, Vec<Finding>> {
    let text = match std::fs::read_to_string(root.join(FILE)) {
        Ok(t) => t,
        Err(_) => return settings(root, Config::default()).map_err(|f| vec![*f]),
    };
    sources.insert(FILE, text.as_str());
    let stream = parse_stream(&text).map_err(|e| {
        vec![
            Finding::error("config/yaml", format!("not valid YAML: {}", e.message))
                .at(FILE, Some(e.pos)),
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
                Finding::error("config/invalid", e.message).at(FILE, e.span.map(|s| s.start));
            f.help = e.help;
            vec![f]
        })?,
    };
    let mut s = settings(root, config).map_err(|f| vec![*f])?;
    s.waiver_positions = waiver_positions;
    Ok(s)
}

fn settings(root: &Path, config: Config) -> Result<Settings, Box<Finding>> {
    let excluded = matcher(root, &config.exclude)?;
    let excluded_from_secrets = matcher(root, &config.secrets.exclude)?;
    Ok(Settings {
        config,
        excluded,
        excluded_from_secrets,
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
    fn unknown_keys_are_errors_with_suggestions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "exlude: [a]\n").unwrap();
        let e = load(dir.path(), &mut Sources::default()).err().unwrap();
        assert_eq!(e[0].message, "unknown field `exlude`");
        assert_eq!(e[0].help.as_deref(), Some("did you mean `exclude`?"));
    }
}
