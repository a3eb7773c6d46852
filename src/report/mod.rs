//! Findings and the renderers that show them.

mod escape;
mod finding;
pub mod fingerprint;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
pub mod sarif;

use std::time::Duration;

pub use escape::{escape_control, escape_control_in_message};
pub use finding::{Finding, Related, Severity};

use crate::source::Sources;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `text` is the same (for `platc diff`).
    #[value(alias = "text")]
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    /// A pull-request comment (`platc diff` only).
    Markdown,
    /// GitLab code quality (`artifacts:reports:codequality`).
    Gitlab,
}

/// Counts shown under the findings.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub objects: usize,
    pub errors: usize,
    pub warnings: usize,
    pub elapsed_ms: u64,
    /// Binary files of git history the secret scan did not read (images, archives): said,
    /// never skipped silently. Absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub binary_files_not_scanned: usize,
    /// Files of git history over the read limit (8 MiB) the secret scan did not read.
    /// Absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub large_files_not_scanned: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Everything a run found, ready to render.
pub struct Report<'a> {
    pub findings: Vec<Finding>,
    pub sources: &'a Sources,
    pub files: usize,
    pub objects: usize,
    /// Binary files of history the secret scan left out (`secrets --history`).
    pub binary_files_not_scanned: usize,
    /// Files of history over the read limit the secret scan left out.
    pub large_files_not_scanned: usize,
    pub elapsed: Duration,
    /// The lowest severity that fails the run (`--fail-on`): JUnit marks only these failed.
    pub fail_on: Severity,
}

impl Report<'_> {
    pub fn summary(&self) -> Summary {
        Summary {
            files: self.files,
            objects: self.objects,
            errors: self.count(Severity::Error),
            warnings: self.count(Severity::Warning),
            elapsed_ms: self.elapsed.as_millis() as u64,
            binary_files_not_scanned: self.binary_files_not_scanned,
            large_files_not_scanned: self.large_files_not_scanned,
        }
    }

    /// The lines that say which files of history the scan left out; empty when none.
    pub fn not_scanned(&self) -> String {
        human::not_scanned(&self.summary())
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Sort findings into their stable report order.
    pub fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }

    /// Redact every credential quoted in a finding's message, help or related notes (a
    /// label or schema value can hold one): no format ever prints one.
    pub fn redact(&mut self) {
        use crate::secrets::redact::redact_credentials;
        // Also: no control character that could forge a log line or recolour a terminal,
        // and no message so long that it buries the others.
        let clean = |s: &str| {
            let redacted = redact_credentials(s);
            escape::truncate_message(&escape::escape_control_in_message(&redacted)).into_owned()
        };
        for f in &mut self.findings {
            // File names keep their bytes here: JSON, SARIF, JUnit and GitLab encode control
            // characters themselves, and tools need the real path. The human and GitHub
            // formats, which print lines, escape them.
            f.message = clean(&f.message);
            if let Some(help) = &mut f.help {
                *help = clean(help);
            }
            for r in &mut f.related {
                r.message = clean(&r.message);
            }
        }
    }

    pub fn render(&self, format: Format, color: bool) -> String {
        match format {
            Format::Human => human::render(self, color),
            Format::Json => json::render(self),
            Format::Sarif => sarif::render(self),
            Format::Junit => junit::render(self),
            Format::Github => github::render(self),
            // Only `platc diff` prints markdown; the other commands refuse it before running.
            Format::Markdown => human::render(self, false),
            Format::Gitlab => gitlab::render(self),
        }
    }
}
