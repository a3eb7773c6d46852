//! Where a schema for an apiVersion and kind comes from, compiled once on first use.
//!
//! Lookup order: CRDs found in the repository or given with `--schemas`, then the schemas
//! imported under `schemas/crds/`, then the schemas shipped with platc (Argo CD's kinds),
//! then the embedded built-in Kubernetes schemas, then the embedded CRD catalog
//! (cert-manager, prometheus-operator, Gateway API...). A later source replaces an earlier
//! one by being inserted after it.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::core::Core;
use super::{Schema, crd};

enum Body {
    /// A built-in kind: its schema is assembled from the shared definitions when needed.
    Core,
    Json(Arc<Value>),
    /// Decompressed and parsed only when an object needs it (the ApplicationSet schema
    /// alone is 2 MB of JSON).
    Lazy(LazySchema),
}

enum LazySchema {
    Shipped(&'static [u8]),
    /// A kind of the embedded CRD catalog (an index into its kinds).
    Catalog(usize),
}

struct Entry {
    body: Body,
    /// Where the schema came from, for messages.
    origin: String,
    namespaced: Option<bool>,
    compiled: OnceLock<Result<Arc<Schema>, String>>,
}

/// What a lookup found.
pub enum Found {
    Schema(Arc<Schema>),
    /// The schema exists but does not compile (a broken CRD): the error.
    Broken(String),
    Missing,
}

pub struct Registry {
    core: Core,
    entries: HashMap<String, Entry>,
    /// Lowercased keys, for schema folders that name kinds in lowercase.
    lowercase: HashMap<String, String>,
}

/// One served version of a CRD the registry learned.
pub struct AddedKind {
    /// `apiVersion Kind`.
    pub key: String,
    /// `pattern` keywords left out because they cannot compile.
    pub dropped_patterns: Vec<super::re2::DroppedPattern>,
}

/// `apiVersion Kind`, the registry's key.
pub fn key(api_version: &str, kind: &str) -> String {
    format!("{api_version} {kind}")
}

/// Schemas platc ships for the kinds it emits: the upstream Argo CD CRDs converted like any
/// imported CRD, stored compressed. The tests regenerate them from the upstream CRDs and
/// compare (`PLATC_BLESS=1 cargo test --test shipped_schemas` rewrites them).
pub const SHIPPED: [(&str, &str, &[u8]); 3] = [
    (
        "argoproj.io/v1alpha1",
        "Application",
        include_bytes!("../../schemas/argo-cd/application_v1alpha1.json.gz"),
    ),
    (
        "argoproj.io/v1alpha1",
        "AppProject",
        include_bytes!("../../schemas/argo-cd/appproject_v1alpha1.json.gz"),
    ),
    (
        "argoproj.io/v1alpha1",
        "ApplicationSet",
        include_bytes!("../../schemas/argo-cd/applicationset_v1alpha1.json.gz"),
    ),
];

/// Decompress a shipped schema.
pub fn shipped_schema(bytes: &[u8]) -> Value {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("shipped schemas decompress");
    serde_json::from_str(&text).expect("shipped schemas parse")
}

impl Registry {
    /// The built-in kinds, the shipped Argo CD kinds and the CRD catalog.
    /// The registry of the newest Kubernetes version with the built-in catalog, built once
    /// per process: decompressing and indexing the schemas is a good part of a small run, and
    /// the spec checks of both sides of a diff and its renders all ask for it.
    pub fn newest() -> &'static Registry {
        static NEWEST: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
        NEWEST.get_or_init(|| Registry::new(Core::load(super::core::newest())))
    }

    pub fn new(core: Core) -> Registry {
        Registry::build(core, true)
    }

    /// [`Registry::new`] without the CRD catalog: for a verdict that blocks a deployment
    /// (the Argo CD plugin), where the catalog's version of a CRD may not be the cluster's.
    pub fn without_catalog(core: Core) -> Registry {
        Registry::build(core, false)
    }

    fn build(core: Core, with_catalog: bool) -> Registry {
        let mut r = Registry {
            core,
            entries: HashMap::new(),
            lowercase: HashMap::new(),
        };
        let keys: Vec<String> = r.core.kinds().map(str::to_string).collect();
        for k in keys {
            let namespaced = r.core.is_namespaced(&k);
            r.insert(
                k,
                Body::Core,
                format!("Kubernetes {}", r.core.version),
                namespaced,
            );
        }
        // The CRD catalog: never in place of a built-in kind.
        let catalog = super::catalog::embedded();
        let catalog_kinds = if with_catalog {
            &catalog.kinds[..]
        } else {
            &[]
        };
        for (i, k) in catalog_kinds.iter().enumerate() {
            let key = key(&k.api_version, &k.kind);
            if r.entries.contains_key(&key) {
                continue;
            }
            r.insert(
                key,
                Body::Lazy(LazySchema::Catalog(i)),
                format!("platc's CRD catalog ({})", catalog.origin(k)),
                Some(k.namespaced),
            );
        }
        // platc's own kind: the platform spec.
        let spec: Value = serde_json::to_value(schemars::schema_for!(crate::spec::Platform))
            .expect("the spec schema serializes");
        r.insert(
            key(crate::spec::API_VERSION, crate::spec::KIND),
            Body::Json(Arc::new(spec)),
            "platc".into(),
            Some(false),
        );
        for (api_version, kind, bytes) in SHIPPED {
            let schema = LazySchema::Shipped(bytes);
            r.insert(
                key(api_version, kind),
                Body::Lazy(schema),
                "platc (Argo CD CRDs)".into(),
                Some(true),
            );
        }
        r
    }

