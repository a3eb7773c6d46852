//! CustomResourceDefinition -> JSON Schema, with the API server's semantics.
//!
//! A plain reading of `openAPIV3Schema` (what kubeconform's converter does) gets several
//! things wrong that the API server gets right:
//! - a field with a `default` is filled in before validation, so it never fails `required`;
//! - `nullable: true` admits null;
//! - `x-kubernetes-int-or-string` admits both types;
//! - `x-kubernetes-preserve-unknown-fields` keeps unknown fields, and everywhere else a
//!   structural schema prunes them (platc rejects them, since pruning silently drops them);
//! - `x-kubernetes-embedded-resource` objects carry apiVersion and kind;
//! - OpenAPI 3.0's boolean `exclusiveMaximum`/`exclusiveMinimum` become numbers.

use serde_json::{Map, Value, json};

/// One served version of a CRD, converted.
#[derive(Debug, Clone)]
pub struct CrdSchema {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub schema: Value,
    /// `pattern` keywords left out because they cannot compile (each one unchecked).
    pub dropped_patterns: Vec<super::re2::DroppedPattern>,
}

impl CrdSchema {
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }
}

/// Convert every served version of a CRD object.
pub fn convert(crd: &Value) -> Result<Vec<CrdSchema>, String> {
    if crd.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
        return Err("not a CustomResourceDefinition".into());
    }
    let spec = crd.get("spec").ok_or("the CRD has no spec")?;
    let group = spec
        .get("group")
        .and_then(Value::as_str)
        .ok_or("the CRD has no spec.group")?;
    let kind = spec
        .pointer("/names/kind")
        .and_then(Value::as_str)
        .ok_or("the CRD has no spec.names.kind")?;
    let versions = spec
        .get("versions")
        .and_then(Value::as_array)
        .ok_or("the CRD has no spec.versions")?;
    let mut out = Vec::new();
    for version in versions {
        if version.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let name = version
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a CRD version has no name")?;
        let open_api = version
            .pointer("/schema/openAPIV3Schema")
            .or_else(|| spec.pointer("/validation/openAPIV3Schema"))
            .cloned()
            .unwrap_or_else(
                || json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
            );
        let mut schema = convert_node(&open_api);
        // Go RE2 patterns the validator cannot read are rewritten, or dropped alone.
        let dropped_patterns = super::re2::fix_patterns(&mut schema);
        pin_type(&mut schema, &format!("{group}/{name}"), kind);
        out.push(CrdSchema {
            group: group.into(),
            version: name.into(),
            kind: kind.into(),
            schema,
            dropped_patterns,
        });
    }
    Ok(out)
}

/// apiVersion and kind are fixed for the object; metadata is always allowed.
fn pin_type(schema: &mut Value, api_version: &str, kind: &str) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let props = obj.entry("properties").or_insert_with(|| json!({}));
    if let Some(props) = props.as_object_mut() {
        props.insert("apiVersion".into(), json!({"const": api_version}));
        props.insert("kind".into(), json!({"const": kind}));
        // The API server validates metadata as ObjectMeta whatever the CRD says.
        props.insert("metadata".into(), object_meta());
    }
    let required = obj.entry("required").or_insert_with(|| json!([]));
    if let Some(list) = required.as_array_mut() {
        for field in ["apiVersion", "kind"] {
            if !list.iter().any(|v| v == field) {
                list.push(json!(field));
            }
        }
    }
    obj.insert("type".into(), json!("object"));
}

