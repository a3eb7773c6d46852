//! One Application read as a component: its sources, sync policy and metadata in the
//! spec's terms, or the reason it has no spec equivalent.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::read::ArgoObject;
use super::roots::clean_path;
use crate::compile::argocd::{IN_CLUSTER, SYNC_WAVE};
use crate::compile::kustomize::is_kustomize_dir;

/// What is fixed while mapping one environment's Applications.
pub struct Context<'a> {
    pub root: &'a Path,
    /// This repository's URL, as the root Applications write it.
    pub repo_url: &'a str,
    /// The folder the spec is written to (repo-relative).
    pub spec_dir: &'a str,
    /// The revision this environment's sources of this repository track.
    pub env_revision: &'a str,
}

/// Where an Application deploys: a server URL or a cluster name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cluster {
    Server(String),
    Name(String),
}

/// An Application in the spec's terms.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub name: String,
    /// Component fields that come from the Application alone (sources, wave, metadata).
    pub fields: Map<String, Value>,
    /// The full sync policy, every field explicit (`prune`/`selfHeal` null when not
    /// automated: they mean nothing then).
    pub policy: Map<String, Value>,
    pub finalizers: Vec<String>,
    pub project: String,
    pub cluster: Cluster,
    /// The destination namespace; empty when the Application names none.
    pub namespace: String,
    pub charts: usize,
    pub kustomize_folders: usize,
    pub plain_folders: usize,
}

type Reason = String;

const METADATA_KEYS: &[&str] = &["name", "namespace", "labels", "annotations", "finalizers"];
const SPEC_KEYS: &[&str] = &[
    "project",
    "destination",
    "source",
    "sources",
    "syncPolicy",
    "ignoreDifferences",
];

/// Read one Application in the spec's terms.
pub fn application(cx: &Context, app: &ArgoObject) -> Result<Mapped, Reason> {
    let v = &app.value;
    let meta = v
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(k) = meta.keys().find(|k| !METADATA_KEYS.contains(&k.as_str())) {
        return Err(format!("metadata.{k} has no spec equivalent"));
    }
    let spec = v
        .get("spec")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(k) = spec.keys().find(|k| !SPEC_KEYS.contains(&k.as_str())) {
        return Err(format!("spec.{k} has no spec equivalent"));
    }
    if !is_dns_label(&app.name) {
        return Err(format!(
            "the name `{}` is not a DNS label, as component names must be",
            app.name
        ));
    }
    let mut m = Mapped {
        name: app.name.clone(),
        fields: Map::new(),
        policy: Map::new(),
        finalizers: Vec::new(),
        project: str_at(&spec, "project").unwrap_or("default").to_string(),
        cluster: Cluster::Server(IN_CLUSTER.into()),
        namespace: String::new(),
        charts: 0,
        kustomize_folders: 0,
        plain_folders: 0,
    };
    if m.project.is_empty() {
        m.project = "default".into();
    }
    destination(spec.get("destination"), &mut m)?;
    sources(cx, &spec, &mut m)?;
    sync_policy(spec.get("syncPolicy"), &mut m)?;
    if let Some(Value::Array(ignore)) = spec.get("ignoreDifferences")
        && !ignore.is_empty()
    {
        m.fields.insert("ignoreDifferences".into(), json!(ignore));
    }
    metadata(&meta, &mut m)?;
    Ok(m)
}

fn str_at<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    map.get(key).and_then(Value::as_str)
}

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn destination(dest: Option<&Value>, m: &mut Mapped) -> Result<(), Reason> {
    let Some(Value::Object(d)) = dest else {
        return Err("the Application has no destination".into());
    };
    if let Some(k) = d
        .keys()
        .find(|k| !["server", "name", "namespace"].contains(&k.as_str()))
    {
        return Err(format!("destination.{k} has no spec equivalent"));
    }
    let server = str_at(d, "server").unwrap_or("");
    let name = str_at(d, "name").unwrap_or("");
    m.cluster = match (server, name) {
        ("", "in-cluster") | ("", "") => Cluster::Server(IN_CLUSTER.into()),
        ("", n) => Cluster::Name(n.into()),
        (s, "") => Cluster::Server(s.into()),
        _ => return Err("the destination gives both a server and a name".into()),
    };
    m.namespace = str_at(d, "namespace").unwrap_or("").to_string();
    Ok(())
}

