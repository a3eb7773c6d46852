//! The machine-readable report: `{"findings": [...], "summary": {...}}`.

use super::Report;

pub fn render(report: &Report<'_>) -> String {
    let value = serde_json::json!({
        "findings": report.findings,
        "summary": report.summary(),
    });
    let mut out = serde_json::to_string_pretty(&value).expect("findings serialize");
    out.push('\n');
    out
}
