//! Blueprints written for Python's jinja2 render byte-identically with platc (minijinja).
//! The oracle is the real jinja2 from PyPI.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::*;
use indexmap::IndexMap;
use platc::compile::blueprint::Templates;
use platc::spec::Blueprint;

fn python_render(case: &std::path::Path) -> BTreeMap<String, String> {
    let script = fixtures().join("jinja2/jinja2_render.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(case)
        .output()
        .expect("python3 is installed");
    assert!(
        out.status.success(),
        "jinja2 failed (install it with `pip install jinja2`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn platc_render(case: &std::path::Path) -> BTreeMap<String, String> {
    let repo = tempfile::tempdir().unwrap();
    let bp_dir = repo.path().join("bp");
    copy_dir(case, &bp_dir);
    std::fs::remove_file(bp_dir.join("context.json")).unwrap();
    let context: IndexMap<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(case.join("context.json")).unwrap()).unwrap();
    let templates = Templates::load(repo.path(), "bp").unwrap();
    let bp = Blueprint {
        path: "bp".into(),
        description: None,
        params: IndexMap::new(),
        values_files: vec![],
        contributes: IndexMap::new(),
    };
    templates
        .render(&bp, &context)
        .unwrap_or_else(|f| panic!("{}: {f:?}", case.display()))
        .into_iter()
        .map(|r| (r.path, r.text))
        .collect()
}

#[test]
fn blueprints_render_byte_identically_to_python_jinja2() {
    let mut cases: Vec<_> = std::fs::read_dir(fixtures().join("jinja2"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 3);
    for case in cases {
        let expected = python_render(&case);
        let got = platc_render(&case);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{}",
            case.display()
        );
        for (path, text) in &expected {
            assert_eq!(&got[path], text, "{}: {path} differs", case.display());
        }
    }
}

#[test]
fn the_example_blueprints_render_like_jinja2() {
    // The example platform's grav blueprint, with the acets tenant's parameters.
    let case = tempfile::tempdir().unwrap();
    copy_dir(
        &project_root().join("platform/blueprints/grav"),
        case.path(),
    );
    std::fs::write(
        case.path().join("context.json"),
        r#"{"name": "acets", "namespace": "acets", "club": "acets", "domain": "acets.etsmtl.ca", "replicas": 1, "storage": "2Gi"}"#,
    )
    .unwrap();
    assert_eq!(platc_render(case.path()), python_render(case.path()));
}
