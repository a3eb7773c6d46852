//! Findings for people: miette diagnostics with the source line underlined.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::{Finding, Report, Severity, escape_control};
use crate::source::byte_offset;

pub fn render(report: &Report<'_>, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    let mut out = String::new();
    // Each file's text with its credentials masked, made once however many findings it has.
    let mut masked: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for finding in &report.findings {
        // Information stays on one line: it must not drown errors. A credential's line is
        // never shown: the snippet would print the secret.
        if finding.severity == Severity::Info || finding.rule.starts_with("secrets/") {
            out.push_str(&plain_line(finding));
            if let Some(help) = &finding.help {
                out.push_str(&format!("  help: {help}\n"));
            }
            continue;
        }
        let diagnostic = FindingDiagnostic::new(finding, report, &mut masked);
        if handler.render_report(&mut out, &diagnostic).is_err() {
            out.push_str(&plain_line(finding));
        }
        out.push('\n');
    }
    let s = report.summary();
    out.push_str(&format!(
        "{} error{}, {} warning{} in {} file{} ({} object{}) in {} ms\n",
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.files,
        plural(s.files),
        s.objects,
        plural(s.objects),
        s.elapsed_ms
    ));
    out.push_str(&not_scanned(&s));
    out
}

/// The line that says which files of history were left out, when some were.
pub(super) fn not_scanned(s: &super::Summary) -> String {
    let mut out = match s.binary_files_not_scanned {
        0 => String::new(),
        n => format!(
            "{n} binary file{} of history not scanned for secrets (a NUL byte in the first 8000 bytes: images, archives)\n",
            plural(n)
        ),
    };
    if let n @ 1.. = s.large_files_not_scanned {
        out.push_str(&format!(
            "{n} file{} of history over the read limit (`limits.fileSize`) not scanned for secrets (scan the file as it is now with `platc secrets PATH`)\n",
            plural(n)
        ));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `file:line:col: severity[rule]: message` for when there is no source to show.
pub fn plain_line(f: &Finding) -> String {
    let mut s = String::new();
    if let Some(file) = &f.file {
        s.push_str(&escape_control(file));
        if let Some(line) = f.line {
            s.push_str(&format!(":{line}:{}", f.column.unwrap_or(1)));
        }
        s.push_str(": ");
    }
    s.push_str(&format!(
        "{}[{}]: {}\n",
        f.severity.as_str(),
        f.rule,
        f.message
    ));
    s
}

#[derive(Debug)]
struct FindingDiagnostic {
    title: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl FindingDiagnostic {
    fn new(
        f: &Finding,
        report: &Report<'_>,
        masked: &mut std::collections::HashMap<String, String>,
    ) -> FindingDiagnostic {
        // The snippet shows the lines around the finding: a credential on one of them is
        // masked in place (same length, so the underline stays right).
        let text = f.file.as_deref().and_then(|file| {
            let text = report.sources.get(file)?;
            Some(
                masked
                    .entry(file.to_string())
                    .or_insert_with(|| {
                        super::escape::neutralise_control(
                            &crate::secrets::redact::mask_credentials(text),
                        )
                    })
                    .as_str(),
            )
        });
        let mut labels = Vec::new();
        let mut source = None;
        let location = match (&f.file, f.line) {
            (Some(file), Some(line)) => format!(
                "{}:{line}:{}: ",
                escape_control(file),
                f.column.unwrap_or(1)
            ),
            (Some(file), None) => format!("{}: ", escape_control(file)),
            _ => String::new(),
        };
        // Related positions far from the finding are named in the help instead of labelled:
        // miette prints every line between two labels.
        let near = |r: &super::Related| {
            f.file.as_ref() == Some(&r.file)
                && f.line.is_some_and(|l| l.abs_diff(r.line) <= SNIPPET_SPREAD)
        };
        let text = text.filter(|text| {
            f.pos()
                .is_none_or(|pos| line_fits_a_snippet(text, byte_offset(text, pos)))
        });
        if let (Some(text), Some(pos), Some(file)) = (text, f.pos(), &f.file) {
            let start = byte_offset(text, pos);
            // A span over many lines (a whole object) is shown by its first token: the
            // snippet stays a few lines however large the node.
            let len = match f.end {
                Some(end) if end > pos && end.line <= pos.line + SNIPPET_SPREAD => {
                    byte_offset(text, end) - start
                }
                _ => token_len(&text[start..]),
            };
            labels.push(LabeledSpan::new_primary_with_span(
                Some("here".into()),
                (start, len),
            ));
            for related in f.related.iter().filter(|r| near(r)) {
                let at = byte_offset(
                    text,
                    crate::yaml::Pos {
                        line: related.line,
                        col: related.column,
                    },
                );
                labels.push(LabeledSpan::new_with_span(
                    Some(related.message.clone()),
                    (at, token_len(&text[at..])),
                ));
            }
            source = Some(NamedSource::new(escape_control(file), text.to_string()));
        }
        let mut help = f.help.clone();
        for related in &f.related {
            if !near(related) || source.is_none() {
                let line = format!(
                    "{}: {}:{}:{}",
                    related.message,
                    escape_control(&related.file),
                    related.line,
                    related.column
                );
                help = Some(match help {
                    Some(h) => format!("{h}\n{line}"),
                    None => line,
                });
            }
        }
        let object = f
            .object
            .as_ref()
            .map(|o| format!(" ({o})"))
            .unwrap_or_default();
        FindingDiagnostic {
            title: format!("{location}{}{object}", f.message),
            code: f.rule.clone(),
            severity: match f.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            help,
            source,
            labels,
        }
    }
}

/// How many lines a snippet's labels may spread over (beyond miette's one line of context).
const SNIPPET_SPREAD: u32 = 3;

/// The longest line shown in a snippet. A longer one (minified JSON, a huge flow sequence)
/// would bury the report, and past 65,535 columns the renderer cannot even pad to it.
const MAX_SNIPPET_LINE: usize = 1000;

/// Whether the line holding byte `at` is short enough to show.
fn line_fits_a_snippet(text: &str, at: usize) -> bool {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    end - start <= MAX_SNIPPET_LINE
}

/// How much of the text at a position to underline: the token that starts there.
fn token_len(rest: &str) -> usize {
    let line = rest.split('\n').next().unwrap_or("");
    let end = line
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, ':' | ',' | ']' | '}'))
        .map_or(line.len(), |(i, _)| i);
    end.max(line.chars().next().map_or(0, char::len_utf8))
}

impl std::fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;
    use crate::yaml::Pos;

    fn rendered(finding: Finding, text: &str) -> String {
        let mut sources = Sources::default();
        sources.insert("platform/platform.yaml", text);
        let report = Report {
            findings: vec![finding],
            sources: &sources,
            files: 1,
            objects: 0,
            binary_files_not_scanned: 0,
            large_files_not_scanned: 0,
            elapsed: std::time::Duration::ZERO,
            fail_on: crate::report::Severity::Error,
        };
        render(&report, false)
    }

    /// Lines of the file the snippet shows.
    fn source_lines(out: &str) -> usize {
        out.lines().filter(|l| l.contains("│ key")).count()
    }

    fn long_file() -> String {
        (1..=200).map(|i| format!("key{i}: value{i}\n")).collect()
    }

    #[test]
    fn a_snippet_stays_a_few_lines_when_the_related_place_is_far() {
        let f = Finding::error(
            "spec/duplicate-name",
            "the component `web` is declared twice",
        )
        .at("platform/platform.yaml", Some(Pos { line: 150, col: 1 }))
        .with_related(
            "platform/platform.yaml",
            Pos { line: 10, col: 1 },
            "first declared here",
        );
        let out = rendered(f, &long_file());
        assert!(source_lines(&out) <= 5, "{out}");
        assert!(out.contains("key150"), "{out}");
        assert!(!out.contains("key80:"), "{out}");
        // The far place is still named, in the help.
        assert!(
            out.contains("first declared here: platform/platform.yaml:10:1"),
            "{out}"
        );
    }

    #[test]
    fn a_span_over_many_lines_is_shown_by_its_first_line() {
        let mut f = Finding::error("spec/duplicate-name", "declared twice")
            .at("platform/platform.yaml", Some(Pos { line: 20, col: 1 }));
        f.end = Some(Pos { line: 160, col: 1 });
        let out = rendered(f, &long_file());
        assert!(source_lines(&out) <= 5, "{out}");
        assert!(out.contains("key20"), "{out}");
        assert!(!out.contains("key100:"), "{out}");
    }

    #[test]
    fn a_near_related_place_is_labelled_in_the_snippet() {
        let f = Finding::error("spec/duplicate-key", "`name` is given twice")
            .at("platform/platform.yaml", Some(Pos { line: 12, col: 1 }))
            .with_related(
                "platform/platform.yaml",
                Pos { line: 10, col: 1 },
                "first given here",
            );
        let out = rendered(f, &long_file());
        assert!(out.contains("key10") && out.contains("key12"), "{out}");
        assert!(!out.contains("first given here: platform"), "{out}");
    }
}