/// A source's git revision as Argo CD reads it: empty is `HEAD`.
fn git_revision(source: &Map<String, Value>) -> String {
    match str_at(source, "targetRevision") {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => "HEAD".into(),
    }
}

/// The compiler writes a component's sources in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Chart,
    Ref,
    Git,
    Local,
}

fn sources(cx: &Context, spec: &Map<String, Value>, m: &mut Mapped) -> Result<(), Reason> {
    let list: Vec<Map<String, Value>> = match (spec.get("source"), spec.get("sources")) {
        (Some(_), Some(Value::Array(l))) if !l.is_empty() => {
            return Err("both source and sources are set".into());
        }
        (_, Some(Value::Array(l))) if !l.is_empty() => {
            if l.len() == 1 {
                return Err(
                    "a one-element `sources` list (platc writes one source as `source`)".into(),
                );
            }
            l.iter()
                .map(|s| s.as_object().cloned().unwrap_or_default())
                .collect()
        }
        (Some(Value::Object(s)), _) => vec![s.clone()],
        _ => return Err("the Application has no source".into()),
    };
    let this_repo = |s: &Map<String, Value>| str_at(s, "repoURL") == Some(cx.repo_url);
    // The revision of this repository's sources: the first one's, when not the environment's.
    let local_revision = list
        .iter()
        .filter(|s| {
            this_repo(s) && s.get("chart").is_none() && (s.get("path").is_none() || in_repo(cx, s))
        })
        .map(git_revision)
        .next()
        .unwrap_or_else(|| cx.env_revision.to_string());
    if local_revision != cx.env_revision {
        m.fields.insert("revision".into(), json!(local_revision));
    }
    let mut phase = Phase::Chart;
    let mut charts: Vec<Value> = Vec::new();
    let mut refs = Map::new();
    for s in &list {
        let repo = str_at(s, "repoURL").unwrap_or("");
        let next = if s.get("ref").is_some() && s.get("path").is_none() && s.get("chart").is_none()
        {
            Phase::Ref
        } else if s.get("chart").is_some() || s.get("helm").is_some() {
            Phase::Chart
        } else if this_repo(s) && in_repo(cx, s) && !is_chart_dir(cx, s) {
            Phase::Local
        } else if this_repo(s) && in_repo(cx, s) {
            Phase::Chart
        } else {
            // Another repository's path, or one this checkout does not hold (a guessed
            // repository URL, a folder on another branch): written as it is.
            Phase::Git
        };
        if next < phase {
            return Err("sources in an order platc does not write (charts, value refs, remote git, this repository's folder)".into());
        }
        phase = next;
        match next {
            Phase::Chart => {
                charts.push(chart(cx, s, &local_revision)?);
                m.charts += 1;
            }
            Phase::Ref => {
                only_keys(s, &["repoURL", "targetRevision", "ref"], "a ref source")?;
                let name = str_at(s, "ref").unwrap_or("").to_string();
                let mut r = Map::new();
                if !this_repo(s) {
                    r.insert("repo".into(), json!(repo));
                }
                let rev = git_revision(s);
                if !this_repo(s) || rev != local_revision {
                    r.insert("revision".into(), json!(rev));
                }
                if refs.insert(name.clone(), Value::Object(r)).is_some() {
                    return Err(format!("the ref `{name}` is given twice"));
                }
            }
            Phase::Git => {
                if m.fields.contains_key("git") {
                    return Err("two sources from other git repositories".into());
                }
                only_keys(
                    s,
                    &["repoURL", "targetRevision", "path", "directory"],
                    "a remote git source",
                )?;
                let Some(path) = str_at(s, "path") else {
                    return Err(format!("the source {repo} has no path, chart or ref"));
                };
                directory(s, m)?;
                m.fields.insert(
                    "git".into(),
                    json!({"repo": repo, "path": path, "revision": git_revision(s)}),
                );
            }
            Phase::Local => {
                if m.fields.contains_key("resources") {
                    return Err("two folders of this repository".into());
                }
                only_keys(
                    s,
                    &["repoURL", "targetRevision", "path", "directory"],
                    "a folder source",
                )?;
                let raw = str_at(s, "path").unwrap_or("");
                let Some(path) = clean_path(raw) else {
                    return Err(format!(
                        "the path `{raw}` is the repository root or leaves it"
                    ));
                };
                if raw != path {
                    return Err(format!(
                        "the path `{raw}` is written differently from `{path}`"
                    ));
                }
                if !cx.root.join(&path).is_dir() {
                    return Err(format!(
                        "the path `{path}` is not a folder of this repository"
                    ));
                }
                if is_kustomize_dir(cx.root, &path) {
                    m.kustomize_folders += 1;
                } else {
                    m.plain_folders += 1;
                }
                m.fields
                    .insert("resources".into(), json!([spec_path(cx.spec_dir, &path)]));
                directory(s, m)?;
            }
        }
    }
    let mut charts = charts.into_iter();
    if let Some(first) = charts.next() {
        m.fields.insert("helm".into(), first);
    }
    let rest: Vec<Value> = charts.collect();
    if !rest.is_empty() {
        m.fields.insert("charts".into(), json!(rest));
    }
    if !refs.is_empty() {
        m.fields.insert("refs".into(), Value::Object(refs));
    }
    Ok(())
}

