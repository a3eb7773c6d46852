//! The imported Applications gathered into one platform spec: platform defaults from what
//! most Applications do, per-component overrides for the rest, one component per name
//! across environments where they agree.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::map::{Cluster, Mapped};

/// The most common of some values (first seen wins a tie), as JSON.
pub fn most_common<'a>(values: impl IntoIterator<Item = &'a Value>) -> Option<Value> {
    let mut counts: IndexMap<String, (usize, &Value)> = IndexMap::new();
    for v in values {
        counts.entry(v.to_string()).or_insert((0, v)).0 += 1;
    }
    let best = counts.values().map(|(n, _)| *n).max()?;
    counts
        .values()
        .find(|(n, _)| *n == best)
        .map(|(_, v)| (*v).clone())
}

/// Platform-wide defaults.
pub struct Defaults {
    pub project: String,
    pub policy: Map<String, Value>,
    pub finalizers: Vec<String>,
}

/// The policy fields that differ from the platform's (what the component must set).
fn policy_override(
    policy: &Map<String, Value>,
    default: &Map<String, Value>,
) -> Map<String, Value> {
    let automated = policy.get("automated") == Some(&json!(true));
    let mut out = Map::new();
    for (k, v) in policy {
        if !automated && matches!(k.as_str(), "prune" | "selfHeal" | "allowEmpty") {
            continue;
        }
        let d = default.get(k).unwrap_or(&Value::Null);
        if v != d && !v.is_null() {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// A spec sync policy: the canonical one without what means nothing or restates platc's
/// defaults (automated, prune, self-heal and namespace creation on; the rest off).
pub fn policy_spec(policy: &Map<String, Value>) -> Map<String, Value> {
    let platc_default = |k: &str, v: &Value| match k {
        "automated" | "prune" | "selfHeal" | "createNamespace" => v == &json!(true),
        "allowEmpty" | "serverSideApply" => v == &json!(false),
        "syncOptions" => v == &json!([]),
        _ => false,
    };
    policy
        .iter()
        .filter(|(k, v)| !v.is_null() && !platc_default(k, v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A component in one environment, keyed fields in the spec's order.
pub fn component(name: &str, app: &Mapped, d: &Defaults, renamed: bool) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    if renamed {
        c.insert("applicationName".into(), json!(app.name));
    }
    if app.namespace != name {
        c.insert("namespace".into(), json!(app.namespace));
    }
    if app.project != d.project {
        c.insert("project".into(), json!(app.project));
    }
    for key in [
        "syncWave",
        "helm",
        "charts",
        "refs",
        "git",
        "resources",
        "directory",
        "revision",
        "annotations",
        "applicationLabels",
    ] {
        if let Some(v) = app.fields.get(key) {
            c.insert(key.into(), v.clone());
        }
    }
    let o = policy_override(&app.policy, &d.policy);
    if !o.is_empty() {
        c.insert("syncPolicy".into(), Value::Object(o));
    }
    for key in ["managedNamespaceMetadata", "ignoreDifferences"] {
        if let Some(v) = app.fields.get(key) {
            c.insert(key.into(), v.clone());
        }
    }
    if app.finalizers != d.finalizers {
        c.insert("finalizers".into(), json!(app.finalizers));
    }
    c
}

/// One environment's view when components are put together.
pub struct EnvApps<'a> {
    pub name: &'a str,
    pub cluster: Cluster,
    pub apps: Vec<&'a Mapped>,
}

/// The components of all environments: one per Application name when every environment
/// that has it agrees (chart version and cluster may differ per environment), else one per
/// environment, named `<name>-<env>` and keeping the Application's name.
pub fn components(envs: &[EnvApps], d: &Defaults) -> Vec<Value> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_name: BTreeMap<&str, Vec<(usize, &Mapped)>> = BTreeMap::new();
    for (i, e) in envs.iter().enumerate() {
        for a in &e.apps {
            if !by_name.contains_key(a.name.as_str()) {
                order.push(&a.name);
            }
            by_name.entry(&a.name).or_default().push((i, a));
        }
    }
    let mut taken: Vec<String> = order.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    for name in order {
        let present = &by_name[name];
        let shapes: Vec<Map<String, Value>> = present
            .iter()
            .map(|(_, a)| without_varying(component(name, a, d, false)))
            .collect();
        let agree = shapes.windows(2).all(|w| w[0] == w[1]);
        if agree {
            out.push(Value::Object(agreed(name, present, envs, d)));
            continue;
        }
        for (i, a) in present {
            let e = &envs[*i];
            let mut own = format!("{name}-{}", e.name);
            while taken.contains(&own) {
                own.push('x');
            }
            taken.push(own.clone());
            let mut c = component(&own, a, d, true);
            let mut overrides = Map::new();
            for (j, other) in envs.iter().enumerate() {
                if j == *i {
                    if a.cluster != other.cluster {
                        overrides.insert(
                            other.name.to_string(),
                            json!({"destination": destination(&a.cluster)}),
                        );
                    }
                } else {
                    overrides.insert(other.name.to_string(), json!({"enabled": false}));
                }
            }
            if !overrides.is_empty() {
                c.insert("environments".into(), Value::Object(overrides));
            }
            out.push(Value::Object(c));
        }
    }
    out
}

/// A component without what an environment override can set: the first chart's version
/// and extra value files, the namespace, and the revision of this repository's sources.
fn without_varying(mut c: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Object(h)) = c.get_mut("helm") {
        h.remove("version");
        h.remove("values");
    }
    c.remove("namespace");
    if !c.contains_key("git") {
        c.remove("revision");
    }
    c
}

/// One component for an Application that every environment having it writes alike, but
/// for what environment overrides express.
fn agreed(
    name: &str,
    present: &[(usize, &Mapped)],
    envs: &[EnvApps],
    d: &Defaults,
) -> Map<String, Value> {
    let (_, first) = present[0];
    let mut c = component(name, first, d, false);
    let helm_field = |a: &Mapped, key: &str| a.fields.get("helm").and_then(|h| h.get(key)).cloned();
    let values: Vec<Vec<Value>> = present
        .iter()
        .map(|(_, a)| {
            helm_field(a, "values")
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
        })
        .collect();
    // Value files all environments share come first; each adds its own after them.
    let shared = (0..values.iter().map(Vec::len).min().unwrap_or(0))
        .take_while(|i| values.iter().all(|v| v[*i] == values[0][*i]))
        .count();
    if let Some(Value::Object(h)) = c.get_mut("helm") {
        if shared == 0 {
            h.remove("values");
        } else {
            h.insert("values".into(), Value::Array(values[0][..shared].to_vec()));
        }
    }
    let versions: Vec<Option<Value>> = present
        .iter()
        .map(|(_, a)| helm_field(a, "version"))
        .collect();
    let base_version = if versions.iter().all(Option::is_some) {
        versions[0].clone()
    } else {
        None
    };
    if base_version.is_none()
        && let Some(Value::Object(h)) = c.get_mut("helm")
    {
        h.remove("version");
    }
    let revisions: Vec<Option<Value>> = present
        .iter()
        .map(|(_, a)| a.fields.get("revision").cloned())
        .collect();
    let same_revision = revisions.windows(2).all(|w| w[0] == w[1]) || c.contains_key("git");
    if !same_revision {
        c.remove("revision");
    }
    let base_namespace = first.namespace.clone();
    let mut overrides = Map::new();
    for (i, e) in envs.iter().enumerate() {
        let mut o = Map::new();
        match present.iter().position(|(j, _)| *j == i) {
            None => {
                o.insert("enabled".into(), json!(false));
            }
            Some(k) => {
                let a = present[k].1;
                if versions[k] != base_version
                    && let Some(v) = &versions[k]
                {
                    o.insert("version".into(), v.clone());
                }
                if values[k].len() > shared {
                    o.insert("values".into(), Value::Array(values[k][shared..].to_vec()));
                }
                if !same_revision && let Some(r) = &revisions[k] {
                    o.insert("revision".into(), r.clone());
                }
                let mut dest = Map::new();
                if a.cluster != e.cluster
                    && let Value::Object(cluster) = destination(&a.cluster)
                {
                    dest.extend(cluster);
                }
                if a.namespace != base_namespace {
                    dest.insert("namespace".into(), json!(a.namespace));
                }
                if !dest.is_empty() {
                    o.insert("destination".into(), Value::Object(dest));
                }
            }
        }
        if !o.is_empty() {
            overrides.insert(e.name.to_string(), Value::Object(o));
        }
    }
    if !overrides.is_empty() {
        c.insert("environments".into(), Value::Object(overrides));
    }
    c
}

pub fn destination(cluster: &Cluster) -> Value {
    match cluster {
        Cluster::Server(s) => json!({"server": s}),
        Cluster::Name(n) => json!({"name": n}),
    }
}
