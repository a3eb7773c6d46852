//! What one build may generate: `limits.renderedFileSize` per file and
//! `limits.renderedTotalSize` for the whole tree. A spec with ten thousand tenants of a
//! blueprint that renders megabytes would otherwise fill the memory before anything is
//! written; over a limit, the build stops with a `build/too-large` finding instead.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::limits::{Key, bytes, current};
use crate::report::Finding;
use crate::tree::Tree;

use super::blueprint::Rendered;

/// The bytes the renders of one build have produced so far. Instances render in parallel:
/// once over the total, the rest are not rendered, so memory stays near the limit whatever
/// the number of instances.
#[derive(Default)]
pub struct RenderBudget {
    used: AtomicU64,
    reported: AtomicBool,
}

impl RenderBudget {
    /// Whether the renders already went over the total (the rest need not run).
    pub fn spent(&self) -> bool {
        self.used.load(Ordering::Relaxed) > current().rendered_total_size.get()
    }

    /// Count one instance's files; the first instance that takes the total over the limit
    /// gets the finding, the later ones an empty result (the build fails anyway).
    pub fn charge(
        &self,
        files: Vec<Rendered>,
        instance: &str,
        spec_file: &str,
    ) -> Result<Vec<Rendered>, Box<Finding>> {
        let n: u64 = files.iter().map(|f| f.text.len() as u64).sum();
        let total = self.used.fetch_add(n, Ordering::Relaxed) + n;
        let most = current().rendered_total_size;
        if total <= most.get() {
            return Ok(files);
        }
        if self.reported.swap(true, Ordering::Relaxed) {
            return Ok(Vec::new());
        }
        Err(Box::new(total_finding(
            format!(
                "the blueprints render more than the {most} one build may generate (`limits.renderedTotalSize`): {} by the time {instance} rendered",
                bytes(total)
            ),
            spec_file,
        )))
    }
}

fn total_finding(message: String, spec_file: &str) -> Finding {
    Finding::error("build/too-large", message)
        .at(spec_file, None)
        .with_help(format!(
            "look for a blueprint that renders far more than meant, or {}",
            Key::RenderedTotalSize.raise()
        ))
}

/// The files of the finished tree over `limits.renderedFileSize` (each at the file it comes
/// from), and the tree itself when over `limits.renderedTotalSize`.
pub fn check_tree(tree: &Tree, spec_file: &str) -> Vec<Finding> {
    let limits = current();
    let mut findings = Vec::new();
    let mut total: u64 = 0;
    for (path, text) in tree.files() {
        let size = text.len() as u64;
        total += size;
        if size > limits.rendered_file_size.get() {
            let source = tree.source_of(path).unwrap_or(spec_file).to_string();
            findings.push(
                Finding::error(
                    "build/too-large",
                    format!(
                        "`{path}` would be {}, more than the {} platc writes for one file (`limits.renderedFileSize`)",
                        bytes(size),
                        limits.rendered_file_size
                    ),
                )
                .at(source, None)
                .with_help(format!(
                    "split the source into several files, or {}",
                    Key::RenderedFileSize.raise()
                )),
            );
        }
    }
    if total > limits.rendered_total_size.get() {
        findings.push(total_finding(
            format!(
                "the build would generate {} in {} files, more than the {} one build may generate (`limits.renderedTotalSize`)",
                bytes(total),
                tree.len(),
                limits.rendered_total_size
            ),
            spec_file,
        ));
    }
    findings
}