/// A source's `directory` options as the component's.
fn directory(s: &Map<String, Value>, m: &mut Mapped) -> Result<(), Reason> {
    let Some(Value::Object(d)) = s.get("directory") else {
        return Ok(());
    };
    let mut dir = Map::new();
    for (k, v) in d {
        match (k.as_str(), v) {
            ("recurse", Value::Bool(b)) => {
                if *b {
                    dir.insert("recurse".into(), json!(true));
                }
            }
            ("include" | "exclude", Value::String(g)) => {
                if !g.is_empty() {
                    dir.insert(k.clone(), json!(g));
                }
            }
            _ => return Err(format!("directory.{k} has no spec equivalent")),
        }
    }
    if !dir.is_empty() {
        m.fields.insert("directory".into(), Value::Object(dir));
    }
    Ok(())
}

fn only_keys(s: &Map<String, Value>, keys: &[&str], what: &str) -> Result<(), Reason> {
    match s.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(format!("`{k}` on {what} has no spec equivalent")),
        None => Ok(()),
    }
}

/// Whether a source's path is a folder of this checkout.
fn in_repo(cx: &Context, s: &Map<String, Value>) -> bool {
    str_at(s, "path")
        .and_then(clean_path)
        .is_some_and(|p| cx.root.join(p).is_dir())
}

fn is_chart_dir(cx: &Context, s: &Map<String, Value>) -> bool {
    str_at(s, "path")
        .and_then(clean_path)
        .is_some_and(|p| cx.root.join(p).join("Chart.yaml").is_file())
}

/// A repo-relative path as the spec writes it (relative to the spec's folder).
pub fn spec_path(spec_dir: &str, repo_path: &str) -> String {
    let depth = spec_dir.split('/').filter(|p| !p.is_empty()).count();
    format!("{}{repo_path}", "../".repeat(depth))
}

