//! SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.
//!
//! What GitHub shows comes from here: each rule's description and help (the docs of
//! `platc explain`, in Markdown), its default level, a `security-severity` for the secret
//! rules (GitHub ranks those alerts critical, high...), and per result a fingerprint that
//! survives lines moving (see `fingerprint.rs`), so an alert is not closed and reopened by an
//! unrelated edit above it.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::{Report, Severity, fingerprint};
use crate::rules::catalogue;

/// The key of platc's fingerprint in `partialFingerprints` (versioned: a change of the
/// hashing gets a new key rather than silently new identities).
pub const FINGERPRINT_KEY: &str = "platcFinding/v1";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's scale: 9.0 and above is critical, 7.0 high, 4.0 medium, below that low. A
/// credential in a repository is critical; a crackable hash or a committed Secret high.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "9.0",
        Severity::Warning => "7.0",
        Severity::Info => "3.0",
    }
}

/// `schema/unknown-field` as a SARIF rule name: `SchemaUnknownField`.
fn rule_name(id: &str) -> String {
    id.split(['/', '-', '_', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Where a rule's documentation is published, when platc knows its repository (the
/// `repository` of Cargo.toml): lint rules in docs/rules.md, the other ids in
/// docs/findings.md. Without it the help text alone carries the docs.
pub fn help_uri(repository: &str, id: &str, lint_rule: bool) -> Option<String> {
    let repository = repository.trim_end_matches('/');
    if repository.is_empty() {
        return None;
    }
    Some(if lint_rule {
        // GitHub's heading anchor for `# family/rule-id`.
        let anchor: String = id.chars().filter(|c| *c != '/').collect();
        format!("{repository}/blob/main/docs/rules.md#{anchor}")
    } else {
        format!("{repository}/blob/main/docs/findings.md")
    })
}

fn rule(id: &str) -> Value {
    let Some(entry) = catalogue::find(id) else {
        // Every emitted id is in the catalogue (a test greps for them); keep the report
        // valid whatever happens.
        return json!({"id": id, "name": rule_name(id)});
    };
    let docs = entry.text();
    let mut properties = Map::new();
    properties.insert("tags".into(), json!([entry.check.as_str()]));
    properties.insert("precision".into(), json!("high"));
    if entry.check == catalogue::Check::Secrets {
        properties.insert("tags".into(), json!(["security", "secrets"]));
        properties.insert(
            "security-severity".into(),
            json!(security_severity(entry.severity)),
        );
    }
    let mut rule = json!({
        "id": id,
        "name": rule_name(id),
        "shortDescription": {"text": entry.summary},
        "fullDescription": {"text": entry.summary},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": level(entry.severity)},
        "properties": properties,
    });
    let lint_rule = entry.check == catalogue::Check::Lint;
    if let Some(uri) = help_uri(env!("CARGO_PKG_REPOSITORY"), id, lint_rule) {
        rule["helpUri"] = json!(uri);
    }
    rule
}

pub fn render(report: &Report<'_>) -> String {
    let ids: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rule_list: Vec<Value> = ids.iter().map(|id| rule(id)).collect();
    let fingerprints = fingerprint::fingerprints(&report.findings, report.sources);
    let results: Vec<Value> = report
        .findings
        .iter()
        .zip(&fingerprints)
        .map(|(f, fingerprint)| {
            let mut text = f.message.clone();
            if let Some(help) = &f.help {
                text.push_str(&format!("\n{help}"));
            }
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": ids.binary_search(&f.rule.as_str()).unwrap_or(0),
                "level": level(f.severity),
                "message": {"text": text},
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
            });
            if let Some(file) = &f.file {
                let mut region = Map::new();
                if let Some(line) = f.line {
                    region.insert("startLine".into(), json!(line));
                    region.insert("startColumn".into(), json!(f.column.unwrap_or(1)));
                    if let Some(end) = f
                        .end
                        .filter(|e| e.line == line && e.col > f.column.unwrap_or(1))
                    {
                        region.insert("endLine".into(), json!(end.line));
                        region.insert("endColumn".into(), json!(end.col));
                    }
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
    let mut driver = json!({
        "name": "platc",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rule_list,
    });
    if !env!("CARGO_PKG_REPOSITORY").is_empty() {
        driver["informationUri"] = json!(env!("CARGO_PKG_REPOSITORY"));
    }
    let value = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&value).expect("SARIF serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_and_help_uris() {
        assert_eq!(rule_name("schema/unknown-field"), "SchemaUnknownField");
        assert_eq!(help_uri("", "workload/probes", true), None);
        assert_eq!(
            help_uri("https://example.org/platc/", "workload/probes", true).as_deref(),
            Some("https://example.org/platc/blob/main/docs/rules.md#workloadprobes")
        );
        assert_eq!(
            help_uri("https://example.org/platc", "schema/missing", false).as_deref(),
            Some("https://example.org/platc/blob/main/docs/findings.md")
        );
    }

    #[test]
    fn secret_rules_carry_a_security_severity() {
        let id = catalogue::entries()
            .find(|e| e.check == catalogue::Check::Secrets && e.severity == Severity::Error)
            .unwrap()
            .id;
        let r = rule(id);
        assert_eq!(r["properties"]["security-severity"], "9.0");
        assert_eq!(r["properties"]["tags"][0], "security");
        assert!(r["help"]["markdown"].as_str().unwrap().contains(id));
        let lint = rule("workload/probes");
        assert!(lint["properties"].get("security-severity").is_none());
        assert_eq!(lint["defaultConfiguration"]["level"], "warning");
    }
}
