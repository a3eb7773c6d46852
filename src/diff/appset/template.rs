//! Filling an ApplicationSet's template (and the parts of generators that are templates)
//! with one set of parameters, as Argo CD does: every string of the template, keys included,
//! is rendered on its own, with fasttemplate (`{{name}}`, flat parameters) or Go's
//! text/template (`goTemplate: true`, nested parameters).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::gotemplate;

/// How the ApplicationSet's strings are templates.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// fasttemplate: `{{key}}`, a missing key left as written.
    Fast,
    Go(gotemplate::Options),
}

impl Mode {
    pub fn is_go(self) -> bool {
        matches!(self, Mode::Go(_))
    }
}

/// One string rendered; `unresolved` collects fasttemplate tags no parameter fills.
pub fn render_str(
    text: &str,
    params: &Map<String, Value>,
    mode: Mode,
    unresolved: &mut BTreeSet<String>,
) -> Result<String, String> {
    match mode {
        Mode::Fast => fast(text, params, unresolved),
        Mode::Go(opts) => gotemplate::render(text, &Value::Object(params.clone()), opts),
    }
}

/// A JSON tree with every string (and mapping key) rendered.
pub fn render_value(
    v: &Value,
    params: &Map<String, Value>,
    mode: Mode,
    unresolved: &mut BTreeSet<String>,
) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(render_str(s, params, mode, unresolved)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| render_value(x, params, mode, unresolved))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(
                    render_str(k, params, mode, unresolved)?,
                    render_value(x, params, mode, unresolved)?,
                );
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// fasttemplate as Argo CD calls it: `{{ key }}` (spaces trimmed) is the parameter's
/// value; a tag no parameter has is left as written; a `{{` never closed fails the
/// ApplicationSet (fasttemplate's "Cannot find end tag").
fn fast(
    text: &str,
    params: &Map<String, Value>,
    unresolved: &mut BTreeSet<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!(
                "`{}` opens a `{{{{` that no `}}}}` closes",
                &rest[start..].chars().take(40).collect::<String>()
            ));
        };
        let tag = &after[..end];
        match params.get(tag.trim()) {
            Some(v) => out.push_str(&gotemplate::print(v)),
            None => {
                unresolved.insert(tag.trim().to_string());
                out.push_str(&rest[start..start + 2 + end + 2]);
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Nested parameters as dotted keys with text values (how Argo CD flattens a git file
/// for fasttemplate, and any parameters for a generator's `selector`).
pub fn flatten(params: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    fn walk(prefix: &str, v: &Value, out: &mut Map<String, Value>) {
        let key = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, x) in m {
                    walk(&key(k), x, out);
                }
            }
            Value::Array(a) if !a.is_empty() => {
                for (i, x) in a.iter().enumerate() {
                    walk(&key(&i.to_string()), x, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), Value::String(gotemplate::print(other)));
            }
        }
    }
    for (k, v) in params {
        walk(k, v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fasttemplate_fills_known_tags_and_keeps_the_others() {
        let params = json!({"name": "ana", "path.basename": "web"});
        let params = params.as_object().unwrap();
        let mut unresolved = BTreeSet::new();
        let v = json!({"{{name}}-k": "{{ path.basename }}/{{nope}}"});
        assert_eq!(
            render_value(&v, params, Mode::Fast, &mut unresolved).unwrap(),
            json!({"ana-k": "web/{{nope}}"})
        );
        assert_eq!(unresolved.into_iter().collect::<Vec<_>>(), ["nope"]);
        // Argo CD's fasttemplate refuses a tag never closed.
        let err = render_str("a-{{name", params, Mode::Fast, &mut BTreeSet::new()).unwrap_err();
        assert!(err.contains("no `}}` closes"), "{err}");
    }

    #[test]
    fn flattening_uses_dots_and_indexes() {
        let p = json!({"a": {"b": 1, "c": ["x", "y"]}, "d": true});
        assert_eq!(
            Value::Object(flatten(p.as_object().unwrap())),
            json!({"a.b": "1", "a.c.0": "x", "a.c.1": "y", "d": "true"})
        );
    }
}
