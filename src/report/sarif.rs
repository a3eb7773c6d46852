//! SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{Report, Severity};

pub fn render(report: &Report<'_>) -> String {
    let rules: BTreeSet<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    let rule_list: Vec<Value> = rules
        .iter()
        .map(|id| json!({"id": id, "name": id}))
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            let mut text = f.message.clone();
            if let Some(help) = &f.help {
                text.push_str(&format!("\n{help}"));
            }
            let mut result = json!({"ruleId": f.rule, "level": level, "message": {"text": text}});
            if let Some(file) = &f.file {
                let mut region = serde_json::Map::new();
                if let Some(line) = f.line {
                    region.insert("startLine".into(), json!(line));
                    region.insert("startColumn".into(), json!(f.column.unwrap_or(1)));
                }
                let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": file}}});
                if !region.is_empty() {
                    location["physicalLocation"]["region"] = Value::Object(region);
                }
                if let Some(object) = &f.object {
                    location["logicalLocations"] =
                        json!([{"fullyQualifiedName": object, "kind": "object"}]);
                }
                result["locations"] = json!([location]);
            }
            result
        })
        .collect();
    let value = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "platc", "version": env!("CARGO_PKG_VERSION"), "rules": rule_list}},
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&value).expect("SARIF serializes");
    out.push('\n');
    out
}
