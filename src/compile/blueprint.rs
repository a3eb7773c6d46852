//! Blueprints: folders of Jinja2 templates rendered with minijinja, once per instance.
//!
//! Templates written for Python's jinja2 render byte-identically: no auto-escaping (jinja2's
//! default), strict undefined (a missing parameter is an error, never an empty string), and
//! jinja2's default of dropping one trailing newline.

use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::report::Finding;
use crate::spec::Blueprint;

/// A blueprint's templates, parsed once.
pub struct Templates {
    env: Environment<'static>,
    /// Template names (paths relative to the blueprint folder) that produce files.
    outputs: Vec<String>,
    /// The blueprint folder, repo-relative, for messages.
    dir: String,
}

/// One rendered file.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Path relative to the instance's output folder.
    pub path: String,
    pub text: String,
    /// The template it came from, repo-relative.
    pub template: String,
}

fn new_environment() -> Environment<'static> {
    let mut env = Environment::new();
    // The work one render may do (minijinja's fuel: about one unit per instruction and per
    // 64 bytes of data): a loop over loops that would run for hours stops with an error.
    env.set_fuel(Some(crate::limits::current().template_fuel.get()));
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // Python's str and dict methods (`.items()`, `.upper()`...) that jinja2 templates use.
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env
}

/// A rendered file's name: the template's without `.j2` or `.jinja2`.
pub fn strip_template_suffix(path: &str) -> &str {
    path.strip_suffix(".j2")
        .or_else(|| path.strip_suffix(".jinja2"))
        .unwrap_or(path)
}

/// Whether a rendered file is YAML (a manifest, values, or a kustomization).
pub fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// Render one template string (used for output paths) with the same rules.
fn render_str(
    env: &Environment<'_>,
    source: &str,
    ctx: &minijinja::Value,
) -> Result<String, minijinja::Error> {
    if !source.contains("{{") && !source.contains("{%") {
        return Ok(source.to_string());
    }
    env.render_str(source, ctx)
}

/// Where an error is in its template: line and column of the offending expression, and
/// where it ends when on the same line (for underlining).
fn error_span(e: &minijinja::Error) -> Option<(crate::yaml::Pos, Option<crate::yaml::Pos>)> {
    let line = e.line()? as u32;
    let (Some(source), Some(range)) = (e.template_source(), e.range()) else {
        return Some((crate::yaml::Pos { line, col: 1 }, None));
    };
    let pos_of = |offset: usize| {
        source
            .is_char_boundary(offset)
            .then(|| crate::source::pos_at(source, offset))
    };
    let start = pos_of(range.start).unwrap_or(crate::yaml::Pos { line, col: 1 });
    let end = pos_of(range.end).filter(|end| end.line == start.line);
    Some((start, end))
}

/// The variable an "undefined value" error is about: `domain` in "`domain.x` is undefined".
fn undefined_name(detail: &str) -> Option<&str> {
    let quoted = detail.strip_prefix('`')?.split('`').next()?;
    quoted.split(['.', '[']).next().filter(|n| !n.is_empty())
}

/// Whether the render stopped on its budget, in this template or one it includes.
fn out_of_fuel(e: &minijinja::Error) -> bool {
    let mut at: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = at {
        if let Some(e) = err.downcast_ref::<minijinja::Error>()
            && e.kind() == minijinja::ErrorKind::OutOfFuel
        {
            return true;
        }
        at = err.source();
    }
    false
}

fn template_error(dir: &str, e: &minijinja::Error, bp: Option<&Blueprint>) -> Finding {
    let file = e
        .name()
        .map(|n| format!("{dir}/{n}"))
        .unwrap_or_else(|| dir.to_string());
    let span = error_span(e);
    let mut message = format!("template error: {}", e.kind());
    if let Some(detail) = e.detail() {
        message.push_str(": ");
        message.push_str(detail);
    }
    let mut f = Finding::error("spec/template", message).at(file, span.map(|s| s.0));
    f.end = span.and_then(|s| s.1);
    match e.kind() {
        minijinja::ErrorKind::UndefinedError => {
            let name = e.detail().and_then(undefined_name);
            let declared = name.filter(|n| bp.is_some_and(|bp| bp.params.contains_key(*n)));
            match (declared, name) {
                (Some(n), _) => f.with_help(format!(
                    "`{n}` is an optional parameter without a default: give it a default in the blueprint's `params`, give it on every instance, or test it with `{{% if {n} is defined %}}`"
                )),
                (None, Some(n)) => f.with_help(format!(
                    "declare `{n}` in the blueprint's `params` (with a default if it is optional), or correct the name"
                )),
                (None, None) => f.with_help(
                    "declare the parameter in the blueprint's `params`, or give it a default",
                ),
            }
        }
        _ if out_of_fuel(e) => f.with_help(format!(
            "the template did more work than platc allows one render ({} steps): look for a loop over a huge range or nested loops, or {}",
            crate::limits::current().template_fuel,
            crate::limits::Key::TemplateFuel.raise()
        )),
        _ => f,
    }
}

