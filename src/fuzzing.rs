//! The entry points the fuzzers drive (`fuzz/`), one per reader of untrusted input. They live
//! in the library so that every input that once crashed one is replayed by `cargo test`
//! (`tests/fuzz_regressions.rs` over `fuzz/regressions/<target>/`).
//!
//! Each takes any bytes and must return without panicking, in time and memory bounded by
//! the input.

use std::path::Path;

/// A fuzz target: takes any bytes.
pub type Target = fn(&[u8]);

/// The fuzz targets, by name (the names of `fuzz/src/bin/*.rs` and of the seed folders).
pub const TARGETS: &[(&str, Target)] = &[
    ("yaml_objects", yaml_objects),
    ("spec_loader", spec_loader),
    ("crd_schema", crd_schema),
    ("kustomization", kustomization),
    ("secrets", secrets),
    ("yaml_fast", yaml_fast),
];

/// The YAML object reader: the bytes as a manifest file (objects, duplicate keys, syntax
/// errors as findings), every object turned to JSON as validation does.
pub fn yaml_objects(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = crate::manifest::read_objects("fuzz.yaml", text);
    for object in &file.objects {
        let _ = object.node.to_json();
        let _ = (object.kind(), object.name(), object.namespace());
    }
}

/// The fast YAML reader against saphyr (a differential target): wherever the fast reader
/// answers, saphyr must read the same tree, spans and duplicate keys.
pub fn yaml_fast(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(fast) = crate::yaml::parse_fast_only(text) else {
        return;
    };
    match crate::yaml::parse_saphyr_only(text) {
        Ok(saphyr) => assert_eq!(
            format!("{fast:?}"),
            format!("{saphyr:?}"),
            "the fast reader and saphyr disagree"
        ),
        Err(e) => panic!("the fast reader read what saphyr refuses ({e})"),
    }
}

/// The platform spec loader: the bytes as `platform/platform.yaml`, loaded and checked in a
/// repository where nothing else exists (every path it names is missing).
pub fn spec_loader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let root = Path::new("/nonexistent/platc-fuzz");
    let mut sources = crate::source::Sources::default();
    let _ = crate::spec::load_text(root, "platform/platform.yaml", text, &mut sources);
}

/// The CRD-to-schema converter: every document of the bytes converted as a
/// CustomResourceDefinition (the kind forced, so the converter sees every shape), each
/// schema compiled and run on the document itself.
pub fn crd_schema(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(stream) = crate::yaml::parse_stream(text) else {
        return;
    };
    for doc in &stream.documents {
        let mut json = doc.to_json();
        if let Some(map) = json.as_object_mut() {
            map.insert("kind".into(), "CustomResourceDefinition".into());
        }
        let Ok(versions) = crate::schema::crd::convert(&json) else {
            continue;
        };
        for version in versions {
            let doc = std::sync::Arc::new(version.schema);
            if let Ok(schema) = crate::schema::Schema::compile("x/v1", "X", doc) {
                let _ = schema.is_valid(&json);
            }
        }
    }
}

/// The kustomization model: the bytes as a `kustomization.yaml`, checked field by field and
/// read for every path it names.
pub fn kustomization(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(stream) = crate::yaml::parse_stream(text) else {
        return;
    };
    for doc in stream.documents {
        let _ = crate::kustomize::fields::problems(&doc);
        let k = crate::kustomize::Kustomization::new("apps/web/kustomization.yaml".into(), doc);
        for r in k.refs() {
            let _ = k.local(&r);
        }
    }
}

/// The secret scanner: the bytes under a file name chosen by the first byte (each syntax the
/// scanner tells apart), and the scan of Secret objects. A finding must never hold more of a
/// value than its redacted form.
pub fn secrets(data: &[u8]) {
    const NAMES: &[&str] = &[
        "secret.yaml",
        ".env",
        "deploy.sh",
        "config.json",
        "app.properties",
        ".docker/config.json",
        "Dockerfile",
        "main.tf",
        "settings.xml",
        ".netrc",
    ];
    let name = NAMES[data.first().map_or(0, |b| usize::from(*b)) % NAMES.len()];
    let text = String::from_utf8_lossy(data);
    let _ = crate::secrets::scan_named(name, &text);
    let _ = crate::secrets::scan::scan_secret_objects(&text);
}
