//! kustomize's deprecated `vars`: `$(NAME)` in the fields of kustomize's varReference table
//! replaced by a field of one object of the build.
//!
//! As kustomize 5 does it (each point checked against `kubectl kustomize`):
//! - each kustomization binds its vars, after its own transformers, to the one object whose
//!   group, version and kind equal the `objref`'s (an `objref` without `apiVersion` has no
//!   version, and so matches no `v1` object) under any name it has had, and in the
//!   `objref`'s namespace when it gives one; two objects are an error, and so is a var name
//!   given twice anywhere in the build;
//! - once the whole build is done (names final, hashes added), each var reads its field
//!   (`fieldref.fieldpath`, `metadata.name` by default; a var whose object or field is
//!   missing is an error, used or not) and every `$(NAME)` in the fields of the build's
//!   varReference table (kustomize's defaults and what `configurations` add) is replaced;
//!   `$$` is a `$`, an unknown `$(X)` stays as it is, and a field that is exactly
//!   `$(NAME)` takes the value's type (a number stays a number) except in annotations,
//!   which are always strings.

use std::collections::HashMap;

use serde_json::Value;

use super::fieldpath;
use super::{Built, effective, group};
use crate::kustomize::Kustomization;
use crate::kustomize::select::Renames;
use crate::yaml::Node;

/// Why vars are left to kustomize.
type Why = String;

/// A var: its name and the field of its object.
#[derive(Clone)]
pub(crate) struct Var {
    name: String,
    field_path: String,
}

/// Binds the kustomization's vars to the objects it has accumulated.
pub(super) fn merge(
    k: &Kustomization,
    renames: &Renames<'_>,
    built: &mut Built,
) -> Result<(), Why> {
    for entry in k.doc.get("vars").and_then(Node::as_seq).unwrap_or(&[]) {
        let (var, objref) = var(entry)?;
        if built.vars.iter().any(|v| v.name == var.name) {
            return Err(format!(
                "var `{}` given twice (kustomize's error)",
                var.name
            ));
        }
        let mut found = Vec::new();
        for (i, (o, names)) in built.objects.iter().zip(&built.names).enumerate() {
            let api = o["apiVersion"].as_str().unwrap_or_default();
            let version = api.rsplit_once('/').map_or(api, |(_, v)| v);
            if group(o) != objref.group
                || version != objref.version
                || o["kind"].as_str() != Some(objref.kind.as_str())
                || !names.contains(&objref.name)
            {
                continue;
            }
            if !objref.namespace.is_empty() {
                // Namespaces objects had before a `namespace:` count too: not tracked.
                if renames.namespace_set {
                    return Err("a var naming a namespace where `namespace` moves objects".into());
                }
                if effective(o["metadata"]["namespace"].as_str())
                    != effective(Some(&objref.namespace))
                {
                    continue;
                }
            }
            found.push(i);
        }
        match found[..] {
            [] => {}
            [i] => built.var_refs[i].push(var.name.clone()),
            _ => {
                return Err(format!(
                    "var `{}` matches several objects (kustomize's error)",
                    var.name
                ));
            }
        }
        built.vars.push(var);
    }
    Ok(())
}

/// The object a var names: group, version, kind, name and namespace.
struct ObjRef {
    group: String,
    version: String,
    kind: String,
    name: String,
    namespace: String,
}

/// A `vars` entry; kustomize refuses keys it does not know.
fn var(entry: &Node) -> Result<(Var, ObjRef), Why> {
    let only = |node: &Node, allowed: &[&str]| -> Result<(), Why> {
        for (key, _) in node.as_map().ok_or("a var that is not a mapping")? {
            let key = key.as_str().unwrap_or("?");
            if !allowed.contains(&key) {
                return Err(format!("`{key}` in a var"));
            }
        }
        Ok(())
    };
    let text = |node: &Node, key: &str| super::fieldpath::text_field(node, key, "a var's");
    only(entry, &["name", "objref", "fieldref"])?;
    let name = text(entry, "name")?;
    if name.is_empty() {
        return Err("a var without a name".into());
    }
    let objref = entry.get("objref").ok_or("a var without `objref`")?;
    only(
        objref,
        &[
            "apiVersion",
            "group",
            "version",
            "kind",
            "name",
            "namespace",
        ],
    )?;
    let (mut group, mut version) = (text(objref, "group")?, text(objref, "version")?);
    // kustomize's Target.GVK(): `apiVersion` wins over `group` and `version`.
    let api = text(objref, "apiVersion")?;
    match api.split('/').collect::<Vec<_>>()[..] {
        [""] => {}
        [g, v] => (group, version) = (g.into(), v.into()),
        [v] => version = v.into(),
        _ => {}
    }
    let field_path = match entry.get("fieldref") {
        None => String::new(),
        Some(f) if f.is_null() => String::new(),
        Some(f) => {
            only(f, &["fieldpath"])?;
            text(f, "fieldpath")?
        }
    };
    let field_path = if field_path.is_empty() {
        "metadata.name".to_string()
    } else {
        field_path
    };
    Ok((
        Var { name, field_path },
        ObjRef {
            group,
            version,
            kind: text(objref, "kind")?,
            name: text(objref, "name")?,
            namespace: text(objref, "namespace")?,
        },
    ))
}

