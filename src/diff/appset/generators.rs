//! The generators Argo CD's ApplicationSet controller runs, evaluated offline on one side of
//! the repository: `list`, `clusters` (from the cluster Secrets the side holds), `git`
//! (directories and files of this repository), `matrix`, `merge`, and a generator's
//! `selector`. Each yields parameter sets as Argo CD builds them: flat text keys for
//! fasttemplate, nested values for Go templates.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use super::gotemplate::sanitize_name;
use super::template::{self, Mode};
use super::{Cluster, Stop};
use crate::repo::Repo;

pub type Params = Map<String, Value>;

/// What the generators read.
pub struct Context<'a> {
    pub root: &'a Path,
    pub repo: &'a Repo,
    pub clusters: &'a [Cluster],
    pub mode: Mode,
    /// The side's files and folders, listed once for all git generators.
    pub listing: std::sync::OnceLock<(Vec<String>, Vec<String>)>,
}

/// The generators that need a service Argo CD talks to (an SCM's API, a plugin, a
/// cluster-decision resource): they cannot run offline.
const ONLINE: [(&str, &str); 4] = [
    (
        "scmProvider",
        "it lists repositories through an SCM provider's API",
    ),
    (
        "pullRequest",
        "it lists pull requests through an SCM provider's API",
    ),
    ("plugin", "it asks a plugin service for its parameters"),
    (
        "clusterDecisionResource",
        "it reads a cluster-decision resource in the cluster",
    ),
];

/// The most parameter sets one generator may give: a matrix multiplies its generators',
/// and a hostile ApplicationSet must not make millions of them.
pub const MAX_PARAM_SETS: usize = 10_000;

/// What making one parameter set costs of the ApplicationSet's budget (about what
/// rendering a short template costs).
const COST_OF_A_SET: u64 = 20;

/// The parameter sets of one generator.
pub fn run(cx: &Context, generator: &Value) -> Result<Vec<Params>, Stop> {
    run_at(cx, generator, 0)
}

/// A generator `depth` matrices or merges deep.
fn run_at(cx: &Context, generator: &Value, depth: usize) -> Result<Vec<Params>, Stop> {
    let Some(g) = generator.as_object() else {
        return Err(Stop::Failed("a generator is not a mapping".into()));
    };
    let mut sets = None;
    for (kind, spec) in g {
        let found = match kind.as_str() {
            "list" => list(cx, spec)?,
            "clusters" => clusters(cx, spec)?,
            "git" => git(cx, spec)?,
            "matrix" | "merge" if depth >= 2 => {
                // Argo CD's nested generators cannot hold a matrix or merge themselves.
                return Err(Stop::Unsupported(format!(
                    "a `{kind}` nested in a matrix or merge that is itself nested is not evaluated offline (Argo CD nests them one level deep)"
                )));
            }
            "matrix" => matrix(cx, spec, depth + 1)?,
            "merge" => merge(cx, spec, depth + 1)?,
            "selector" | "template" => continue,
            other => {
                let why = ONLINE
                    .iter()
                    .find(|(k, _)| *k == other)
                    .map(|(_, why)| *why)
                    .unwrap_or("platc does not know this generator");
                return Err(Stop::Unsupported(format!(
                    "the `{other}` generator cannot run offline ({why})"
                )));
            }
        };
        sets = Some(found);
    }
    let sets = sets.ok_or_else(|| Stop::Failed("a generator names no kind".into()))?;
    // Every set made is paid for, kept or not: a matrix whose second generator a selector
    // empties still makes them.
    super::gotemplate::spend(COST_OF_A_SET.saturating_mul(sets.len() as u64))
        .map_err(Stop::Unsupported)?;
    match g.get("selector") {
        Some(selector) => {
            let mut kept = Vec::new();
            for p in sets {
                let flat = if cx.mode.is_go() {
                    template::flatten(&p)
                } else {
                    p.clone()
                };
                if matches(selector, &flat).map_err(Stop::Failed)? {
                    kept.push(p);
                }
            }
            Ok(kept)
        }
        None => Ok(sets),
    }
}

fn failed(what: &str) -> impl Fn(String) -> Stop + '_ {
    move |e| super::stop(format!("{what}: {e}"))
}

/// A scalar as fasttemplate parameters hold it.
fn as_text(v: &Value) -> String {
    super::gotemplate::print(v)
}

/// `values`: extra parameters, themselves templates filled with the generator's parameters.
fn add_values(cx: &Context, p: &mut Params, values: Option<&Value>) -> Result<(), Stop> {
    let Some(values) = values.and_then(Value::as_object) else {
        return Ok(());
    };
    let mut rendered = Map::new();
    for (k, v) in values {
        let text = v.as_str().map(str::to_string).unwrap_or_else(|| as_text(v));
        let r = template::render_str(&text, p, cx.mode, &mut BTreeSet::new())
            .map_err(failed(&format!("values.{k}")))?;
        rendered.insert(k.clone(), Value::String(r));
    }
    if cx.mode.is_go() {
        p.insert("values".into(), Value::Object(rendered));
    } else {
        for (k, v) in rendered {
            p.insert(format!("values.{k}"), v);
        }
    }
    Ok(())
}