/// ObjectMeta as users write it: a misplaced annotation key directly under `metadata` (such
/// as `argocd.argoproj.io/sync-wave`) is an unknown field, not silently ignored.
pub fn object_meta() -> Value {
    let string_map = json!({"type": "object", "additionalProperties": {"type": "string"}});
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "name": {"type": "string"},
            "generateName": {"type": "string"},
            "namespace": {"type": "string"},
            "labels": string_map,
            "annotations": string_map,
            "finalizers": {"type": "array", "items": {"type": "string"}},
            "ownerReferences": {"type": "array", "items": {"type": "object"}},
            "uid": {"type": "string"},
            "resourceVersion": {"type": "string"},
            "generation": {"type": "integer"},
            "creationTimestamp": {"type": ["string", "null"]},
            "deletionTimestamp": {"type": ["string", "null"]},
            "deletionGracePeriodSeconds": {"type": "integer"},
            "managedFields": {"type": "array", "items": {"type": "object"}},
            "selfLink": {"type": "string"}
        }
    })
}

fn flag(node: &Map<String, Value>, key: &str) -> bool {
    node.get(key).and_then(Value::as_bool) == Some(true)
}

/// How strictly to read schemas.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `type: object` without `properties` admits only `{}` (true for CRDs, where the API
    /// server prunes every field of such an object; false for the built-in types, whose
    /// free-form objects such as `FieldsV1` are written that way).
    pub close_empty_objects: bool,
}

pub const CRD: Options = Options {
    close_empty_objects: true,
};
pub const BUILT_IN: Options = Options {
    close_empty_objects: false,
};

/// Convert one OpenAPI v3 schema node of a CRD (recursively).
pub fn convert_node(node: &Value) -> Value {
    convert_with(node, CRD)
}