/// Keep what an error was rendered for ("tenant `acets`": a kind, a space and a name) until
/// [`merge_instances`] puts it in the message.
fn for_instance(mut f: Finding, instance: &str) -> Box<Finding> {
    if !instance.is_empty() {
        f.object = Some(instance.to_string());
    }
    Box::new(f)
}

/// One finding per template error, whatever the number of instances it happened for: the
/// instances (kept in `object` by [`Templates::render_for`]) are listed in the message.
pub fn merge_instances(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut instances: Vec<Vec<String>> = Vec::new();
    let same = |a: &Finding, b: &Finding| {
        (&a.rule, &a.file, a.line, a.column, &a.message, &a.help)
            == (&b.rule, &b.file, b.line, b.column, &b.message, &b.help)
    };
    for mut f in findings {
        let instance = if f.rule == "spec/template" {
            f.object.take()
        } else {
            None
        };
        let Some(instance) = instance else {
            out.push(f);
            instances.push(Vec::new());
            continue;
        };
        match out
            .iter()
            .position(|o| o.rule == "spec/template" && same(o, &f))
        {
            Some(i) => instances[i].push(instance),
            None => {
                out.push(f);
                instances.push(vec![instance]);
            }
        }
    }
    for (f, names) in out.iter_mut().zip(instances) {
        if !names.is_empty() {
            f.message = format!("{} (rendered for {})", f.message, list(&names));
        }
    }
    out
}

/// "tenant `a`", "tenants `a` and `b`", "tenants `a`, `b` and 12 more, member `c`": the
/// instances grouped by kind (the word before the name), in order of appearance.
fn list(instances: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut kinds: Vec<(&str, Vec<&str>)> = Vec::new();
    for instance in instances {
        let (kind, name) = instance.split_once(' ').unwrap_or(("", instance));
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, names)) => names.push(name),
            None => kinds.push((kind, vec![name])),
        }
    }
    let groups: Vec<String> = kinds
        .into_iter()
        .map(|(kind, names)| {
            let names = match names.as_slice() {
                [one] => return format!("{kind} {one}"),
                _ if names.len() > SHOWN => format!(
                    "{} and {} more",
                    names[..SHOWN].join(", "),
                    names.len() - SHOWN
                ),
                [init @ .., last] => format!("{} and {last}", init.join(", ")),
                [] => String::new(),
            };
            format!("{kind}s {names}")
        })
        .collect();
    groups.join(", ")
}

/// Put the text of the templates findings point at into `sources`, so that reports show the
/// template line.
pub fn add_sources(root: &Path, findings: &[Finding], sources: &mut crate::source::Sources) {
    for f in findings.iter().filter(|f| f.rule == "spec/template") {
        let Some(file) = &f.file else { continue };
        if sources.get(file).is_none()
            && let Ok(text) = crate::confine::read_to_string(root, file)
        {
            sources.insert(file.clone(), text.as_str());
        }
    }
}

