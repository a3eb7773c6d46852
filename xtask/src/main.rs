//! Generators for data platc commits and embeds.
//!
//!     cargo run -p xtask -- crd-catalog [CRDS_DIR]
//!
//! writes `schemas/crd-catalog/` (index, compressed schemas, SOURCES.md and licenses) from a
//! folder of upstream CRDs laid out as `../shared/crds/` is (`<project>/<file>.yaml`, a
//! SOURCES.md table and `_licenses/`); see `platc::schema::catalog`.
//!
//!     cargo run -p xtask --release -- k8s-schemas
//!
//! writes `schemas/kubernetes/v1.XX.json.gz` for every Kubernetes version k8s-openapi
//! supports, from k8s-openapi's schemars output, post-processed the way platc validates:
//! unknown fields rejected, int-or-string and quantities typed as the API server reads them,
//! apiVersion and kind pinned. It builds itself once per version (k8s-openapi takes one
//! version feature at a time).

#[cfg(feature = "k8s")]
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[cfg(feature = "k8s")]
use serde_json::{Map, Value, json};

#[cfg(feature = "k8s")]
include!(concat!(env!("OUT_DIR"), "/resources.rs"));

const VERSIONS: [&str; 5] = ["v1_33", "v1_34", "v1_35", "v1_36", "v1_37"];

#[cfg(feature = "k8s")]
/// A Kubernetes quantity: `500m`, `1.5Gi`, `2e3`, or a plain number.
const QUANTITY_PATTERN: &str =
    r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("k8s-schemas") => {
            let out = project_root().join("schemas/kubernetes");
            for version in VERSIONS {
                let status = Command::new(env!("CARGO"))
                    .args([
                        "run",
                        "-p",
                        "xtask",
                        "--release",
                        "--quiet",
                        "--no-default-features",
                        "--features",
                        version,
                        "--",
                        "k8s-schema-one",
                    ])
                    .arg(&out)
                    .status()
                    .expect("cargo runs");
                assert!(status.success(), "generating {version} failed");
            }
        }
        #[cfg(feature = "k8s")]
        Some("k8s-schema-one") => generate_one(Path::new(args.get(1).expect("output folder"))),
        Some("crd-catalog") => {
            let crds = args
                .get(1)
                .map(PathBuf::from)
                .unwrap_or_else(|| project_root().join("../shared/crds"));
            crd_catalog(&crds, &project_root().join("schemas/crd-catalog"));
        }
        _ => {
            eprintln!(
                "usage: cargo run -p xtask --release -- k8s-schemas\n       cargo run -p xtask -- crd-catalog [CRDS_DIR]"
            );
            std::process::exit(2);
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The CRDs platc ships on their own (`schemas/argo-cd/`), left out of the catalog.
const SHIPPED_PROJECTS: [&str; 1] = ["argo-cd"];

fn crd_catalog(crds: &Path, out: &Path) {
    let sources = std::fs::read_to_string(crds.join("SOURCES.md"))
        .unwrap_or_else(|e| panic!("{}: {e}", crds.join("SOURCES.md").display()));
    let built = platc::schema::catalog::build::build(crds, &sources, &SHIPPED_PROJECTS)
        .unwrap_or_else(|e| panic!("{e}"));
    let licenses = out.join("licenses");
    std::fs::create_dir_all(&licenses).unwrap();
    std::fs::write(out.join("index.tsv"), &built.index).unwrap();
    std::fs::write(out.join("catalog.bin"), &built.blob).unwrap();
    std::fs::write(out.join("SOURCES.md"), &built.sources).unwrap();
    for entry in std::fs::read_dir(crds.join("_licenses")).unwrap().flatten() {
        std::fs::copy(entry.path(), licenses.join(entry.file_name())).unwrap();
    }
    let kinds = built.index.lines().filter(|l| l.starts_with("K\t")).count();
    eprintln!(
        "{}: {kinds} kinds, {} bytes compressed",
        out.display(),
        built.blob.len()
    );
}

#[cfg(feature = "k8s")]
fn enabled_version() -> &'static str {
    let versions: Vec<&str> = VERSIONS
        .into_iter()
        .filter(|v| match *v {
            "v1_33" => cfg!(feature = "v1_33"),
            "v1_34" => cfg!(feature = "v1_34"),
            "v1_35" => cfg!(feature = "v1_35"),
            "v1_36" => cfg!(feature = "v1_36"),
            "v1_37" => cfg!(feature = "v1_37"),
            _ => false,
        })
        .collect();
    match versions.as_slice() {
        [v] => v,
        _ => panic!("build with exactly one of the features {VERSIONS:?}"),
    }
}

