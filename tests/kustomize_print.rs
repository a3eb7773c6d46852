//! The printer of in-process builds: every fixture under tests/fixtures/kustomize-print
//! (strings go-yaml quotes or folds, keys in its order, numbers through Go's JSON, kinds in
//! kustomize's legacy order) is built in process and printed, and the bytes must be what
//! `kubectl kustomize` prints. What kustomize prints must also read back, through platc's
//! own YAML 1.1 reader, as the values that were built.

mod common;

use common::*;
use platc::kustomize::{Kustomizations, native, print};
use platc::schema::core::{self, Core};
use platc::schema::registry::Registry;

/// Numbers compared by value (kustomize prints `1.0` as `1`).
fn numbers_as_floats(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_floats).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_floats(v)))
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn printed_as_kubectl_kustomize_prints() {
    let registry = Registry::new(Core::load(core::newest()));
    let folders = fixture_folders("kustomize-print");
    assert!(!folders.is_empty());
    for dir in folders {
        let ks = Kustomizations::read(&dir, "");
        let built = native::try_build(&dir, &ks, &registry, "")
            .unwrap_or_else(|why| panic!("{}: not built in process: {why}", dir.display()));
        let ours = print::build_output(&built).unwrap();
        let theirs = kubectl_kustomize(&dir).unwrap();
        if ours != theirs {
            let line = ours
                .lines()
                .zip(theirs.lines())
                .position(|(a, b)| a != b)
                .map_or("the end".to_string(), |i| format!("line {}", i + 1));
            panic!(
                "{}: printed differently at {line}\n--- platc\n{ours}\n--- kubectl\n{theirs}",
                dir.display()
            );
        }
        // Read back as YAML 1.1 (as the API server reads it): the same values. Not for text
        // holding U+2028 or U+2029, which kustomize writes as line breaks (YAML 1.1) and
        // platc's reader takes as characters (YAML 1.2): tests/fixtures/kustomize-print/
        // line-separators is compared byte for byte only.
        if dir.ends_with("line-separators") {
            continue;
        }
        let read: Vec<serde_json::Value> = platc::manifest::read_objects("out", &theirs)
            .objects
            .iter()
            .map(|o| numbers_as_floats(o.node.to_json()))
            .collect();
        let mut sorted: Vec<serde_json::Value> = print::order::legacy(&built)
            .into_iter()
            .map(|v| numbers_as_floats(print::through_json(v)))
            .collect();
        assert_eq!(read.len(), sorted.len());
        for (a, b) in read.iter().zip(sorted.drain(..)) {
            assert_eq!(*a, b, "{}: read back differently", dir.display());
        }
    }
}
