//! Findings for people: miette diagnostics with the source line underlined.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::{Finding, Report, Severity};
use crate::source::byte_offset;

pub fn render(report: &Report<'_>, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    let mut out = String::new();
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
        let diagnostic = FindingDiagnostic::new(finding, report);
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
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `file:line:col: severity[rule]: message` for when there is no source to show.
pub fn plain_line(f: &Finding) -> String {
    let mut s = String::new();
    if let Some(file) = &f.file {
        s.push_str(file);
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
    fn new(f: &Finding, report: &Report<'_>) -> FindingDiagnostic {
        let text = f.file.as_deref().and_then(|file| report.sources.get(file));
        let mut labels = Vec::new();
        let mut source = None;
        let location = match (&f.file, f.line) {
            (Some(file), Some(line)) => format!("{file}:{line}:{}: ", f.column.unwrap_or(1)),
            (Some(file), None) => format!("{file}: "),
            _ => String::new(),
        };
        if let (Some(text), Some(pos), Some(file)) = (text, f.pos(), &f.file) {
            let start = byte_offset(text, pos);
            let len = match f.end {
                Some(end) if end > pos => byte_offset(text, end) - start,
                _ => token_len(&text[start..]),
            };
            labels.push(LabeledSpan::new_primary_with_span(
                Some("here".into()),
                (start, len),
            ));
            for related in f.related.iter().filter(|r| &r.file == file) {
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
            source = Some(NamedSource::new(file, text.to_string()));
        }
        let mut help = f.help.clone();
        for related in &f.related {
            if Some(&related.file) != f.file.as_ref() || source.is_none() {
                let line = format!(
                    "{}: {}:{}:{}",
                    related.message, related.file, related.line, related.column
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
