//! An ApplicationSet expanded offline into the Applications Argo CD's ApplicationSet
//! controller would create from one side of the repository: its generators run on that
//! side's files and cluster Secrets, and its template is filled with each parameter set.
//! What cannot be evaluated offline stops the expansion with a reason (the ApplicationSet
//! is then compared as an object): never a wrong Application.

pub mod generators;
pub mod gotemplate;
pub mod template;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use crate::repo::Repo;
use template::Mode;

/// The local cluster as Argo CD lists it.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";

/// A cluster Argo CD knows from a Secret labelled `argocd.argoproj.io/secret-type: cluster`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub name: String,
    pub server: String,
    pub project: String,
    /// The Secret's labels and annotations (text values).
    pub labels: Map<String, Value>,
    pub annotations: Map<String, Value>,
}

impl Cluster {
    /// The cluster a Secret declares, if it is an Argo CD cluster Secret (its `name`,
    /// `server` and `project` from `stringData` or `data`; never its `config`).
    pub fn from_secret(secret: &Value) -> Option<Cluster> {
        if secret.get("kind").and_then(Value::as_str) != Some("Secret")
            || secret.get("apiVersion").and_then(Value::as_str) != Some("v1")
        {
            return None;
        }
        let labels = secret
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if labels
            .get("argocd.argoproj.io/secret-type")
            .and_then(Value::as_str)
            != Some("cluster")
        {
            return None;
        }
        let field = |k: &str| -> Option<String> {
            if let Some(v) = secret.pointer(&format!("/stringData/{k}")) {
                return Some(gotemplate::print(v));
            }
            use base64::Engine;
            let encoded = secret.pointer(&format!("/data/{k}"))?.as_str()?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()?;
            String::from_utf8(bytes).ok()
        };
        let text_map = |m: Map<String, Value>| -> Map<String, Value> {
            m.into_iter()
                .map(|(k, v)| (k, Value::String(gotemplate::print(&v))))
                .collect()
        };
        Some(Cluster {
            name: field("name")?,
            server: field("server")?,
            project: field("project").unwrap_or_default(),
            labels: text_map(labels),
            annotations: text_map(
                secret
                    .pointer("/metadata/annotations")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
            ),
        })
    }
}

/// Why an ApplicationSet is not expanded.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// A generator or feature that cannot run offline: said in a note.
    Unsupported(String),
    /// Argo CD would fail too, or the side cannot be read: an error when it is new.
    Failed(String),
}

/// A template error: unsupported when platc cannot evaluate it, failed when Argo CD would fail.
pub fn stop(error: String) -> Stop {
    if gotemplate::is_unsupported(&error) {
        Stop::Unsupported(error)
    } else {
        Stop::Failed(error)
    }
}

/// The generated Applications, or why there are none.
#[derive(Debug)]
pub struct Expansion {
    pub applications: Vec<Value>,
    pub notes: Vec<String>,
}

/// Expand an ApplicationSet of the side at `root`.
pub fn expand(
    root: &Path,
    repo: &Repo,
    clusters: &[Cluster],
    appset: &Value,
) -> Result<Expansion, Stop> {
    let spec = appset.get("spec").cloned().unwrap_or(Value::Null);
    let go = spec
        .get("goTemplate")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let options: Vec<&str> = spec
        .get("goTemplateOptions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mode = if go {
        Mode::Go(gotemplate::Options {
            missing_key_error: options.contains(&"missingkey=error"),
        })
    } else {
        Mode::Fast
    };
    let namespace = appset
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("argocd");
    let template = spec.get("template").cloned().unwrap_or(Value::Null);
    let patch = match spec.get("templatePatch") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if go => Some(p.as_str()),
        Some(_) => {
            return Err(Stop::Unsupported(
                "`templatePatch` is applied only with `goTemplate: true`, as a text".into(),
            ));
        }
    };
    gotemplate::refill();
    let cx = generators::Context {
        root,
        repo,
        clusters,
        mode,
        listing: Default::default(),
    };
    let mut applications = Vec::new();
    let mut unresolved = BTreeSet::new();
    let mut names = BTreeSet::new();
    for generator in spec
        .get("generators")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        // A generator's own template overrides the ApplicationSet's, field by field.
        let mut tmpl = template.clone();
        if let Some(own) = generator
            .as_object()
            .and_then(|g| g.values().find_map(|v| v.get("template")))
        {
            crate::diff::render::merge(&mut tmpl, own.clone());
        }
        for params in generators::run(&cx, generator)? {
            let mut rendered = template::render_value(&tmpl, &params, mode, &mut unresolved)
                .map_err(|e| stop(format!("the template does not render: {e}")))?;
            if let Some(p) = patch {
                apply_patch(&mut rendered, p, &params, mode)?;
            }
            let app = application(&rendered, namespace)?;
            let name = app
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if !names.insert(name.clone()) {
                return Err(Stop::Failed(format!(
                    "two generated Applications are named `{name}`: Argo CD refuses the ApplicationSet"
                )));
            }
            applications.push(app);
        }
    }
    let mut notes = Vec::new();
    if !unresolved.is_empty() {
        let tags: Vec<String> = unresolved
            .iter()
            .map(|t| format!("`{{{{{t}}}}}`"))
            .collect();
        notes.push(format!(
            "{} no generator's parameter: left as written, as Argo CD does",
            tags.join(", ") + if tags.len() == 1 { " is" } else { " are" }
        ));
    }
    Ok(Expansion {
        applications,
        notes,
    })
}

