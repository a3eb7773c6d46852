//! The Argo CD schemas platc ships are exactly what converting the upstream Argo CD CRDs
//! (vendored: tests/fixtures/upstream-crds) gives.

mod common;

use std::io::Write;

use common::*;
use platc::schema::registry::{SHIPPED, shipped_schema};

#[test]
fn shipped_argo_cd_schemas_match_the_upstream_crds() {
    let mut converted = Vec::new();
    for file in [
        "application-crd.yaml",
        "appproject-crd.yaml",
        "applicationset-crd.yaml",
    ] {
        let text = std::fs::read_to_string(upstream_crds().join("argo-cd").join(file)).unwrap();
        converted.extend(platc::schema::import::from_text(&text).unwrap());
    }
    assert_eq!(converted.len(), 3);
    for (api_version, kind, bytes) in SHIPPED {
        let fresh = converted
            .iter()
            .find(|c| c.api_version == api_version && c.kind == kind)
            .expect("converted");
        let fresh_json: serde_json::Value = serde_json::from_str(&fresh.text).unwrap();
        if std::env::var_os("PLATC_BLESS").is_some() {
            let path = project_root().join(format!(
                "schemas/argo-cd/{}_{}.json.gz",
                kind.to_lowercase(),
                "v1alpha1"
            ));
            let mut enc = flate2::GzBuilder::new()
                .mtime(0)
                .write(Vec::new(), flate2::Compression::best());
            enc.write_all(serde_json::to_string(&fresh_json).unwrap().as_bytes())
                .unwrap();
            std::fs::write(path, enc.finish().unwrap()).unwrap();
            continue;
        }
        assert!(
            shipped_schema(bytes) == fresh_json,
            "{kind}: the shipped schema is stale; run PLATC_BLESS=1 cargo test --test shipped_schemas"
        );
    }
}
