//! `platc secrets`: credentials in the repository, found before they are committed. A
//! credential's value is never printed, logged or reported: only a redacted form.

mod filters;
pub mod redact;
mod rules;
pub mod scan;

use std::path::Path;

use rayon::prelude::*;

use crate::config::Settings;
use crate::report::Finding;
pub use scan::Hit;

/// Files larger than this are not scanned (vendored archives, not configuration).
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// What a scan found.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub files: usize,
    pub bytes: u64,
}

/// The finding for a hit in `file`: where, which kind of credential, and its redacted form.
pub fn finding(file: &str, hit: &Hit) -> Finding {
    Finding::error(format!("secrets/{}", hit.rule), format!("{}: {}", hit.description, redact::redact(&hit.secret)))
        .at(file, Some(crate::yaml::Pos { line: hit.line, col: hit.column }))
        .with_help(format!(
            "remove it and rotate it: it is compromised once pushed. Keep it in a secret store (an ExternalSecret, VaultSecret or SealedSecret references it), or, if it is not a credential, add `# platc:allow secrets/{}` on the line",
            hit.rule
        ))
}

/// Scan text read from somewhere other than a file (standard input).
pub fn scan_named(name: &str, text: &str) -> Vec<Finding> {
    scan::scan(name, text)
        .iter()
        .map(|h| finding(name, h))
        .collect()
}

/// Every text file under the given paths (repo-relative), honouring .gitignore and the
/// excludes of `.platc.yaml`.
pub fn scan_tree(root: &Path, paths: &[String], settings: &Settings) -> Outcome {
    let starts: Vec<std::path::PathBuf> = if paths.is_empty() {
        vec![root.to_path_buf()]
    } else {
        paths.iter().map(|p| root.join(p)).collect()
    };
    let mut files: Vec<String> = Vec::new();
    for start in starts {
        for entry in ignore::WalkBuilder::new(&start)
            .require_git(false)
            .hidden(false)
            .build()
            .flatten()
        {
            let p = entry.path();
            if !p.is_file() || p.components().any(|c| c.as_os_str() == ".git") {
                continue;
            }
            if let Ok(rel) = p.strip_prefix(root) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if !settings.is_excluded(&rel) {
                    files.push(rel);
                }
            }
        }
    }
    files.sort();
    files.dedup();
    let results: Vec<(Vec<Finding>, u64)> = files
        .par_iter()
        .map(|rel| {
            let full = root.join(rel);
            if std::fs::metadata(&full).map_or(true, |m| m.len() > MAX_FILE_BYTES) {
                return (Vec::new(), 0);
            }
            let Ok(bytes) = std::fs::read(&full) else {
                return (Vec::new(), 0);
            };
            // Binary files hold no configuration to leak from.
            if bytes.contains(&0) {
                return (Vec::new(), bytes.len() as u64);
            }
            let text = String::from_utf8_lossy(&bytes);
            (scan_named(rel, &text), bytes.len() as u64)
        })
        .collect();
    let bytes = results.iter().map(|r| r.1).sum();
    Outcome {
        findings: results.into_iter().flat_map(|r| r.0).collect(),
        files: files.len(),
        bytes,
    }
}