/// `templatePatch`: a Go template giving YAML, merged into the filled template (Argo CD's
/// strategic merge on an Application, whose fields name no merge key: mappings merge, lists
/// and scalars replace, `null` removes).
fn apply_patch(
    rendered: &mut Value,
    patch: &str,
    params: &Map<String, Value>,
    mode: Mode,
) -> Result<(), Stop> {
    let text = template::render_str(patch, params, mode, &mut BTreeSet::new())
        .map_err(|e| stop(format!("templatePatch does not render: {e}")))?;
    let stream = crate::yaml::parse_stream(&text)
        .map_err(|e| Stop::Failed(format!("templatePatch does not give YAML: {e}")))?;
    let value = match stream.documents.first().map(crate::yaml::Node::to_json) {
        Some(v @ Value::Object(_)) => v,
        Some(Value::Null) | None => return Ok(()),
        Some(_) => {
            return Err(Stop::Failed(
                "templatePatch does not give a YAML mapping".into(),
            ));
        }
    };
    if value.to_string().contains("\"$patch\"") {
        return Err(Stop::Unsupported(
            "templatePatch uses a `$patch` directive, not applied offline".into(),
        ));
    }
    merge_patch(rendered, value);
    Ok(())
}

fn merge_patch(target: &mut Value, patch: Value) {
    let Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in patch {
        if v.is_null() {
            t.remove(&k);
        } else {
            merge_patch(t.entry(k).or_insert(Value::Null), v);
        }
    }
}

