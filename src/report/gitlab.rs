//! GitLab code quality report (`artifacts:reports:codequality`): a JSON array of issues with
//! the fields GitLab documents (description, check_name, fingerprint, severity,
//! location.path, location.lines.begin). GitLab shows them in merge requests, compared by
//! fingerprint with the target branch's report, so the fingerprint must outlive line moves.

use serde_json::{Value, json};

use super::{Report, Severity, fingerprint};

/// GitLab's scale is info, minor, major, critical, blocker. A leaked credential is critical;
/// other errors (the API server would refuse the object, the build breaks) major.
fn severity(rule: &str, severity: Severity) -> &'static str {
    match severity {
        Severity::Error if rule.starts_with("secrets/") => "critical",
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

pub fn render(report: &Report<'_>) -> String {
    let fingerprints = fingerprint::fingerprints(&report.findings, report.sources);
    let issues: Vec<Value> = report
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(f, fingerprint)| {
            let mut description = f.message.clone();
            if let Some(help) = &f.help {
                description.push_str(&format!(" ({help})"));
            }
            // A finding about the repository as a whole (no file) is shown at its root.
            let path = f.file.clone().unwrap_or_else(|| ".".into());
            let mut issue = json!({
                "type": "issue",
                "description": description,
                "check_name": f.rule,
                "fingerprint": fingerprint,
                "severity": severity(&f.rule, f.severity),
                "location": {"path": path, "lines": {"begin": f.line.unwrap_or(1)}},
                "categories": [category(&f.rule)],
            });
            if let Some(object) = &f.object {
                issue["content"] = json!({"body": format!("object: {object}")});
            }
            issue
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).expect("the report serializes");
    out.push('\n');
    out
}

/// The Code Climate category GitLab groups issues by.
fn category(rule: &str) -> &'static str {
    match rule.split('/').next().unwrap_or_default() {
        "secrets" => "Security",
        "deprecated" => "Compatibility",
        "workload" | "hygiene" => "Style",
        _ => "Bug Risk",
    }
}
