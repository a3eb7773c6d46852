//! Built objects printed byte for byte as `kustomize build` (kustomize 5.x, as `kubectl
//! kustomize` embeds it) prints them.
//!
//! kustomize sorts the objects in its legacy order ([`order`]), turns each into JSON and the
//! JSON into YAML through sigs.k8s.io/yaml, that is go-yaml v2: keys sorted ([`keys`]),
//! numbers and quoting as go-yaml v2 reads and writes them ([`scalar`]), and its emitter's
//! layout ([`emitter`]: sequences not indented under their key, lines folded at 80 columns,
//! literal blocks for multi-line text). Documents are joined by `---` lines.
//!
//! The go-yaml v2 parts are ports of its MIT-licensed Go code (itself ported from libyaml),
//! checked against `kubectl kustomize` on every fixture (tests/kustomize_native.rs).

mod emitter;
mod keys;
pub mod order;
mod scalar;

use serde_json::Value;

/// A folder built in process and printed as `kustomize build` prints it, or why platc leaves
/// it to kustomize (a field it does not build, or a string kustomize cannot print).
pub fn build(
    root: &std::path::Path,
    kustomizations: &super::Kustomizations,
    registry: &crate::schema::registry::Registry,
    dir: &str,
) -> Result<String, super::native::Unsupported> {
    let objects = super::native::try_build(root, kustomizations, registry, dir)?;
    build_output(&objects).map_err(|reason| super::native::Unsupported {
        dir: dir.to_string(),
        reason,
    })
}

/// The output of `kustomize build` for these objects, or why kustomize cannot print them
/// (a string holding a character its YAML reader refuses: kustomize fails, and says so).
pub fn build_output(objects: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    for (i, object) in order::legacy(objects).into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&document(object)?);
    }
    Ok(out)
}

/// One object as kustomize prints it (no separator).
pub fn document(object: &Value) -> Result<String, String> {
    if let Some(c) = find_char(object, &|c| scalar::unreadable(c)) {
        return Err(format!(
            "a string holding U+{:04X}, which kustomize's YAML reader refuses",
            c as u32
        ));
    }
    if find_char(object, &|c| c == '\u{85}').is_some() {
        return Ok(emitter::document(&through_json(object)));
    }
    Ok(emitter::document(object))
}

/// The first character of a key or string that `pick` picks.
fn find_char(value: &Value, pick: &impl Fn(char) -> bool) -> Option<char> {
    match value {
        Value::String(s) => s.chars().find(|c| pick(*c)),
        Value::Array(items) => items.iter().find_map(|v| find_char(v, pick)),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| k.chars().find(|c| pick(*c)).or_else(|| find_char(v, pick))),
        _ => None,
    }
}

/// The value with its keys, strings and numbers as go-yaml v2 reads them back from JSON:
/// what the printed text means.
pub fn through_json(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(scalar::through_json(s)),
        Value::Array(items) => Value::Array(items.iter().map(through_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (scalar::through_json(k), through_json(v)))
                .collect(),
        ),
        // A number as its printed text reads (`1.0` prints as `1`, an integer).
        Value::Number(n) => {
            serde_json::from_str(&scalar::number(n)).unwrap_or(Value::Number(n.clone()))
        }
        other => other.clone(),
    }
}