/// Replaces every var in the table's fields of the finished build.
pub(super) fn resolve(built: &mut Built) -> Result<(), Why> {
    if built.vars.is_empty() {
        return Ok(());
    }
    // Kustomizations built apart (two resource folders) may each give a var its name.
    for (i, var) in built.vars.iter().enumerate() {
        if built.vars[..i].iter().any(|v| v.name == var.name) {
            return Err(format!(
                "var `{}` given twice (kustomize's error)",
                var.name
            ));
        }
    }
    // A value that is not a string, number or boolean leaves `$(NAME)` as it is.
    let mut values: HashMap<&str, Option<Value>> = HashMap::new();
    for var in &built.vars {
        let unmapped = || {
            format!(
                "var `{}` names no object of the build (kustomize's error)",
                var.name
            )
        };
        let at = built
            .var_refs
            .iter()
            .position(|names| names.contains(&var.name))
            .ok_or_else(unmapped)?;
        let missing = || {
            format!(
                "var `{}`: field `{}` missing (kustomize's error)",
                var.name, var.field_path
            )
        };
        let parts = fieldpath::split_var_path(&var.field_path);
        let value = fieldpath::lookup(&built.objects[at], &parts)
            .map_err(|_| missing())?
            .ok_or_else(missing)?;
        let value = match value {
            Value::String(_) | Value::Bool(_) => Some(value.clone()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(value.clone()),
            Value::Object(_) | Value::Array(_) => None,
            _ => return Err(format!("var `{}`: a float or null value", var.name)),
        };
        values.insert(&var.name, value);
    }
    // The fields of kustomize's varReference table (and what `configurations` add).
    let tables = built.config.0.clone();
    for o in built.objects.iter_mut() {
        let selected: Vec<_> = tables
            .var_reference
            .iter()
            .filter(|s| s.selects(o))
            .collect();
        for spec in selected {
            let parts = spec.keys();
            let annotations = parts == ["metadata", "annotations"];
            walk(o, &parts, &|text| expand(text, &values, annotations))?;
        }
    }
    Ok(())
}

/// Visits the fields at a table path (a list on the way: each of its elements) and replaces
/// the strings there: the field itself, the values of a map, the items of a list.
fn walk(
    node: &mut Value,
    parts: &[&str],
    expand: &impl Fn(&str) -> Result<Value, Why>,
) -> Result<(), Why> {
    let Some((first, rest)) = parts.split_first() else {
        return match node {
            Value::String(s) => {
                *node = expand(s)?;
                Ok(())
            }
            Value::Object(map) => {
                for value in map.values_mut() {
                    if let Value::String(s) = value {
                        *value = expand(s)?;
                    }
                }
                Ok(())
            }
            Value::Array(items) => {
                for item in items {
                    let Value::String(s) = item else {
                        return Err("a var field list holding something other than strings (kustomize's error)".into());
                    };
                    *item = expand(s)?;
                }
                Ok(())
            }
            _ => Ok(()),
        };
    };
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items {
                walk(item, parts, expand)?;
            }
            Ok(())
        }
        Value::Object(map) => match map.get_mut(*first) {
            Some(child) => walk(child, rest, expand),
            None => Ok(()),
        },
        _ => Err("a var field path through a scalar (kustomize's error)".into()),
    }
}

/// Kubernetes' `$(VAR)` expansion as kustomize runs it: `$$` is `$`, an unknown or
/// unfinished reference stays, and a string that is only `$(NAME)` takes the value itself.
fn expand(
    input: &str,
    values: &HashMap<&str, Option<Value>>,
    annotation: bool,
) -> Result<Value, Why> {
    let bytes = input.as_bytes();
    let mut out = String::new();
    let (mut checkpoint, mut cursor) = (0, 0);
    while cursor < bytes.len() {
        if bytes[cursor] == b'$' && cursor + 1 < bytes.len() {
            out.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let advance = match rest.as_bytes()[0] {
                b'$' => {
                    out.push('$');
                    1
                }
                b'(' => match rest[1..].find(')') {
                    Some(end) => {
                        let name = &rest[1..1 + end];
                        let value = match values.get(name) {
                            Some(Some(v)) => v.clone(),
                            _ => Value::String(format!("$({name})")),
                        };
                        if input.len() == name.len() + 3 {
                            return Ok(match value {
                                // Annotations are written back as strings.
                                Value::Number(n) if annotation => Value::String(n.to_string()),
                                Value::Bool(b) if annotation => Value::String(b.to_string()),
                                v => v,
                            });
                        }
                        match value {
                            Value::String(s) => out.push_str(&s),
                            other => out.push_str(&other.to_string()),
                        }
                        end + 2
                    }
                    None => {
                        out.push_str("$(");
                        1
                    }
                },
                // Go copies the byte after `$` as a character of its own: a non-ASCII one
                // comes out mangled.
                b if b.is_ascii() => {
                    out.push('$');
                    out.push(b as char);
                    1
                }
                _ => return Err("a `$` before a non-ASCII character in a var field".into()),
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.push_str(&input[checkpoint..]);
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expansion_as_kubernetes_does_it() {
        let values: HashMap<&str, Option<Value>> = [
            ("SVC", Some(json!("db"))),
            ("PORT", Some(json!(5432))),
            ("MAP", None),
        ]
        .into_iter()
        .collect();
        let x = |s: &str| expand(s, &values, false).unwrap();
        assert_eq!(x("$(SVC)"), json!("db"));
        assert_eq!(x("$(PORT)"), json!(5432));
        assert_eq!(expand("$(PORT)", &values, true).unwrap(), json!("5432"));
        assert_eq!(x("h=$(SVC):$(PORT)"), json!("h=db:5432"));
        assert_eq!(x("$$(SVC)"), json!("$(SVC)"));
        assert_eq!(x("$(NOPE) $(MAP)"), json!("$(NOPE) $(MAP)"));
        assert_eq!(x("$(SVC"), json!("$(SVC"));
        assert_eq!(x("a$b $"), json!("a$b $"));
        assert!(expand("$é", &values, false).is_err());
    }
}
