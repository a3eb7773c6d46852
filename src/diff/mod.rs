//! `platc diff`: what a change does to the cluster, per Application.
//!
//! Both sides (a commit read from git's objects, and the work tree as it is) are compiled
//! and rendered offline the way Argo CD would render them; the objects are matched by
//! group, kind, namespace and name and compared field by field. Charts, which cannot be
//! rendered offline, are compared by their settings and merged values. No value of a Secret,
//! and no value the credential scanner flags, is ever shown whole.

pub mod appset;
pub mod compare;
pub mod git;
pub mod ignore;
pub mod markdown;
pub mod render;
pub mod side;
pub mod summary;
pub mod text;
pub mod unified;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use compare::{FieldChange, Shown};
use render::{ObjectKey, Rendered, Renderer};
use side::AppDef;

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--base REF` (default: the merge-base with the upstream branch, else main/master).
    pub base: Option<String>,
    /// Only Applications defined in, or deploying from, this repo-relative path.
    pub path: Option<String>,
    /// A unified diff per changed object.
    pub unified: bool,
    /// The platform spec, repo-relative.
    pub spec_file: String,
    /// The URLs Applications use for this repository (besides its remotes and the spec's).
    pub repo_urls: Vec<String>,
    /// How to build kustomizations platc does not build itself.
    pub kustomize: Option<PathBuf>,
}

/// The whole result, as `--format json` prints it.
#[derive(Debug, Serialize)]
pub struct Diff {
    pub base: git::Base,
    pub applications: Vec<AppChange>,
    /// How the sides were made (said on stderr, not part of the diff).
    #[serde(skip)]
    pub notes: Vec<String>,
    /// Files not read because they are over a limit (`limits.fileSize`): an Application in
    /// one is missing from the diff, so this is always said.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

impl Serialize for git::Base {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Base", 3)?;
        st.serialize_field("ref", &self.name)?;
        st.serialize_field("commit", &self.commit)?;
        st.serialize_field("why", &self.why)?;
        st.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

/// One Application (or ApplicationSet) that changes.
#[derive(Debug, Serialize)]
pub struct AppChange {
    pub environment: String,
    pub kind: String,
    pub name: String,
    /// The ApplicationSet that generates this Application.
    #[serde(rename = "applicationSet", skip_serializing_if = "Option::is_none")]
    pub application_set: Option<String>,
    pub file: String,
    pub status: Status,
    /// Chart and other-repository sources whose settings or values change.
    pub sources: Vec<SourceChange>,
    pub added: Vec<ObjectKey>,
    pub removed: Vec<ObjectKey>,
    pub changed: Vec<ObjectChange>,
    pub notes: Vec<String>,
    /// What could not be rendered: the diff of this Application is incomplete.
    pub errors: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SourceChange {
    /// `source`, `sources[1]`.
    pub at: String,
    pub label: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Serialize)]
pub struct ObjectChange {
    pub object: ObjectKey,
    pub fields: Vec<FieldChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unified: Option<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.applications.is_empty()
    }

    pub fn has_errors(&self) -> bool {
        self.applications.iter().any(|a| !a.errors.is_empty())
    }
}

impl AppChange {
    /// `Application`, or `Application of ApplicationSet NAME` for a generated one.
    pub fn kind_shown(&self) -> String {
        match &self.application_set {
            Some(set) => format!("{} of ApplicationSet {set}", self.kind),
            None => self.kind.clone(),
        }
    }

    /// The name, under its ApplicationSet for a generated Application (`set / app`).
    pub fn name_shown(&self) -> String {
        match &self.application_set {
            Some(set) => format!("{set} / {}", self.name),
            None => self.name.clone(),
        }
    }

    /// A chart's version or name change, for the summary table (`cert-manager v1 → v2`).
    pub fn chart_bumps(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.sources {
            for f in &s.fields {
                if f.path == "version" || f.path == "chart" {
                    out.push(format!(
                        "{} {} → {}",
                        s.label
                            .strip_prefix("chart ")
                            .unwrap_or(&s.label)
                            .split(' ')
                            .next()
                            .unwrap_or(""),
                        f.before.as_deref().unwrap_or("(none)"),
                        f.after.as_deref().unwrap_or("(none)")
                    ));
                }
            }
        }
        out
    }
}

/// Compare the work tree at `repo` with the base commit.
pub fn run(repo: &Path, opts: &Options) -> Result<Diff, String> {
    let base = git::resolve(repo, opts.base.as_deref())?;
    let (before, after) = rayon::join(
        || side::at_commit(repo, &base, &opts.spec_file),
        || side::work_tree(repo, &opts.spec_file),
    );
    let (before, after) = (before?, after?);
    let mut urls = opts.repo_urls.clone();
    for root in [&before.root, &after.root] {
        urls.extend(spec_repo_url(root, &opts.spec_file));
    }
    let renderer = Renderer::new(
        crate::repo::Repo::discover(repo, &urls),
        opts.kustomize.clone(),
    );
    let mut notes: Vec<String> = before.notes.iter().chain(&after.notes).cloned().collect();
    if !renderer.repo.knows_its_urls() {
        notes.push(
            "no URL is known for this repository (no git remote, spec repo.url or .platc.yaml repoURLs): an Application path that exists here is read as this repository's".into(),
        );
    }
    let (applications, mut unread) = compare_sides(&renderer, &before.root, &after.root, opts);
    // A file over the limit on both sides is said once.
    unread.sort();
    unread.dedup();
    Ok(Diff {
        base,
        applications,
        notes,
        unread,
    })
}

/// Compare the Applications of two folders (each a whole repository, already compiled),
/// with notes on the files either side could not read.
pub fn compare_sides(
    renderer: &Renderer,
    before_root: &Path,
    after_root: &Path,
    opts: &Options,
) -> (Vec<AppChange>, Vec<String>) {
    let ((before, mut notes), (after, after_notes)) = rayon::join(
        || render_side(renderer, before_root, opts),
        || render_side(renderer, after_root, opts),
    );
    notes.extend(after_notes);
    (compare_rendered(&before, &after, opts.unified), notes)
}

/// Every Application of one side with what it deploys, by identity.
pub type RenderedSide = BTreeMap<AppKey, (AppDef, Rendered)>;

/// Find and render every Application of a folder (those `--path` keeps), the Applications
/// its ApplicationSets generate included, with a note for each file it did not read.
pub fn render_side(
    renderer: &Renderer,
    root: &Path,
    opts: &Options,
) -> (RenderedSide, Vec<String>) {
    let mut found = side::scan(root);
    let notes = std::mem::take(&mut found.notes);
    let (all, expansions) = expand_sets(renderer, root, found);
    let apps: Vec<(AppKey, AppDef)> = index(all, opts).into_iter().collect();
    let rendered = apps
        .into_par_iter()
        .map(|(key, app)| {
            let rendered = if app.kind == "ApplicationSet" {
                appset_as_object(&app, expansions.get(&key))
            } else {
                let mut rendered = renderer.render(root, &app.object);
                if app.parent.is_some() {
                    // The generated Application is itself an object its ApplicationSet
                    // creates: a template change to its project or sync policy shows here.
                    rendered.objects.insert(
                        ObjectKey {
                            group: "argoproj.io".into(),
                            kind: "Application".into(),
                            namespace: app.namespace.clone(),
                            name: app.name.clone(),
                        },
                        app.object.clone(),
                    );
                }
                rendered
            };
            (key, (app, rendered))
        })
        .collect();
    (rendered, notes)
}

/// What expanding an ApplicationSet said: notes, and why it could not be expanded.
#[derive(Debug, Default, Clone)]
struct Said {
    notes: Vec<String>,
    errors: Vec<String>,
}

/// The side's Applications followed by those its ApplicationSets generate (a hand-written
/// Application keeps its name when a generated one has it too).
fn expand_sets(
    renderer: &Renderer,
    root: &Path,
    found: side::Found,
) -> (Vec<AppDef>, BTreeMap<AppKey, Said>) {
    let mut apps = found.applications;
    // Of two ApplicationSets alike, the first is compared (as `index` keeps it).
    let mut seen = BTreeSet::new();
    let first: Vec<bool> = apps.iter().map(|a| seen.insert(a.key())).collect();
    let results: Vec<(usize, Result<appset::Expansion, appset::Stop>)> = apps
        .par_iter()
        .enumerate()
        .filter(|(i, a)| a.kind == "ApplicationSet" && first[*i])
        .map(|(i, a)| {
            (
                i,
                appset::expand(root, &renderer.repo, &found.clusters, &a.object),
            )
        })
        .collect();
    let mut generated = Vec::new();
    let mut said = BTreeMap::new();
    for (i, result) in results {
        let set = &mut apps[i];
        let mut s = Said::default();
        match result {
            Ok(e) => {
                set.expanded = Some(true);
                s.notes = e.notes;
                for object in e.applications {
                    let name = object
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    generated.push(AppDef {
                        kind: "Application".into(),
                        env: side::environment(&object),
                        namespace: set.namespace.clone(),
                        name,
                        file: set.file.clone(),
                        object,
                        parent: Some(set.key()),
                        expanded: None,
                    });
                }
            }
            Err(appset::Stop::Unsupported(why)) => {
                set.expanded = Some(false);
                s.notes
                    .push(format!("not expanded, compared as an object: {why}"));
            }
            Err(appset::Stop::Failed(why)) => {
                set.expanded = Some(false);
                s.errors.push(format!("not expanded: {why}"));
            }
        }
        said.insert(set.key(), s);
    }
    // Two owners for one Application: Argo CD would have them fight over it.
    let mut taken: BTreeSet<AppKey> = apps.iter().map(AppDef::key).collect();
    for g in generated {
        if !taken.insert(g.key()) {
            if let Some(s) = g.parent.as_ref().and_then(|p| said.get_mut(p)) {
                s.notes.push(format!(
                    "generates `{}`, which another Application or ApplicationSet of this side already defines: the first one found is compared",
                    g.name
                ));
            }
            continue;
        }
        apps.push(g);
    }
    (apps, said)
}

/// An ApplicationSet compared as the object it is (its own fields), with what expanding
/// it said.
fn appset_as_object(app: &AppDef, said: Option<&Said>) -> Rendered {
    let mut out = Rendered::default();
    out.objects.insert(
        ObjectKey {
            group: "argoproj.io".into(),
            kind: "ApplicationSet".into(),
            namespace: app.namespace.clone(),
            name: app.name.clone(),
        },
        app.object.clone(),
    );
    if let Some(s) = said {
        out.notes = s.notes.clone();
        out.errors = s.errors.clone();
    }
    out
}

/// The Applications that differ between two rendered sides, by environment and name.
pub fn compare_rendered(
    before: &RenderedSide,
    after: &RenderedSide,
    unified: bool,
) -> Vec<AppChange> {
    // An ApplicationSet not expanded on one side: its Applications are unknown there, so
    // neither side's are compared (it is compared as an object, with the reason).
    let unexpanded: BTreeSet<&AppKey> = before
        .iter()
        .chain(after.iter())
        .filter(|(_, (def, _))| def.expanded == Some(false))
        .map(|(k, _)| k)
        .collect();
    let generated_by_unexpanded = |key: &AppKey| {
        [before.get(key), after.get(key)]
            .into_iter()
            .flatten()
            .any(|(def, _)| def.parent.as_ref().is_some_and(|p| unexpanded.contains(p)))
    };
    let keys: BTreeSet<&AppKey> = before
        .keys()
        .chain(after.keys())
        .filter(|k| !generated_by_unexpanded(k))
        .collect();
    let keys: Vec<&AppKey> = keys.into_iter().collect();
    let mut changes: Vec<AppChange> = keys
        .par_iter()
        .filter_map(|key| {
            let b = before.get(*key).map(|(a, r)| (a, r));
            let a = after.get(*key).map(|(a, r)| (a, r));
            let mut change = compare_app(b, a, unified)?;
            let parent = a.or(b).and_then(|(def, _)| def.parent.as_ref());
            let set = parent.and_then(|p| after.get(p).or_else(|| before.get(p)));
            if let Some(note) = set.and_then(|(s, _)| held_back(&s.object, change.status)) {
                change.notes.push(note);
            }
            Some(change)
        })
        .collect();
    // An ApplicationSet's Applications follow it.
    let order = |c: &AppChange| {
        (
            c.environment.clone(),
            c.application_set.clone().unwrap_or_else(|| c.name.clone()),
            c.application_set.is_some(),
            c.name.clone(),
            c.kind.clone(),
        )
    };
    changes.sort_by_key(order);
    changes
}

/// What an ApplicationSet's `syncPolicy.applicationsSync` keeps Argo CD from doing to a
/// generated Application that changes or disappears.
fn held_back(appset: &Value, status: Status) -> Option<String> {
    let policy = appset
        .pointer("/spec/syncPolicy/applicationsSync")
        .and_then(Value::as_str)?;
    let (updates, deletes) = match policy {
        "create-only" => (false, false),
        "create-update" => (true, false),
        "create-delete" => (false, true),
        _ => return None,
    };
    match status {
        Status::Removed if !deletes => Some(format!(
            "the ApplicationSet's applicationsSync is `{policy}`: Argo CD leaves this Application in place"
        )),
        Status::Changed if !updates => Some(format!(
            "the ApplicationSet's applicationsSync is `{policy}`: Argo CD does not update this Application"
        )),
        _ => None,
    }
}

/// Environment, kind, namespace and name.
pub type AppKey = (String, String, String, String);

/// The Applications kept by `--path`, by identity (the first of two alike wins).
fn index(apps: Vec<AppDef>, opts: &Options) -> BTreeMap<AppKey, AppDef> {
    let mut out = BTreeMap::new();
    for app in apps {
        if let Some(path) = opts.path.as_deref().filter(|p| !p.is_empty())
            && !within(&app.file, path)
            && !source_paths(&app.object).iter().any(|p| within(p, path))
        {
            continue;
        }
        out.entry(app.key()).or_insert(app);
    }
    out
}

fn within(file: &str, dir: &str) -> bool {
    let file = file.trim_start_matches("./");
    file == dir || file.starts_with(&format!("{}/", dir.trim_end_matches('/')))
}

fn source_paths(app: &Value) -> Vec<String> {
    let spec = app.get("spec");
    spec.and_then(|s| s.get("source"))
        .into_iter()
        .chain(
            spec.and_then(|s| s.get("sources"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .filter_map(|s| s.get("path").and_then(Value::as_str))
        .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string())
        .collect()
}

/// `spec.repo.url` of the platform spec at `root`, read without checking the spec.
fn spec_repo_url(root: &Path, spec_file: &str) -> Option<String> {
    let text = crate::confine::read_to_string(root, spec_file).ok()?;
    let stream = crate::yaml::parse_stream(&text).ok()?;
    let doc = stream.documents.first()?.to_json();
    doc.pointer("/spec/repo/url")?.as_str().map(str::to_string)
}

fn is_secret(key: &ObjectKey) -> bool {
    key.group.is_empty() && key.kind == "Secret"
}

/// One Application compared; None when nothing about it changes.
fn compare_app(
    before: Option<(&AppDef, &Rendered)>,
    after: Option<(&AppDef, &Rendered)>,
    unified: bool,
) -> Option<AppChange> {
    let def = after.as_ref().or(before.as_ref())?.0;
    let status = match (&before, &after) {
        (None, _) => Status::Added,
        (_, None) => Status::Removed,
        _ => Status::Changed,
    };
    let (rules, mut notes) = ignore::rules(&def.object);
    let prepare = |r: Option<&Rendered>| -> BTreeMap<ObjectKey, Value> {
        r.map(|r| {
            r.objects
                .iter()
                .map(|(k, v)| {
                    let mut v = compare::normalize(v.clone());
                    ignore::apply(&rules, k, &mut v);
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let b_render = before.map(|(_, r)| r);
    let a_render = after.map(|(_, r)| r);
    let b_objects = prepare(b_render);
    let a_objects = prepare(a_render);
    let mut added: Vec<ObjectKey> = a_objects
        .keys()
        .filter(|k| !b_objects.contains_key(*k))
        .cloned()
        .collect();
    let mut removed: Vec<ObjectKey> = b_objects
        .keys()
        .filter(|k| !a_objects.contains_key(*k))
        .cloned()
        .collect();
    added.sort();
    removed.sort();
    for r in &removed {
        if let Some(a) = added.iter().find(|a| {
            a.group == r.group
                && a.kind == r.kind
                && a.namespace == r.namespace
                && compare::same_but_name(&b_objects[r], &a_objects[*a])
        }) {
            notes.push(format!(
                "{} looks renamed to `{}`: Argo CD deletes the old object and creates the new one",
                r.describe(),
                a.name
            ));
        }
    }
    let mut changed = Vec::new();
    for (k, b) in &b_objects {
        let Some(a) = a_objects.get(k) else { continue };
        let fields = compare::fields(
            b,
            a,
            Shown {
                secret: is_secret(k),
            },
        );
        if fields.is_empty() {
            continue;
        }
        let unified = unified.then(|| {
            let show = |v: &Value| crate::yaml::emit::to_yaml(&compare::printable(k, v));
            unified::unified(&show(b), &show(a))
        });
        changed.push(ObjectChange {
            object: k.clone(),
            fields,
            unified,
        });
    }
    let mut sources = Vec::new();
    let empty = BTreeMap::new();
    let b_settings = b_render.map_or(&empty, |r| &r.settings);
    let a_settings = a_render.map_or(&empty, |r| &r.settings);
    let ats: BTreeSet<&String> = b_settings.keys().chain(a_settings.keys()).collect();
    for at in ats {
        let as_value = |s: Option<&render::Settings>| -> Value {
            let Some(s) = s else {
                return Value::Object(Default::default());
            };
            let mut map: serde_json::Map<String, Value> = s
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if let Some(values) = &s.values {
                map.insert("values".into(), values.clone());
            }
            Value::Object(map)
        };
        let (b, a) = (b_settings.get(at), a_settings.get(at));
        let fields = compare::fields(&as_value(b), &as_value(a), Shown { secret: false });
        if fields.is_empty() {
            continue;
        }
        sources.push(SourceChange {
            at: at.clone(),
            label: a.or(b).map(|s| s.label.clone()).unwrap_or_default(),
            fields,
        });
    }
    // A render that fails the same way on both sides is a standing problem, not this
    // change's: said in a note. One that fails on one side only makes the diff incomplete.
    let b_errors: Vec<String> = b_render.map(|r| r.errors.clone()).unwrap_or_default();
    let a_errors: Vec<String> = a_render.map(|r| r.errors.clone()).unwrap_or_default();
    let mut errors = Vec::new();
    for e in &a_errors {
        if b_errors.contains(e) {
            notes.push(format!("not rendered on either side: {e}"));
        } else {
            errors.push(format!("work tree: {e}"));
        }
    }
    for e in b_errors.iter().filter(|e| !a_errors.contains(e)) {
        errors.push(format!("base: {e}"));
    }
    for r in [b_render, a_render].into_iter().flatten() {
        for n in &r.notes {
            if !notes.contains(n) {
                notes.push(n.clone());
            }
        }
    }
    let nothing = added.is_empty()
        && removed.is_empty()
        && changed.is_empty()
        && sources.is_empty()
        && errors.is_empty();
    if status == Status::Changed && nothing {
        return None;
    }
    Some(AppChange {
        environment: def.env.clone(),
        kind: def.kind.clone(),
        name: def.name.clone(),
        application_set: def.parent.as_ref().map(|p| p.3.clone()),
        file: def.file.clone(),
        status,
        sources,
        added,
        removed,
        changed,
        notes: notes
            .into_iter()
            .map(|n| crate::secrets::redact::redact_credentials(&n))
            .collect(),
        errors: errors
            .into_iter()
            .map(|n| crate::secrets::redact::redact_credentials(&n))
            .collect(),
    })
}

/// `--format json`.
pub fn json(diff: &Diff) -> String {
    let mut out = serde_json::to_string_pretty(diff).expect("the diff serializes");
    out.push('\n');
    out
}