/// Convert one OpenAPI v3 schema node (recursively).
pub fn convert_with(node: &Value, options: Options) -> Value {
    let convert_node = |v: &Value| convert_with(v, options);
    let convert_branch = |v: &Value| convert_branch(v, options);
    let Some(src) = node.as_object() else {
        return node.clone();
    };
    let mut out = Map::new();
    let preserve = flag(src, "x-kubernetes-preserve-unknown-fields");
    let int_or_string = flag(src, "x-kubernetes-int-or-string");
    let embedded = flag(src, "x-kubernetes-embedded-resource");
    let nullable = flag(src, "nullable");

    for (key, value) in src {
        match key.as_str() {
            "properties" | "patternProperties" | "definitions" => {
                if let Some(props) = value.as_object() {
                    let converted: Map<String, Value> = props
                        .iter()
                        .map(|(k, v)| (k.clone(), convert_node(v)))
                        .collect();
                    out.insert(key.clone(), Value::Object(converted));
                }
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(
                    key.clone(),
                    if value.is_object() {
                        convert_node(value)
                    } else {
                        value.clone()
                    },
                );
            }
            "allOf" | "anyOf" | "oneOf" => {
                if let Some(list) = value.as_array() {
                    // Inside these, Kubernetes only allows value validations; their
                    // structure comes from the enclosing schema.
                    out.insert(
                        key.clone(),
                        Value::Array(list.iter().map(convert_branch).collect()),
                    );
                }
            }
            "required" => {
                let defaults: Vec<&str> = src
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|props| {
                        props
                            .iter()
                            .filter(|(_, p)| p.get("default").is_some())
                            .map(|(k, _)| k.as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                let list: Vec<Value> = value
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .filter(|r| r.as_str().is_none_or(|r| !defaults.contains(&r)))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                if !list.is_empty() {
                    out.insert("required".into(), Value::Array(list));
                }
            }
            "exclusiveMaximum" | "exclusiveMinimum" => {
                let bound = if key == "exclusiveMaximum" {
                    "maximum"
                } else {
                    "minimum"
                };
                match value {
                    Value::Bool(true) => {
                        if let Some(limit) = src.get(bound) {
                            out.insert(key.clone(), limit.clone());
                        }
                    }
                    Value::Bool(false) => {}
                    other => {
                        out.insert(key.clone(), other.clone());
                    }
                }
            }
            "maximum" | "minimum" => {
                let exclusive = if key == "maximum" {
                    "exclusiveMaximum"
                } else {
                    "exclusiveMinimum"
                };
                if src.get(exclusive).and_then(Value::as_bool) != Some(true) {
                    out.insert(key.clone(), value.clone());
                }
            }
            "type" if int_or_string => {}
            "nullable"
            | "description"
            | "example"
            | "externalDocs"
            | "x-kubernetes-preserve-unknown-fields"
            | "x-kubernetes-int-or-string"
            | "x-kubernetes-embedded-resource"
            | "x-kubernetes-list-type"
            | "x-kubernetes-list-map-keys"
            | "x-kubernetes-map-type"
            | "x-kubernetes-validations"
            | "title" => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }

    if int_or_string {
        out.insert(
            "anyOf".into(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    if embedded {
        let props = out.entry("properties").or_insert_with(|| json!({}));
        if let Some(props) = props.as_object_mut() {
            props
                .entry("apiVersion")
                .or_insert_with(|| json!({"type": "string"}));
            props
                .entry("kind")
                .or_insert_with(|| json!({"type": "string"}));
            props.entry("metadata").or_insert_with(object_meta);
        }
    }
    let is_object = out.get("type").and_then(Value::as_str) == Some("object");
    if is_object && !preserve && !out.contains_key("additionalProperties") {
        // A structural schema: fields it does not declare are pruned by the API server.
        // Reporting them catches typos and misplaced fields that would silently vanish.
        if out.contains_key("properties") {
            out.insert("additionalProperties".into(), json!(false));
        } else if !embedded && options.close_empty_objects {
            // `type: object` with no properties: an empty object only (e.g. `selfSigned: {}`).
            out.insert("additionalProperties".into(), json!(false));
        }
    }
    if nullable {
        if let Some(Value::String(t)) = out.get("type").cloned() {
            out.insert("type".into(), json!([t, "null"]));
        } else if let Some(Value::Array(list)) = out.get_mut("anyOf") {
            list.push(json!({"type": "null"}));
        }
        if let Some(Value::Array(list)) = out.get_mut("enum")
            && !list.contains(&Value::Null)
        {
            list.push(Value::Null);
        }
    }
    Value::Object(out)
}

/// A branch of allOf/anyOf/oneOf: value validations only, so never add structural
/// restrictions there.
fn convert_branch(node: &Value, options: Options) -> Value {
    let mut converted = convert_with(node, options);
    strip_additional(&mut converted);
    converted
}

fn strip_additional(node: &mut Value) {
    if let Some(obj) = node.as_object_mut() {
        if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
            obj.remove("additionalProperties");
        }
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            for v in props.values_mut() {
                strip_additional(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(schema: &Value, instance: Value) -> bool {
        let schema = convert_node(schema);
        jsonschema::draft7::options()
            .should_validate_formats(false)
            .build(&schema)
            .unwrap()
            .is_valid(&instance)
    }

    #[test]
    fn defaults_satisfy_required() {
        let s = json!({"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string", "default": "x"}, "b": {"type": "string"}}});
        assert!(check(&s, json!({"b": "y"})));
        assert!(!check(&s, json!({"a": "y"})));
    }

    #[test]
    fn nullable_int_or_string_and_exclusive_bounds() {
        assert!(check(
            &json!({"type": "string", "nullable": true}),
            json!(null)
        ));
        assert!(!check(&json!({"type": "string"}), json!(null)));
        let ios = json!({"x-kubernetes-int-or-string": true});
        assert!(check(&ios, json!(80)) && check(&ios, json!("http")) && !check(&ios, json!(true)));
        let port = json!({"type": "integer", "maximum": 65536, "exclusiveMaximum": true});
        assert!(check(&port, json!(65535)) && !check(&port, json!(65536)));
    }

    #[test]
    fn unknown_fields_rejected_unless_preserved() {
        let s = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert!(!check(&s, json!({"b": "x"})));
        let p = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {"a": {"type": "string"}}});
        assert!(check(&p, json!({"b": "x"})));
        let m = json!({"type": "object", "additionalProperties": {"type": "string"}});
        assert!(check(&m, json!({"b": "x"})));
    }
}
