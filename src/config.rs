//! `.platc.yaml`: the repository's settings for the checks.
//!
//! ```yaml
//! exclude:            # gitignore-style patterns of paths no check reads
//!   - tests/fixtures/
//!   - vendor/**/*.yaml
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
}

/// The settings and the matcher built from them.
pub struct Settings {
    pub config: Config,
    excluded: Gitignore,
}

impl Settings {
    /// Whether a repo-relative file path is excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.excluded
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
    settings(root, config).map_err(|f| vec![*f])
}

fn settings(root: &Path, config: Config) -> Result<Settings, Box<Finding>> {
    let mut builder = GitignoreBuilder::new(root);
    for pattern in &config.exclude {
        builder.add_line(None, pattern).map_err(|e| {
            Finding::error(
                "config/invalid",
                format!("`{pattern}` is not a valid exclude pattern: {e}"),
            )
            .at(FILE, None)
        })?;
    }
    let excluded = builder
        .build()
        .map_err(|e| Finding::error("config/invalid", e.to_string()).at(FILE, None))?;
    Ok(Settings { config, excluded })
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
    fn unknown_keys_are_errors_with_suggestions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "exlude: [a]\n").unwrap();
        let e = load(dir.path(), &mut Sources::default()).err().unwrap();
        assert_eq!(e[0].message, "unknown field `exlude`");
        assert_eq!(e[0].help.as_deref(), Some("did you mean `exclude`?"));
    }
}