/// One chart source as a spec `helm` entry.
fn chart(cx: &Context, s: &Map<String, Value>, local_revision: &str) -> Result<Value, Reason> {
    only_keys(
        s,
        &["repoURL", "targetRevision", "chart", "path", "helm"],
        "a chart source",
    )?;
    let repo = str_at(s, "repoURL").unwrap_or("");
    let this_repo = repo == cx.repo_url;
    let mut h = Map::new();
    let chart_path = match (str_at(s, "chart"), str_at(s, "path")) {
        (Some(chart), None) => {
            h.insert("repo".into(), json!(repo));
            h.insert("chart".into(), json!(chart));
            let version = str_at(s, "targetRevision").unwrap_or("");
            h.insert("version".into(), json!(version));
            None
        }
        (None, Some(path)) => {
            let Some(clean) = clean_path(path).filter(|c| c == path) else {
                return Err(format!(
                    "the chart path `{path}` is not a plain folder path"
                ));
            };
            let rev = git_revision(s);
            if this_repo {
                h.insert("path".into(), json!(spec_path(cx.spec_dir, &clean)));
                if rev != local_revision {
                    h.insert("version".into(), json!(rev));
                }
            } else {
                h.insert("repo".into(), json!(repo));
                h.insert("path".into(), json!(path));
                h.insert("version".into(), json!(rev));
            }
            Some(clean)
        }
        _ => return Err("a chart source needs one of chart or path".into()),
    };
    let helm = s
        .get("helm")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut options = Map::new();
    for (k, v) in &helm {
        match k.as_str() {
            "releaseName" => {
                if let Some(r) = v.as_str().filter(|r| !r.is_empty()) {
                    h.insert("releaseName".into(), json!(r));
                }
            }
            "valueFiles" => {
                let mut files = Vec::new();
                for f in v.as_array().into_iter().flatten() {
                    let Some(f) = f.as_str() else {
                        return Err("a value file that is not a string".into());
                    };
                    if f.starts_with('$') {
                        files.push(json!(f));
                    } else if let (true, Some(cp)) = (this_repo, &chart_path) {
                        match clean_path(f).filter(|c| c == f) {
                            Some(inside) => {
                                files.push(json!(spec_path(cx.spec_dir, &format!("{cp}/{inside}"))))
                            }
                            None => {
                                return Err(format!(
                                    "the value file `{f}` leaves the chart's folder"
                                ));
                            }
                        }
                    } else {
                        return Err(format!(
                            "the value file `{f}` is read from a chart outside this repository"
                        ));
                    }
                }
                if !files.is_empty() {
                    h.insert("values".into(), Value::Array(files));
                }
            }
            "values" => match v {
                Value::String(t) if t.is_empty() => {}
                Value::String(_) => {
                    h.insert("valuesInline".into(), v.clone());
                }
                _ => return Err("helm.values that is not a string".into()),
            },
            "valuesObject" => match v {
                Value::Object(o) if o.is_empty() => {}
                Value::Object(_) => {
                    if h.contains_key("valuesInline") {
                        return Err("both helm.values and helm.valuesObject".into());
                    }
                    h.insert("valuesInline".into(), v.clone());
                }
                _ => return Err("helm.valuesObject that is not a mapping".into()),
            },
            "parameters" => {
                let mut params = Vec::new();
                for p in v.as_array().into_iter().flatten() {
                    let Some(p) = p.as_object() else {
                        return Err("a helm parameter that is not a mapping".into());
                    };
                    only_keys(p, &["name", "value", "forceString"], "a helm parameter")?;
                    let (Some(name), Some(value)) = (str_at(p, "name"), str_at(p, "value")) else {
                        return Err("a helm parameter whose name or value is not a string".into());
                    };
                    let mut out = json!({"name": name, "value": value});
                    if let Some(Value::Bool(true)) = p.get("forceString") {
                        out["forceString"] = json!(true);
                    }
                    params.push(out);
                }
                if !params.is_empty() {
                    h.insert("parameters".into(), Value::Array(params));
                }
            }
            "skipCrds" => {
                if v == &json!(true) {
                    h.insert("skipCrds".into(), json!(true));
                }
            }
            "ignoreMissingValueFiles" => {
                if v == &json!(true) {
                    h.insert("ignoreMissingValueFiles".into(), json!(true));
                }
            }
            _ => {
                options.insert(k.clone(), v.clone());
            }
        }
    }
    if !options.is_empty() {
        h.insert("options".into(), Value::Object(options));
    }
    Ok(Value::Object(h))
}