    pub fn kubernetes_version(&self) -> &str {
        self.core.version
    }

    fn insert(&mut self, key: String, body: Body, origin: String, namespaced: Option<bool>) {
        // A schema folder may name a kind in lowercase: it still replaces the same kind from
        // an earlier source (the catalog's `Certificate` gives way to a folder's `certificate`).
        if let Some(previous) = self.lowercase.insert(key.to_lowercase(), key.clone())
            && previous != key
        {
            self.entries.remove(&previous);
        }
        self.entries.insert(
            key,
            Entry {
                body,
                origin,
                namespaced,
                compiled: OnceLock::new(),
            },
        );
    }

    /// Learn every served version of a CRD. Returns the kinds added.
    pub fn add_crd(&mut self, crd_object: &Value, origin: &str) -> Result<Vec<AddedKind>, String> {
        let namespaced =
            crd_object.pointer("/spec/scope").and_then(Value::as_str) != Some("Cluster");
        let mut added = Vec::new();
        for version in crd::convert(crd_object)? {
            let k = key(&version.api_version(), &version.kind);
            self.insert(
                k.clone(),
                Body::Json(Arc::new(version.schema)),
                origin.to_string(),
                Some(namespaced),
            );
            added.push(AddedKind {
                key: k,
                dropped_patterns: version.dropped_patterns,
            });
        }
        Ok(added)
    }

    /// Add a ready JSON schema for a kind.
    pub fn add_schema(
        &mut self,
        api_version: &str,
        kind: &str,
        schema: Value,
        origin: &str,
        namespaced: Option<bool>,
    ) {
        let k = key(api_version, kind);
        self.insert(
            k,
            Body::Json(Arc::new(schema)),
            origin.to_string(),
            namespaced,
        );
    }

    fn entry(&self, api_version: &str, kind: &str) -> Option<&Entry> {
        let k = key(api_version, kind);
        self.entries.get(&k).or_else(|| {
            self.lowercase
                .get(&k.to_lowercase())
                .and_then(|k| self.entries.get(k))
        })
    }

    /// Whether a built-in Kubernetes kind is namespaced (None for other kinds).
    pub fn core_namespaced(&self, api_version: &str, kind: &str) -> Option<bool> {
        self.core.is_namespaced(&key(api_version, kind))
    }

    /// Whether a kind is namespaced, when the registry knows it.
    pub fn is_namespaced(&self, api_version: &str, kind: &str) -> Option<bool> {
        self.entry(api_version, kind).and_then(|e| e.namespaced)
    }

    pub fn origin(&self, api_version: &str, kind: &str) -> Option<&str> {
        self.entry(api_version, kind).map(|e| e.origin.as_str())
    }

    /// The compiled schema for a kind (compiled on first use, from any thread).
    pub fn get(&self, api_version: &str, kind: &str) -> Found {
        let Some(entry) = self.entry(api_version, kind) else {
            return Found::Missing;
        };
        let compiled = entry.compiled.get_or_init(|| {
            let doc = match &entry.body {
                Body::Core => Arc::new(
                    self.core
                        .schema(&key(api_version, kind))
                        .unwrap_or(Value::Bool(true)),
                ),
                Body::Json(v) => v.clone(),
                Body::Lazy(LazySchema::Shipped(bytes)) => Arc::new(shipped_schema(bytes)),
                Body::Lazy(LazySchema::Catalog(i)) => {
                    let catalog = super::catalog::embedded();
                    Arc::new(catalog.schema(&catalog.kinds[*i])?)
                }
            };
            Schema::compile(api_version, kind, doc).map(Arc::new)
        });
        match compiled {
            Ok(s) => Found::Schema(s.clone()),
            Err(e) => Found::Broken(e.clone()),
        }
    }

    /// Every known `apiVersion Kind`, sorted.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.entries.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(with_catalog: bool) -> Registry {
        Registry::build(Core::load(super::super::core::newest()), with_catalog)
    }

    #[test]
    fn catalog_kinds_are_known_unless_left_out() {
        let r = registry(true);
        assert!(matches!(
            r.get("cert-manager.io/v1", "Certificate"),
            Found::Schema(_)
        ));
        assert_eq!(
            r.is_namespaced("cert-manager.io/v1", "ClusterIssuer"),
            Some(false)
        );
        assert!(
            r.origin("monitoring.coreos.com/v1", "ServiceMonitor")
                .unwrap()
                .contains("prometheus-operator")
        );
        let r = registry(false);
        assert!(matches!(
            r.get("cert-manager.io/v1", "Certificate"),
            Found::Missing
        ));
    }

    #[test]
    fn a_schema_folder_replaces_the_catalog_whatever_the_case_of_its_kind() {
        let mut r = registry(true);
        // A CRDs-catalog folder names kinds in lowercase.
        r.add_schema(
            "cert-manager.io/v1",
            "certificate",
            serde_json::json!({"type": "object"}),
            "schemas/crds",
            Some(true),
        );
        assert_eq!(
            r.origin("cert-manager.io/v1", "Certificate"),
            Some("schemas/crds")
        );
        let Found::Schema(s) = r.get("cert-manager.io/v1", "Certificate") else {
            panic!("the folder's schema");
        };
        assert!(s.is_valid(&serde_json::json!({"spec": {"anything": 1}})));
    }
}
