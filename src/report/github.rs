//! GitHub Actions workflow commands: findings become annotations on the pull request.

use super::{Report, Severity};

/// Escape a message for a workflow command.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (also `:` and `,`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(file) = &f.file {
            // An escape sequence in a file name must not reach the log (`data` only encodes
            // what breaks a workflow command).
            props.push(format!("file={}", property(&super::escape_control(file))));
            if let Some(line) = f.line {
                props.push(format!("line={line}"));
                props.push(format!("col={}", f.column.unwrap_or(1)));
            }
        }
        props.push(format!("title={}", property(&f.rule)));
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str(&format!("\n{help}"));
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            data(&message)
        ));
    }
    let s = report.summary();
    out.push_str(&format!(
        "platc: {} errors, {} warnings in {} files ({} objects)\n",
        s.errors, s.warnings, s.files, s.objects
    ));
    out.push_str(&super::human::not_scanned(&s));
    out
}
