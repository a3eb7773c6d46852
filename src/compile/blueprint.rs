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

fn fail<T>(finding: Finding) -> Result<T, Box<Finding>> {
    Err(Box::new(finding))
}

fn new_environment() -> Environment<'static> {
    let mut env = Environment::new();
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

fn template_error(dir: &str, e: &minijinja::Error) -> Finding {
    let file = e
        .name()
        .map(|n| format!("{dir}/{n}"))
        .unwrap_or_else(|| dir.to_string());
    let pos = e.line().map(|line| crate::yaml::Pos {
        line: line as u32,
        col: 1,
    });
    let mut message = format!("template error: {}", e.kind());
    if let Some(detail) = e.detail() {
        message.push_str(": ");
        message.push_str(detail);
    }
    let f = Finding::error("spec/template", message).at(file, pos);
    match e.kind() {
        minijinja::ErrorKind::UndefinedError => {
            f.with_help("declare the parameter in the blueprint's `params`, or give it a default")
        }
        _ => f,
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
            let entries = std::fs::read_dir(&d).map_err(|e| {
                Finding::error(
                    "spec/unreadable",
                    format!("cannot read the blueprint folder: {e}"),
                )
                .at(dir, None)
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let rel = path
                    .strip_prefix(root.join(dir))
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path).map_err(|e| {
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
                .map_err(|e| template_error(dir, &e))?;
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
        let ctx = minijinja::Value::from(minijinja::value::Serde(context));
        let mut out = Vec::with_capacity(self.outputs.len());
        for name in &self.outputs {
            let template_file = format!("{}/{name}", self.dir);
            let path = render_str(&self.env, name, &ctx).map_err(|e| {
                let mut f = template_error(&self.dir, &e);
                f.file = Some(template_file.clone());
                f.line = None;
                f.message = format!("in the file name: {}", f.message);
                f
            })?;
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
            let template = self
                .env
                .get_template(name)
                .map_err(|e| template_error(&self.dir, &e))?;
            let text = template
                .render(&ctx)
                .map_err(|e| template_error(&self.dir, &e))?;
            // Other files (a properties file for a generator, a patch read by the blueprint's
            // own kustomization) are data, not manifests.
            if is_yaml(&path)
                && let Err(e) = crate::yaml::parse_stream(&text)
            {
                return fail(Finding::error("spec/template", format!("`{path}` renders to invalid YAML: {} (line {} of the output)", e.message, e.pos.line))
                    .at(template_file, None)
                    .with_help("render it with `platc build` after fixing the template; check indentation of inserted values"));
            }
            let _ = bp;
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
