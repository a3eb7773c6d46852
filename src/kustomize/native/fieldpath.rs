//! kustomize's field paths (`spec.template.spec.containers.[name=app].image`), as its
//! replacements and vars read them: split on dots (`\.` is a dot inside a key, a bracketed
//! part keeps its dots), and looked up the way kyaml's PathGetter does for a value to copy.
//! Writing through a path (wildcards, regular expressions, `create`) is the replacements'
//! own (replacements.rs).

use serde_json::Value;

/// One part of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    /// A mapping key.
    Field(String),
    /// A list position (`0`, `3`).
    Index(usize),
    /// A list element by one of its fields (`[name=app]`), or a list of scalars by value
    /// (`[=app]`: `key` empty).
    Match { key: String, value: String },
    /// Every element of a list (`*`).
    Each,
}

/// kyaml's SmarterPathSplitter with `.`: a leading dot is dropped, `\.` stays in its key and
/// `[a.b=c.d]` stays one part.
pub(super) fn split(path: &str) -> Vec<String> {
    let mut pieces: Vec<&str> = path.split('.').collect();
    if pieces.len() > 1 && pieces[0].is_empty() {
        pieces.remove(0);
    }
    let mut escaped: Vec<String> = Vec::new();
    for piece in pieces {
        match escaped.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(piece);
            }
            _ => escaped.push(piece.to_string()),
        }
    }
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < escaped.len() {
        let mut part = escaped[i].clone();
        if part.starts_with('[') && !part.ends_with(']') {
            while i + 1 < escaped.len() {
                i += 1;
                part.push('.');
                part.push_str(&escaped[i]);
                if escaped[i].ends_with(']') {
                    break;
                }
            }
        }
        out.push(part);
        i += 1;
    }
    out
}

/// What a split part means; None for a bracketed part without `=` (kustomize's error).
pub(super) fn part(text: &str) -> Option<Part> {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let (key, value) = inner.split_once('=')?;
        return Some(Part::Match {
            key: key.to_string(),
            value: value.to_string(),
        });
    }
    if text == "*" {
        return Some(Part::Each);
    }
    // Go's Atoi: a sign is allowed; a negative number is a key.
    match text.parse::<i64>() {
        Ok(i) if i >= 0 => Some(Part::Index(usize::try_from(i).ok()?)),
        _ => Some(Part::Field(text.to_string())),
    }
}

/// A scalar's text as kustomize compares and copies it; None for what is not a scalar, a
/// float (its written form is lost) or null.
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The value at a path, as kyaml's PathGetter finds a source: keys, positions (`-` is the
/// last element), the first element whose field equals the text exactly. Ok(None) when it
/// is missing; Err for a path kyaml refuses or a case not modelled here (a wildcard, a
/// null on the way).
pub(super) fn lookup<'a>(value: &'a Value, parts: &[String]) -> Result<Option<&'a Value>, ()> {
    let mut at = value;
    for text in parts {
        let next = match (at, text.as_str()) {
            (Value::Array(items), "-") => items.last(),
            (_, "*") => return Err(()),
            (Value::Object(map), _)
                if !(text == "-" || text.starts_with('[') || text.parse::<i64>().is_ok()) =>
            {
                map.get(text)
            }
            (Value::Array(items), _) => match part(text).ok_or(())? {
                Part::Index(i) => items.get(i),
                Part::Match { key, value } => items.iter().find(|item| {
                    let field = if key.is_empty() {
                        Some(*item)
                    } else {
                        item.get(&key)
                    };
                    field.and_then(scalar_text).as_deref() == Some(value.as_str())
                }),
                _ => return Err(()),
            },
            _ => return Err(()),
        };
        match next {
            None => return Ok(None),
            Some(v) => at = v,
        }
    }
    Ok(Some(at))
}

/// kustomize's fieldref paths for vars also take `containers[0]` for `containers.0`.
pub(super) fn split_var_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in split(path) {
        match part.find('[') {
            Some(open)
                if open > 0
                    && part.ends_with(']')
                    && part[open + 1..part.len() - 1].parse::<usize>().is_ok() =>
            {
                out.push(part[..open].to_string());
                out.push(part[open + 1..part.len() - 1].to_string());
            }
            _ => out.push(part),
        }
    }
    out
}

/// A text field of a replacement or var entry (`what` names the entry in the reason); empty
/// when absent or null.
pub(super) fn text_field(
    node: &crate::yaml::Node,
    key: &str,
    what: &str,
) -> Result<String, String> {
    match node.get(key) {
        None => Ok(String::new()),
        Some(n) if n.is_null() => Ok(String::new()),
        Some(n) => n
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("{what} `{key}` that is not text")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_split_as_kustomize_splits_them() {
        assert_eq!(
            split("spec.template.spec.containers.[name=app.v1].image"),
            [
                "spec",
                "template",
                "spec",
                "containers",
                "[name=app.v1]",
                "image"
            ]
        );
        assert_eq!(
            split(r"metadata.annotations.config\.kubernetes\.io/x"),
            ["metadata", "annotations", "config.kubernetes.io/x"]
        );
        assert_eq!(split(".a.b"), ["a", "b"]);
        assert_eq!(
            split_var_path("spec.ports[0].port"),
            ["spec", "ports", "0", "port"]
        );
        assert_eq!(part("3"), Some(Part::Index(3)));
        assert_eq!(part("-1"), Some(Part::Field("-1".into())));
        assert_eq!(part("*"), Some(Part::Each));
        assert_eq!(part("[0]"), None);
        assert_eq!(
            part("[=x]"),
            Some(Part::Match {
                key: String::new(),
                value: "x".into()
            })
        );
    }

    #[test]
    fn lookup_finds_sources_as_kyaml_does() {
        let o = json!({"spec": {"ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
                                "args": ["a", "b"]}});
        let find = |p: &str| lookup(&o, &split(p));
        assert_eq!(find("spec.ports.[name=https].port"), Ok(Some(&json!(443))));
        assert_eq!(find("spec.ports.[port=80].name"), Ok(Some(&json!("http"))));
        // Exact, not a regular expression.
        assert_eq!(find("spec.ports.[name=http.*].port"), Ok(None));
        assert_eq!(find("spec.args.-"), Ok(Some(&json!("b"))));
        assert_eq!(find("spec.args.[=a]"), Ok(Some(&json!("a"))));
        assert_eq!(find("spec.ports.5.port"), Ok(None));
        assert_eq!(find("spec.missing.x"), Ok(None));
        assert_eq!(find("spec.ports.*.port"), Err(()));
        assert_eq!(find("spec.ports.name"), Err(()));
    }
}