/// A root Application's sync policy in the spec's terms (`argocd.rootSyncPolicy`), when the
/// spec can write it.
pub fn root_sync_policy(root: &Value) -> Option<Map<String, Value>> {
    let mut m = Mapped {
        name: String::new(),
        fields: Map::new(),
        policy: Map::new(),
        finalizers: Vec::new(),
        project: String::new(),
        cluster: Cluster::Server(IN_CLUSTER.into()),
        namespace: String::new(),
        charts: 0,
        kustomize_folders: 0,
        plain_folders: 0,
    };
    sync_policy(root.pointer("/spec/syncPolicy"), &mut m).ok()?;
    if !m.fields.is_empty() {
        return None;
    }
    Some(m.policy.into_iter().filter(|(_, v)| !v.is_null()).collect())
}

fn sync_policy(policy: Option<&Value>, m: &mut Mapped) -> Result<(), Reason> {
    let empty = Map::new();
    let p = match policy {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err("syncPolicy is not a mapping".into()),
    };
    if let Some(k) = p.keys().find(|k| {
        ![
            "automated",
            "syncOptions",
            "retry",
            "managedNamespaceMetadata",
        ]
        .contains(&k.as_str())
    }) {
        return Err(format!("syncPolicy.{k} has no spec equivalent"));
    }
    let mut out = Map::new();
    match p.get("automated") {
        Some(Value::Object(a)) => {
            if let Some(k) = a
                .keys()
                .find(|k| !["prune", "selfHeal", "allowEmpty"].contains(&k.as_str()))
            {
                return Err(format!("syncPolicy.automated.{k} has no spec equivalent"));
            }
            out.insert("automated".into(), json!(true));
            out.insert("prune".into(), json!(a.get("prune") == Some(&json!(true))));
            out.insert(
                "selfHeal".into(),
                json!(a.get("selfHeal") == Some(&json!(true))),
            );
            out.insert(
                "allowEmpty".into(),
                json!(a.get("allowEmpty") == Some(&json!(true))),
            );
        }
        None | Some(Value::Null) => {
            out.insert("automated".into(), json!(false));
            out.insert("prune".into(), Value::Null);
            out.insert("selfHeal".into(), Value::Null);
            out.insert("allowEmpty".into(), Value::Null);
        }
        Some(_) => return Err("syncPolicy.automated is not a mapping".into()),
    }
    let mut create = false;
    let mut ssa = false;
    let mut options: Vec<String> = Vec::new();
    for o in p
        .get("syncOptions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(o) = o.as_str() else {
            return Err("a sync option that is not a string".into());
        };
        match o {
            "CreateNamespace=true" => create = true,
            "ServerSideApply=true" => ssa = true,
            "CreateNamespace=false" | "ServerSideApply=false" => {}
            o if !options.iter().any(|x| x == o) => options.push(o.to_string()),
            _ => {}
        }
    }
    out.insert("createNamespace".into(), json!(create));
    out.insert("serverSideApply".into(), json!(ssa));
    out.insert("syncOptions".into(), json!(options));
    match p.get("retry") {
        None | Some(Value::Null) => {
            out.insert("retry".into(), Value::Null);
        }
        Some(Value::Object(r)) => {
            only_keys(r, &["limit", "backoff"], "syncPolicy.retry")?;
            let mut retry = Map::new();
            if let Some(l) = r.get("limit") {
                retry.insert(
                    "limit".into(),
                    json!(l.as_i64().ok_or("retry.limit is not an integer")?),
                );
            }
            if let Some(Value::Object(b)) = r.get("backoff") {
                only_keys(
                    b,
                    &["duration", "factor", "maxDuration"],
                    "syncPolicy.retry.backoff",
                )?;
                let mut backoff = Map::new();
                for key in ["duration", "maxDuration"] {
                    if let Some(d) = b.get(key) {
                        backoff.insert(
                            key.into(),
                            json!(
                                d.as_str()
                                    .ok_or(format!("retry.backoff.{key} is not a string"))?
                            ),
                        );
                    }
                }
                if let Some(f) = b.get("factor") {
                    backoff.insert(
                        "factor".into(),
                        json!(f.as_i64().ok_or("retry.backoff.factor is not an integer")?),
                    );
                }
                retry.insert("backoff".into(), Value::Object(backoff));
            }
            out.insert("retry".into(), Value::Object(retry));
        }
        Some(_) => return Err("syncPolicy.retry is not a mapping".into()),
    }
    if let Some(meta) = p.get("managedNamespaceMetadata") {
        let Some(meta) = meta.as_object() else {
            return Err("managedNamespaceMetadata is not a mapping".into());
        };
        only_keys(meta, &["labels", "annotations"], "managedNamespaceMetadata")?;
        let mut nm = Map::new();
        for key in ["labels", "annotations"] {
            if let Some(Value::Object(entries)) = meta.get(key)
                && !entries.is_empty()
            {
                if entries.values().any(|v| !v.is_string()) {
                    return Err(format!(
                        "managedNamespaceMetadata.{key} holds a value that is not a string"
                    ));
                }
                nm.insert(key.into(), Value::Object(entries.clone()));
            }
        }
        if nm.is_empty() {
            return Err("an empty managedNamespaceMetadata (Argo CD then manages the namespace's metadata; platc writes none)".into());
        }
        m.fields
            .insert("managedNamespaceMetadata".into(), Value::Object(nm));
    }
    m.policy = out;
    Ok(())
}