/// k8s-openapi marks every non-`Option` field required. Two kinds of those are optional in
/// the upstream OpenAPI documents (checked by xtask/crosscheck_kubernetes_validate.py):
/// `metadata` (platc checks the name itself), and the `name` of object references, which
/// upstream documents as "effectively required, but ... allowed to be empty".
#[cfg(feature = "k8s")]
fn relax_required(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let optional_name = obj
        .get("properties")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.get("description"))
        .and_then(Value::as_str)
        .is_some_and(|d| d.contains("allowed to be empty"));
    if let Some(Value::Array(required)) = obj.get_mut("required") {
        required.retain(|r| r != "metadata" && !(optional_name && r == "name"));
        if required.is_empty() {
            obj.remove("required");
        }
    }
}

#[cfg(feature = "k8s")]
fn generate_one(out: &Path) {
    use k8s_openapi::Resource;
    let version = enabled_version().trim_start_matches('v').replace('_', ".");
    let mut generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut kinds: Vec<(String, String)> = Vec::new();
    let mut namespaced: Vec<String> = Vec::new();
    macro_rules! add {
        ($t:ty) => {{
            let reference = generator.subschema_for::<$t>();
            let name = reference.as_value()["$ref"]
                .as_str()
                .unwrap()
                .trim_start_matches("#/definitions/")
                .to_string();
            let key = format!(
                "{} {}",
                <$t as Resource>::API_VERSION,
                <$t as Resource>::KIND
            );
            let scope = std::any::type_name::<<$t as Resource>::Scope>();
            if scope.ends_with("NamespaceResourceScope") {
                namespaced.push(key.clone());
            }
            kinds.push((key, name));
        }};
    }
    for_each_resource!(add);
    let definitions = generator.take_definitions(true);
    let mut processed = Map::new();
    for (name, mut schema) in definitions {
        relax_required(&mut schema);
        let converted = match name.as_str() {
            "io.k8s.apimachinery.pkg.api.resource.Quantity" => {
                json!({"anyOf": [{"type": "number"}, {"type": "string", "pattern": QUANTITY_PATTERN}]})
            }
            "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => {
                json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})
            }
            // A CRD's own schema is free-form JSON Schema: k8s-openapi's model of it is lossy
            // (enum values typed as objects, items as a oneOf that rejects plain schemas), and
            // platc checks CRD schemas by converting them instead.
            n if n.starts_with("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON") => {
                json!({})
            }
            _ => platc::schema::crd::convert_with(&schema, platc::schema::crd::BUILT_IN),
        };
        processed.insert(name, converted);
    }
    kinds.sort();
    namespaced.sort();
    // Pin apiVersion and kind on a copy of each kind's definition: the definition itself may
    // also be used nested (a PersistentVolumeClaim in a StatefulSet's volumeClaimTemplates),
    // where neither is required.
    for (key, name) in kinds.iter_mut() {
        let (api_version, kind) = key.split_once(' ').unwrap();
        let mut definition = processed
            .get(name.as_str())
            .cloned()
            .expect("resource definition");
        let obj = definition.as_object_mut().expect("an object schema");
        let props = obj
            .entry("properties")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .unwrap();
        props.insert("apiVersion".into(), json!({"const": api_version}));
        props.insert("kind".into(), json!({"const": kind}));
        let required = obj
            .entry("required")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .unwrap();
        for field in ["apiVersion", "kind"] {
            if !required.iter().any(|r| r == field) {
                required.push(json!(field));
            }
        }
        let pinned = format!("{name}.Kind");
        processed.insert(pinned.clone(), definition);
        *name = pinned;
    }
    let document = json!({
        "kubernetesVersion": version,
        "source": "k8s-openapi 0.29.0 (schemars), post-processed by xtask",
        "kinds": kinds.iter().map(|(k, n)| (k.clone(), json!(n))).collect::<Map<String, Value>>(),
        "namespaced": namespaced,
        "definitions": processed,
    });
    std::fs::create_dir_all(out).unwrap();
    let path = out.join(format!("v{version}.json.gz"));
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(serde_json::to_string(&document).unwrap().as_bytes())
        .unwrap();
    std::fs::write(&path, encoder.finish().unwrap()).unwrap();
    eprintln!(
        "{}: {} kinds, {} definitions",
        path.display(),
        kinds.len(),
        document["definitions"].as_object().unwrap().len()
    );
}
