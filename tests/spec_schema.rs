//! `schemas/platform.schema.json` is generated from the Rust types and kept current; the
//! example spec and every fixture spec validate against it, so editors can rely on it.

mod common;

use common::*;
use platc::yaml::parse_stream;

#[test]
fn the_published_schema_is_current() {
    let path = project_root().join("schemas/platform.schema.json");
    let generated = platc::commands::spec_schema();
    if std::env::var_os("PLATC_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/platform.schema.json is stale: run `PLATC_BLESS=1 cargo test --test spec_schema` and commit it"
    );
    // The command prints the same bytes.
    let out = platc()
        .args(["schemas", "spec"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(out).unwrap(), generated);
}

#[test]
fn specs_validate_against_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(&platc::commands::spec_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut specs = vec![project_root().join("platform/platform.yaml")];
    specs.extend(
        compile_fixtures()
            .into_iter()
            .map(|f| f.join("platform/platform.yaml")),
    );
    for spec in specs {
        let doc = parse_stream(&std::fs::read_to_string(&spec).unwrap())
            .unwrap()
            .documents
            .remove(0)
            .to_json();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", spec.display());
    }
    let bad = serde_json::json!({"apiVersion": "platc.io/v1alpha1", "kind": "Platform", "metadata": {"name": "x"}, "spec": {"repo": {"url": "u"}, "environments": [], "componets": []}});
    assert!(!validator.is_valid(&bad), "unknown keys are rejected");
}