impl Templates {
    /// Load every file under the blueprint folder (`dir` is repo-relative).
    pub fn load(root: &Path, dir: &str) -> Result<Templates, Box<Finding>> {
        let mut env = new_environment();
        let mut outputs = Vec::new();
        let mut files = BTreeMap::new();
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            let entries = crate::confine::read_dir(&d).map_err(|e| {
                Finding::error(
                    "spec/unreadable",
                    format!("cannot read the blueprint folder: {e}"),
                )
                .at(dir, None)
            })?;
            for (path, _) in entries {
                let rel = path
                    .strip_prefix(root.join(dir))
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                // A link (file or folder) is followed only when it stays in the repository.
                let unreadable = |e: std::io::Error| {
                    Finding::error("spec/unreadable", format!("cannot read the template: {e}"))
                        .at(format!("{dir}/{rel}"), None)
                };
                let real = crate::confine::within(root, &path, &format!("{dir}/{rel}"))
                    .map_err(unreadable)?;
                if crate::confine::is_dir(&real) {
                    stack.push(path);
                    continue;
                }
                let text = crate::confine::read_path_to_string(root, &real).map_err(|e| {
                    Finding::error("spec/unreadable", format!("cannot read the template: {e}"))
                        .at(format!("{dir}/{rel}"), None)
                })?;
                files.insert(rel, text);
            }
        }
        for (name, text) in files {
            let partial = name
                .rsplit('/')
                .next()
                .is_some_and(|base| base.starts_with('_'));
            if !partial {
                outputs.push(name.clone());
            }
            env.add_template_owned(name, text)
                .map_err(|e| template_error(dir, &e, None))?;
        }
        Ok(Templates {
            env,
            outputs,
            dir: dir.to_string(),
        })
    }

    /// Render every output template for one instance.
    pub fn render(
        &self,
        bp: &Blueprint,
        context: &IndexMap<String, serde_json::Value>,
    ) -> Result<Vec<Rendered>, Box<Finding>> {
        self.render_for(bp, context, "")
    }

    /// Render every output template for one instance; `instance` (such as "tenant `acets`")
    /// is named in errors, which [`merge_instances`] then gathers per template location.
    pub fn render_for(
        &self,
        bp: &Blueprint,
        context: &IndexMap<String, serde_json::Value>,
        instance: &str,
    ) -> Result<Vec<Rendered>, Box<Finding>> {
        let fail = |f: Finding| Err(for_instance(f, instance));
        let ctx = minijinja::Value::from(minijinja::value::Serde(context));
        let mut out = Vec::with_capacity(self.outputs.len());
        for name in &self.outputs {
            let template_file = format!("{}/{name}", self.dir);
            let path = match render_str(&self.env, name, &ctx) {
                Ok(path) => path,
                Err(e) => {
                    let mut f = template_error(&self.dir, &e, Some(bp));
                    f.file = Some(template_file.clone());
                    f.line = None;
                    f.column = None;
                    f.end = None;
                    f.message = format!("in the file name: {}", f.message);
                    return fail(f);
                }
            };
            let path = strip_template_suffix(&path).to_string();
            if path.split('/').any(|p| p == ".." || p.is_empty()) {
                return fail(
                    Finding::error(
                        "spec/template",
                        format!("the rendered path `{path}` is not a plain relative path"),
                    )
                    .at(template_file, None),
                );
            }
            let rendered = self
                .env
                .get_template(name)
                .and_then(|template| template.render(&ctx));
            let text = match rendered {
                Ok(text) => text,
                Err(e) => return fail(template_error(&self.dir, &e, Some(bp))),
            };
            let most = crate::limits::current().rendered_file_size;
            if text.len() as u64 > most.get() {
                return fail(
                    Finding::error(
                        "spec/template",
                        format!(
                            "`{path}` renders to {}, more than the {most} platc writes for one file (`limits.renderedFileSize`)",
                            crate::limits::bytes(text.len() as u64)
                        ),
                    )
                    .at(template_file, None)
                    .with_help(format!("split the output into several files, look for a loop that repeats more than meant, or {}", crate::limits::Key::RenderedFileSize.raise())),
                );
            }
            // Other files (a properties file for a generator, a patch read by the blueprint's
            // own kustomization) are data, not manifests.
            if is_yaml(&path)
                && let Err(e) = crate::yaml::parse_stream(&text)
            {
                return fail(Finding::error("spec/template", format!("`{path}` renders to invalid YAML: {} (line {} of the output)", e.message, e.pos.line))
                    .at(template_file, None)
                    .with_help("check the indentation and quoting around inserted values: a value with `: `, `#` or a leading `*`, `&`, `{` needs quotes"));
            }
            out.push(Rendered {
                path,
                text,
                template: template_file,
            });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        for pair in out.windows(2) {
            if pair[0].path == pair[1].path {
                return fail(
                    Finding::error(
                        "spec/template",
                        format!("two templates render to `{}`", pair[0].path),
                    )
                    .at(pair[1].template.clone(), None),
                );
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bp() -> Blueprint {
        Blueprint {
            path: "bp".into(),
            description: None,
            params: IndexMap::new(),
            values_files: vec![],
            contributes: Default::default(),
        }
    }

    #[test]
    fn instances_are_listed_by_kind() {
        let names =
            |list: &[&str]| super::list(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(names(&["tenant `a`"]), "tenant `a`");
        assert_eq!(
            names(&["tenant `a`", "tenant `b`", "member `c`"]),
            "tenants `a` and `b`, member `c`"
        );
        let many: Vec<String> = (0..9).map(|i| format!("member `m{i}`")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(
            names(&many).ends_with("`m5` and 3 more"),
            "{}",
            names(&many)
        );
    }

    #[test]
    fn undefined_names_are_the_first_segment() {
        assert_eq!(undefined_name("`domain` is undefined"), Some("domain"));
        assert_eq!(undefined_name("`club.name` is undefined"), Some("club"));
        assert_eq!(undefined_name("something else"), None);
    }

    #[test]
    fn renders_like_jinja2_and_is_strict() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("bp")).unwrap();
        std::fs::write(root.join("bp/{{ club }}-cm.yaml.j2"), "kind: ConfigMap\nname: {{ club }}\nagent: \"{{'{{'}}- with secret \\\"x\\\" -{{'}}'}}\"\n").unwrap();
        std::fs::write(
            root.join("bp/_helpers.j2"),
            "{% macro x() %}x{% endmacro %}",
        )
        .unwrap();
        let t = Templates::load(root, "bp").unwrap();
        let mut ctx = IndexMap::new();
        ctx.insert("club".to_string(), serde_json::json!("acets"));
        let out = t.render(&bp(), &ctx).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path, "acets-cm.yaml");
        assert_eq!(
            out[0].text,
            "kind: ConfigMap\nname: acets\nagent: \"{{- with secret \\\"x\\\" -}}\""
        );
        let err = t.render(&bp(), &IndexMap::new()).unwrap_err();
        assert!(err.message.contains("undefined"), "{}", err.message);
    }
}