/// The Application a filled template describes, in the ApplicationSet's namespace.
fn application(rendered: &Value, namespace: &str) -> Result<Value, Stop> {
    let meta = rendered.get("metadata").and_then(Value::as_object);
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Stop::Failed("a generated Application has no name".into()))?;
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(name.into()));
    metadata.insert("namespace".into(), Value::String(namespace.into()));
    for field in ["labels", "annotations", "finalizers"] {
        if let Some(v) = meta.and_then(|m| m.get(field)) {
            metadata.insert(field.into(), v.clone());
        }
    }
    let mut app = Map::new();
    app.insert(
        "apiVersion".into(),
        Value::String("argoproj.io/v1alpha1".into()),
    );
    app.insert("kind".into(), Value::String("Application".into()));
    app.insert("metadata".into(), Value::Object(metadata));
    app.insert(
        "spec".into(),
        rendered.get("spec").cloned().unwrap_or(Value::Null),
    );
    Ok(Value::Object(app))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn names(e: &Expansion) -> Vec<String> {
        e.applications
            .iter()
            .map(|a| a["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    }

    const URL: &str = "https://git.example.org/x.git";

    #[test]
    fn list_and_git_directories_with_fasttemplate() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "apps/web/k.yaml", "a: 1\n");
        write(dir.path(), "apps/api/k.yaml", "a: 1\n");
        write(dir.path(), "apps/skip/k.yaml", "a: 1\n");
        write(dir.path(), "apps/web/deep/k.yaml", "a: 1\n");
        let repo = Repo::new(dir.path(), [URL.to_string()]);
        let appset = json!({"metadata": {"name": "s", "namespace": "argo"}, "spec": {
            "generators": [{"git": {"repoURL": URL, "directories": [{"path": "apps/*"}, {"path": "apps/skip", "exclude": true}]}}],
            "template": {"metadata": {"name": "{{path.basename}}-{{path[0]}}"}, "spec": {"source": {"path": "{{path}}"}}}}});
        let e = expand(dir.path(), &repo, &[], &appset).unwrap();
        assert_eq!(names(&e), ["api-apps", "web-apps"]);
        assert_eq!(e.applications[0]["metadata"]["namespace"], "argo");
        assert_eq!(e.applications[1]["spec"]["source"]["path"], "apps/web");
        // Another repository cannot be read offline.
        let other = json!({"spec": {"generators": [{"git": {"repoURL": "https://elsewhere.example/y.git", "directories": [{"path": "*"}]}}]}});
        assert!(matches!(
            expand(dir.path(), &repo, &[], &other),
            Err(Stop::Unsupported(_))
        ));
    }

    #[test]
    fn git_files_matrix_and_go_templates() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "clusters/a/config.json",
            "{\"env\": \"prod\", \"size\": {\"replicas\": 2}}",
        );
        write(
            dir.path(),
            "clusters/b/config.json",
            "{\"env\": \"dev\", \"size\": {\"replicas\": 1}}",
        );
        let repo = Repo::new(dir.path(), [URL.to_string()]);
        let appset = json!({"spec": {"goTemplate": true, "goTemplateOptions": ["missingkey=error"],
            "generators": [{"matrix": {"generators": [
                {"git": {"repoURL": URL, "files": [{"path": "clusters/*/config.json"}]}},
                {"list": {"elements": [{"app": "web"}]}}]},
                "selector": {"matchLabels": {"env": "prod"}}}],
            "template": {"metadata": {"name": "{{.app}}-{{index .path.segments 1}}-{{.size.replicas}}"}, "spec": {}}}});
        let e = expand(dir.path(), &repo, &[], &appset).unwrap();
        assert_eq!(names(&e), ["web-a-2"]);
        // A missing key with missingkey=error fails the ApplicationSet, as in Argo CD.
        let mut broken = appset.clone();
        broken["spec"]["template"]["metadata"]["name"] = json!("{{.nope}}");
        assert!(matches!(
            expand(dir.path(), &repo, &[], &broken),
            Err(Stop::Failed(_))
        ));
    }

    #[test]
    fn clusters_from_secrets_and_the_local_cluster() {
        use base64::Engine;
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c",
            "labels": {"argocd.argoproj.io/secret-type": "cluster", "tier": "edge"}},
            "data": {"name": base64::engine::general_purpose::STANDARD.encode("Edge_1"),
                     "server": base64::engine::general_purpose::STANDARD.encode("https://edge:6443")}});
        let c = Cluster::from_secret(&secret).unwrap();
        assert_eq!(
            (c.name.as_str(), c.server.as_str()),
            ("Edge_1", "https://edge:6443")
        );
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::new(dir.path(), [URL.to_string()]);
        let all = json!({"spec": {"generators": [{"clusters": {"values": {"x": "{{name}}!"}}}],
            "template": {"metadata": {"name": "{{nameNormalized}}-{{values.x}}"}, "spec": {}}}});
        let e = expand(dir.path(), &repo, std::slice::from_ref(&c), &all).unwrap();
        assert_eq!(names(&e), ["in-cluster-in-cluster!", "edge-1-Edge_1!"]);
        let selected = json!({"spec": {"generators": [{"clusters": {"selector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["edge"]}]}}}],
            "template": {"metadata": {"name": "{{metadata.labels.tier}}"}, "spec": {}}}});
        let e = expand(dir.path(), &repo, &[c], &selected).unwrap();
        assert_eq!(names(&e), ["edge"]);
    }

    #[test]
    fn merge_by_keys_and_unsupported_generators() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::new(dir.path(), [URL.to_string()]);
        let appset = json!({"spec": {"generators": [{"merge": {"mergeKeys": ["n"], "generators": [
            {"list": {"elements": [{"n": "a", "v": "1"}, {"n": "b", "v": "1"}]}},
            {"list": {"elements": [{"n": "b", "v": "2"}]}}]}}],
            "template": {"metadata": {"name": "{{n}}-{{v}}"}, "spec": {}}}});
        assert_eq!(
            names(&expand(dir.path(), &repo, &[], &appset).unwrap()),
            ["a-1", "b-2"]
        );
        let scm = json!({"spec": {"generators": [{"scmProvider": {}}], "template": {}}});
        match expand(dir.path(), &repo, &[], &scm) {
            Err(Stop::Unsupported(why)) => assert!(why.contains("scmProvider"), "{why}"),
            other => panic!("{other:?}"),
        }
        // A function platc does not evaluate: not expanded, but no error of the change's.
        let unknown = json!({"spec": {"goTemplate": true, "generators": [{"list": {"elements": [{"n": "a"}]}}],
            "template": {"metadata": {"name": "{{ .n | sha256sum }}"}, "spec": {}}}});
        match expand(dir.path(), &repo, &[], &unknown) {
            Err(Stop::Unsupported(why)) => assert!(why.contains("`sha256sum`"), "{why}"),
            other => panic!("{other:?}"),
        }
        // Argo CD refuses a list element that is not text in a fasttemplate ApplicationSet.
        let number = json!({"spec": {"generators": [{"list": {"elements": [{"n": 3}]}}],
            "template": {"metadata": {"name": "x-{{n}}"}, "spec": {}}}});
        assert!(matches!(
            expand(dir.path(), &repo, &[], &number),
            Err(Stop::Failed(_))
        ));
    }

    #[test]
    fn matrix_go_parameters_of_the_first_generator_win() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::new(dir.path(), [URL.to_string()]);
        let appset = json!({"spec": {"goTemplate": true, "generators": [{"matrix": {"generators": [
            {"list": {"elements": [{"n": "first", "m": {"a": "1", "b": "1"}}]}},
            {"list": {"elements": [{"n": "second", "o": "2", "m": {"b": "2", "c": "2"}}]}}]}}],
            "template": {"metadata": {"name": "{{.n}}-{{.o}}-{{.m.a}}{{.m.b}}{{.m.c}}"}, "spec": {}}}});
        assert_eq!(
            names(&expand(dir.path(), &repo, &[], &appset).unwrap()),
            ["first-2-112"]
        );
    }

    #[test]
    fn over_budget_appsets_are_noted_not_expanded() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::new(dir.path(), [URL.to_string()]);
        let unsupported = |appset: &Value| match expand(dir.path(), &repo, &[], appset) {
            Err(Stop::Unsupported(why)) => why,
            other => panic!("{other:?}"),
        };
        let elements: Vec<Value> = (0..200).map(|i| json!({"i": i.to_string()})).collect();
        // 200 x 200 parameter sets: over the product a matrix may give.
        let product = json!({"spec": {"generators": [{"matrix": {"generators": [
            {"list": {"elements": elements}},
            {"list": {"elements": elements.iter().map(|e| json!({"j": e["i"]})).collect::<Vec<_>>()}}]}}],
            "template": {"metadata": {"name": "{{i}}-{{j}}"}, "spec": {}}}});
        let why = unsupported(&product);
        assert!(why.contains("more than 10000 parameter sets"), "{why}");
        // A matrix in a matrix in a matrix: deeper than Argo CD nests them.
        let leaf = json!({"list": {"elements": [{"k": "v"}]}});
        let nested = json!({"matrix": {"generators": [leaf, leaf]}});
        let deeper = json!({"matrix": {"generators": [nested, leaf]}});
        let deepest = json!({"spec": {"generators": [{"matrix": {"generators": [deeper, leaf]}}],
            "template": {"metadata": {"name": "{{k}}"}, "spec": {}}}});
        assert!(unsupported(&deepest).contains("one level deep"));
        // One level of nesting is Argo CD's and is expanded.
        let fine = json!({"spec": {"goTemplate": true, "generators": [{"matrix": {"generators": [nested, {"list": {"elements": [{"n": "x"}]}}]}}],
            "template": {"metadata": {"name": "{{.k}}-{{.n}}"}, "spec": {}}}});
        assert_eq!(
            names(&expand(dir.path(), &repo, &[], &fine).unwrap()),
            ["v-x"]
        );
        // A template past the budget: a note on the ApplicationSet.
        let endless = json!({"spec": {"goTemplate": true, "generators": [{"list": {"elements": [{"n": "a"}]}}],
            "template": {"metadata": {"name": "{{range 100000}}{{range 100000}}{{end}}{{end}}"}, "spec": {}}}});
        assert!(unsupported(&endless).contains("budget"));
    }

    #[test]
    fn template_patch_is_merged_into_each_application() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::new(dir.path(), [URL.to_string()]);
        let appset = json!({"spec": {"goTemplate": true,
            "generators": [{"list": {"elements": [{"n": "a", "auto": true}, {"n": "b", "auto": false}]}}],
            "template": {"metadata": {"name": "{{.n}}"}, "spec": {"project": "p", "syncPolicy": {"x": 1}}},
            "templatePatch": "spec:\n  syncPolicy: null\n{{- if .auto }}\n  project: auto\n{{- end }}\n"}});
        let e = expand(dir.path(), &repo, &[], &appset).unwrap();
        assert_eq!(e.applications[0]["spec"], json!({"project": "auto"}));
        assert_eq!(e.applications[1]["spec"], json!({"project": "p"}));
    }
}