fn metadata(meta: &Map<String, Value>, m: &mut Mapped) -> Result<(), Reason> {
    if let Some(Value::Object(annotations)) = meta.get("annotations") {
        let mut rest = Map::new();
        for (k, v) in annotations {
            let Some(text) = v.as_str() else {
                return Err(format!("the annotation {k} is not a string"));
            };
            if k == SYNC_WAVE {
                let wave: i64 = text
                    .parse()
                    .map_err(|_| format!("the sync wave `{text}` is not an integer"))?;
                if wave != 0 {
                    m.fields.insert("syncWave".into(), json!(wave));
                }
            } else {
                rest.insert(k.clone(), json!(text));
            }
        }
        if !rest.is_empty() {
            m.fields.insert("annotations".into(), Value::Object(rest));
        }
    }
    if let Some(Value::Object(labels)) = meta.get("labels")
        && !labels.is_empty()
    {
        if labels.values().any(|v| !v.is_string()) {
            return Err("a label whose value is not a string".into());
        }
        m.fields
            .insert("applicationLabels".into(), Value::Object(labels.clone()));
    }
    for f in meta
        .get("finalizers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(f) = f.as_str() else {
            return Err("a finalizer that is not a string".into());
        };
        if !m.finalizers.iter().any(|x| x == f) {
            m.finalizers.push(f.to_string());
        }
    }
    m.finalizers.sort();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(yaml: &str) -> ArgoObject {
        let stream = crate::yaml::parse_stream(yaml).unwrap();
        crate::import::read::object_of("apps/a.yaml", 1, stream.documents[0].to_json()).unwrap()
    }

    fn cx(root: &Path) -> Context<'_> {
        Context {
            root,
            repo_url: "https://git.example.org/ops.git",
            spec_dir: "platform",
            env_revision: "main",
        }
    }

    const HEAD: &str = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: vault\n  namespace: argocd\n";

    #[test]
    fn a_multi_source_chart_keeps_its_refs_wave_and_policy() {
        let dir = tempfile::tempdir().unwrap();
        let a = app(&format!(
            "{HEAD}  annotations:\n    argocd.argoproj.io/sync-wave: \"-2\"\nspec:\n  project: infra\n  destination: {{name: in-cluster, namespace: vault}}\n  sources:\n  - repoURL: https://helm.releases.hashicorp.com\n    chart: vault\n    targetRevision: 0.28.1\n    helm:\n      valueFiles: [$config/values/vault.yaml]\n      passCredentials: true\n  - repoURL: https://git.example.org/ops.git\n    targetRevision: main\n    ref: config\n  syncPolicy:\n    automated: {{prune: true}}\n    syncOptions: [CreateNamespace=true, PruneLast=true]\n"
        ));
        let m = application(&cx(dir.path()), &a).unwrap();
        assert_eq!(m.project, "infra");
        assert_eq!(m.cluster, Cluster::Server(IN_CLUSTER.into()));
        assert_eq!(m.fields["syncWave"], json!(-2));
        assert_eq!(
            m.fields["helm"],
            json!({"repo": "https://helm.releases.hashicorp.com", "chart": "vault", "version": "0.28.1", "values": ["$config/values/vault.yaml"], "options": {"passCredentials": true}})
        );
        // A ref of this repository at the local revision names neither.
        assert_eq!(m.fields["refs"], json!({"config": {}}));
        assert_eq!(m.policy["prune"], json!(true));
        assert_eq!(m.policy["selfHeal"], json!(false));
        assert_eq!(m.policy["createNamespace"], json!(true));
        assert_eq!(m.policy["syncOptions"], json!(["PruneLast=true"]));
        assert_eq!(m.charts, 1);
    }

    #[test]
    fn what_the_compiler_cannot_write_is_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("manifests")).unwrap();
        let cases = [
            (
                "spec:\n  revisionHistoryLimit: 3\n  destination: {namespace: a}\n  source: {repoURL: x, path: y}\n",
                "spec.revisionHistoryLimit has no spec equivalent",
            ),
            (
                "spec:\n  destination: {namespace: a}\n  sources:\n  - {repoURL: 'https://git.example.org/ops.git', path: manifests}\n",
                "a one-element `sources` list",
            ),
            (
                "spec:\n  destination: {namespace: a}\n  sources:\n  - {repoURL: 'https://git.example.org/ops.git', path: manifests}\n  - {repoURL: 'https://charts.example.org', chart: c, targetRevision: '1'}\n",
                "sources in an order platc does not write",
            ),
            (
                "spec:\n  destination: {namespace: a}\n  source: {repoURL: 'https://charts.example.org', chart: c, targetRevision: '1'}\n  syncPolicy:\n    managedNamespaceMetadata: {}\n",
                "an empty managedNamespaceMetadata",
            ),
        ];
        for (spec, reason) in cases {
            let a = app(&format!("{HEAD}{spec}"));
            let err = application(&cx(dir.path()), &a).unwrap_err();
            assert!(err.contains(reason), "{err} (expected {reason})");
        }
    }

    #[test]
    fn a_folder_of_this_repository_is_a_resource_with_its_directory_options() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("infra/dns")).unwrap();
        let a = app(&format!(
            "{HEAD}spec:\n  destination: {{server: https://kubernetes.default.svc}}\n  source:\n    repoURL: https://git.example.org/ops.git\n    path: infra/dns\n    targetRevision: v2\n    directory: {{recurse: true, include: '*.yaml'}}\n"
        ));
        let m = application(&cx(dir.path()), &a).unwrap();
        assert_eq!(m.fields["resources"], json!(["../infra/dns"]));
        assert_eq!(
            m.fields["directory"],
            json!({"recurse": true, "include": "*.yaml"})
        );
        assert_eq!(m.fields["revision"], json!("v2"));
        // No namespace in the destination stays none; no syncPolicy is a manual sync.
        assert_eq!(m.namespace, "");
        assert_eq!(m.policy["automated"], json!(false));
        assert_eq!(m.plain_folders, 1);
        // A path this checkout does not hold is written as a git source, as it is.
        let a = app(&format!(
            "{HEAD}spec:\n  destination: {{namespace: a}}\n  source: {{repoURL: 'https://git.example.org/ops.git', path: elsewhere}}\n"
        ));
        let m = application(&cx(dir.path()), &a).unwrap();
        assert_eq!(
            m.fields["git"],
            json!({"repo": "https://git.example.org/ops.git", "path": "elsewhere", "revision": "HEAD"})
        );
        assert!(!m.fields.contains_key("revision"));
    }
}