fn list(cx: &Context, spec: &Value) -> Result<Vec<Params>, Stop> {
    let mut elements: Vec<Value> = spec
        .get("elements")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(text) = spec.get("elementsYaml").and_then(Value::as_str)
        && !text.trim().is_empty()
    {
        let stream = crate::yaml::parse_stream(text)
            .map_err(|e| Stop::Failed(format!("list.elementsYaml is not YAML: {e}")))?;
        match stream.documents.first().map(crate::yaml::Node::to_json) {
            Some(Value::Array(a)) => elements.extend(a),
            Some(Value::Null) | None => {}
            Some(_) => {
                return Err(Stop::Failed(
                    "list.elementsYaml is not a YAML list of elements".into(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for element in elements {
        let Value::Object(m) = element else {
            return Err(Stop::Failed("a list element is not a mapping".into()));
        };
        if cx.mode.is_go() {
            out.push(m);
            continue;
        }
        // Argo CD refuses an element value that is not text without Go templates.
        let text = |k: &str, v: &Value| -> Result<Value, Stop> {
            match v {
                Value::String(_) => Ok(v.clone()),
                _ => Err(Stop::Failed(format!(
                    "list element `{k}` is {}, not text: Argo CD refuses it without `goTemplate: true`",
                    as_text(v)
                ))),
            }
        };
        let mut p = Params::new();
        for (k, v) in m {
            if k == "values" {
                for (vk, vv) in v.as_object().into_iter().flatten() {
                    p.insert(format!("values.{vk}"), text(&format!("values.{vk}"), vv)?);
                }
            } else {
                let v = text(&k, &v)?;
                p.insert(k, v);
            }
        }
        out.push(p);
    }
    Ok(out)
}

fn clusters(cx: &Context, spec: &Value) -> Result<Vec<Params>, Stop> {
    let selector = spec.get("selector");
    let has_selector = selector.is_some_and(|s| {
        s.get("matchLabels")
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty())
            || s.get("matchExpressions")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
    });
    let mut out = Vec::new();
    // The local cluster, unless a Secret names its server, is listed without a Secret and
    // only when no selector is given.
    let local_has_secret = cx
        .clusters
        .iter()
        .any(|c| c.server == super::IN_CLUSTER_SERVER);
    if !has_selector && !local_has_secret {
        let mut p = Params::new();
        for (k, v) in [
            ("name", "in-cluster"),
            ("nameNormalized", "in-cluster"),
            ("server", super::IN_CLUSTER_SERVER),
            ("project", ""),
        ] {
            p.insert(k.into(), Value::String(v.into()));
        }
        add_values(cx, &mut p, spec.get("values"))?;
        out.push(p);
    }
    for c in cx.clusters {
        if let Some(s) = selector
            && !matches(s, &c.labels).map_err(Stop::Failed)?
        {
            continue;
        }
        let mut p = Params::new();
        p.insert("name".into(), Value::String(c.name.clone()));
        p.insert(
            "nameNormalized".into(),
            Value::String(sanitize_name(&c.name)),
        );
        p.insert("server".into(), Value::String(c.server.clone()));
        p.insert("project".into(), Value::String(c.project.clone()));
        if cx.mode.is_go() {
            let mut meta = Map::new();
            meta.insert("labels".into(), Value::Object(c.labels.clone()));
            meta.insert("annotations".into(), Value::Object(c.annotations.clone()));
            p.insert("metadata".into(), Value::Object(meta));
        } else {
            for (k, v) in &c.labels {
                p.insert(format!("metadata.labels.{k}"), v.clone());
            }
            for (k, v) in &c.annotations {
                p.insert(format!("metadata.annotations.{k}"), v.clone());
            }
        }
        add_values(cx, &mut p, spec.get("values"))?;
        out.push(p);
    }
    Ok(out)
}

/// A Kubernetes label selector (`matchLabels`, `matchExpressions`) against text labels.
fn matches(selector: &Value, labels: &Map<String, Value>) -> Result<bool, String> {
    let get = |k: &str| labels.get(k).map(as_text);
    for (k, v) in selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if get(k).as_deref() != Some(as_text(v).as_str()) {
            return Ok(false);
        }
    }
    for e in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<String> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(as_text)
            .collect();
        let have = get(key);
        let ok = match e.get("operator").and_then(Value::as_str).unwrap_or("") {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => have.is_none_or(|h| !values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            other => {
                return Err(format!(
                    "selector operator `{other}` is not one Kubernetes knows"
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The `path` parameters of a folder (and of a file in it).
fn path_params(cx: &Context, p: &mut Params, dir: &str, file: Option<&str>, prefix: &str) {
    let base = dir.rsplit('/').next().unwrap_or(dir).to_string();
    let segments: Vec<Value> = dir.split('/').map(|s| Value::String(s.into())).collect();
    if cx.mode.is_go() {
        let mut path = Map::new();
        path.insert("path".into(), Value::String(dir.into()));
        path.insert("basename".into(), Value::String(base.clone()));
        path.insert(
            "basenameNormalized".into(),
            Value::String(sanitize_name(&base)),
        );
        if let Some(f) = file {
            path.insert("filename".into(), Value::String(f.into()));
            path.insert("filenameNormalized".into(), Value::String(sanitize_name(f)));
        }
        path.insert("segments".into(), Value::Array(segments));
        if prefix.is_empty() {
            p.insert("path".into(), Value::Object(path));
        } else {
            let mut holder = Map::new();
            holder.insert("path".into(), Value::Object(path));
            p.insert(prefix.into(), Value::Object(holder));
        }
        return;
    }
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    p.insert(key("path"), Value::String(dir.into()));
    p.insert(key("path.basename"), Value::String(base.clone()));
    p.insert(
        key("path.basenameNormalized"),
        Value::String(sanitize_name(&base)),
    );
    if let Some(f) = file {
        p.insert(key("path.filename"), Value::String(f.into()));
        p.insert(
            key("path.filenameNormalized"),
            Value::String(sanitize_name(f)),
        );
    }
    for (i, s) in segments.into_iter().enumerate() {
        p.insert(key(&format!("path[{i}]")), s);
    }
}

/// The side's files and folders (those git does not ignore), repo-relative, sorted.
fn listing(root: &Path) -> (Vec<String>, Vec<String>) {
    let files = crate::confine::files(root);
    // A folder is what git knows of it: the parents of its files.
    let mut dirs = std::collections::BTreeSet::new();
    for file in &files {
        let mut at = file.as_str();
        while let Some((parent, _)) = at.rsplit_once('/') {
            if !dirs.insert(parent.to_string()) {
                break;
            }
            at = parent;
        }
    }
    (files, dirs.into_iter().collect())
}

fn glob(pattern: &str, separator: bool) -> Result<globset::GlobMatcher, Stop> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(separator)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| Stop::Failed(format!("git path `{pattern}`: {e}")))
}

fn git(cx: &Context, spec: &Value) -> Result<Vec<Params>, Stop> {
    let url = spec.get("repoURL").and_then(Value::as_str).unwrap_or("");
    if cx.repo.knows_its_urls() && !cx.repo.is_this(url) {
        return Err(Stop::Unsupported(format!(
            "the `git` generator reads {url}, another repository: it cannot run offline"
        )));
    }
    let prefix = spec
        .get("pathParamPrefix")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (files, dirs) = cx.listing.get_or_init(|| listing(cx.root));
    let mut out = Vec::new();
    if let Some(wanted) = spec.get("directories").and_then(Value::as_array) {
        // Argo CD matches folders with Go's path.Match: `*` stays within one folder.
        let mut rules = Vec::new();
        for w in wanted {
            let pattern = w.get("path").and_then(Value::as_str).unwrap_or("");
            let exclude = w.get("exclude").and_then(Value::as_bool).unwrap_or(false);
            rules.push((glob(pattern, true)?, exclude));
        }
        for dir in dirs {
            let mut include = false;
            let mut exclude = false;
            for (g, ex) in &rules {
                if g.is_match(dir) {
                    if *ex {
                        exclude = true;
                        break;
                    }
                    include = true;
                }
            }
            if include && !exclude {
                let mut p = Params::new();
                path_params(cx, &mut p, dir, None, prefix);
                add_values(cx, &mut p, spec.get("values"))?;
                out.push(p);
            }
        }
    }
    if let Some(wanted) = spec.get("files").and_then(Value::as_array) {
        // `git ls-files` pathspecs: `*` crosses folders.
        let mut rules = Vec::new();
        for w in wanted {
            let pattern = w.get("path").and_then(Value::as_str).unwrap_or("");
            let exclude = w.get("exclude").and_then(Value::as_bool).unwrap_or(false);
            rules.push((glob(pattern, false)?, exclude));
        }
        let chosen = files.iter().filter(|f| {
            rules.iter().any(|(g, ex)| !ex && g.is_match(f))
                && !rules.iter().any(|(g, ex)| *ex && g.is_match(f))
        });
        for file in chosen {
            let text = crate::confine::read_to_string(cx.root, file)
                .map_err(|e| Stop::Failed(format!("cannot read `{file}`: {e}")))?;
            let stream = crate::yaml::parse_stream(&text)
                .map_err(|e| Stop::Failed(format!("`{file}` is not YAML or JSON: {e}")))?;
            let found: Vec<Value> = match stream.documents.first().map(crate::yaml::Node::to_json) {
                Some(Value::Array(a)) => a,
                Some(v @ Value::Object(_)) => vec![v],
                Some(Value::Null) | None => Vec::new(),
                Some(_) => {
                    return Err(Stop::Failed(format!(
                        "`{file}` holds neither a mapping nor a list of mappings"
                    )));
                }
            };
            let (dir, name) = match file.rsplit_once('/') {
                Some((d, n)) => (d, n),
                None => (".", file.as_str()),
            };
            for v in found {
                let Value::Object(m) = v else {
                    return Err(Stop::Failed(format!(
                        "`{file}` lists an item that is not a mapping"
                    )));
                };
                let mut p = if cx.mode.is_go() {
                    m
                } else {
                    template::flatten(&m)
                };
                path_params(cx, &mut p, dir, Some(name), prefix);
                add_values(cx, &mut p, spec.get("values"))?;
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// The children of a matrix or merge.
fn children(spec: &Value, what: &str) -> Result<Vec<Value>, Stop> {
    spec.get("generators")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| Stop::Failed(format!("`{what}` lists no generators")))
}

fn matrix(cx: &Context, spec: &Value, depth: usize) -> Result<Vec<Params>, Stop> {
    let gens = children(spec, "matrix")?;
    if gens.len() != 2 {
        return Err(Stop::Failed(format!(
            "a matrix combines exactly 2 generators, this one has {}",
            gens.len()
        )));
    }
    let mut out = Vec::new();
    for a in run_at(cx, &gens[0], depth)? {
        // The second generator may use the first one's parameters.
        let second = template::render_value(&gens[1], &a, cx.mode, &mut BTreeSet::new())
            .map_err(failed("matrix"))?;
        for b in run_at(cx, &second, depth)? {
            if out.len() >= MAX_PARAM_SETS {
                return Err(Stop::Unsupported(format!(
                    "a matrix gives more than {MAX_PARAM_SETS} parameter sets: over platc's budget, not evaluated offline"
                )));
            }
            if cx.mode.is_go() {
                // Argo CD's matrix merges the second generator's parameters, then the first's
                // over them: on a clash the first generator wins.
                let mut p = b;
                for (k, v) in a.clone() {
                    match p.get_mut(&k) {
                        Some(existing) => crate::diff::render::merge(existing, v),
                        None => {
                            p.insert(k, v);
                        }
                    }
                }
                out.push(p);
                continue;
            }
            let mut p = a.clone();
            for (k, v) in b {
                if let Some(old) = p.get(&k)
                    && *old != v
                {
                    return Err(Stop::Failed(format!(
                        "matrix: both generators give the parameter `{k}`, with different values"
                    )));
                }
                p.insert(k, v);
            }
            out.push(p);
        }
    }
    Ok(out)
}

fn merge(cx: &Context, spec: &Value, depth: usize) -> Result<Vec<Params>, Stop> {
    let gens = children(spec, "merge")?;
    let keys: Vec<String> = spec
        .get("mergeKeys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if gens.len() < 2 {
        return Err(Stop::Failed("a merge needs at least 2 generators".into()));
    }
    if keys.is_empty() {
        return Err(Stop::Failed("a merge names no mergeKeys".into()));
    }
    let key_of = |p: &Params| -> String {
        let k: Vec<Value> = keys
            .iter()
            .map(|k| p.get(k).cloned().unwrap_or(Value::Null))
            .collect();
        Value::Array(k).to_string()
    };
    let by_key = |sets: Vec<Params>| -> Result<Vec<(String, Params)>, Stop> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for p in sets {
            let k = key_of(&p);
            if !seen.insert(k.clone()) {
                return Err(Stop::Failed(format!(
                    "merge: two parameter sets have the same merge keys {k}"
                )));
            }
            out.push((k, p));
        }
        Ok(out)
    };
    let mut base = by_key(run_at(cx, &gens[0], depth)?)?;
    for g in &gens[1..] {
        let other = by_key(run_at(cx, g, depth)?)?;
        for (k, p) in base.iter_mut() {
            if let Some((_, o)) = other.iter().find(|(ok, _)| ok == k) {
                for (ok, ov) in o {
                    match p.get_mut(ok) {
                        Some(existing) if cx.mode.is_go() => {
                            crate::diff::render::merge(existing, ov.clone())
                        }
                        _ => {
                            p.insert(ok.clone(), ov.clone());
                        }
                    }
                }
            }
        }
    }
    Ok(base.into_iter().map(|(_, p)| p).collect())
}
