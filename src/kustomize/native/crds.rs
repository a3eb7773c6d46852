//! `crds`: OpenAPI definitions (the map of type name to `{Schema, Dependencies}` that
//! openapi-gen writes, JSON or YAML) whose properties carry kustomize's extensions, turned
//! into transformer configuration as kustomize 5 does (each point checked against
//! `kubectl kustomize`):
//! - the kinds are the types that have `apiVersion`, `kind` and `metadata` properties, each
//!   named by the last `.`-separated part of its type name (no group or version);
//! - their properties are walked, and those of the types their `$ref`s name (by the exact
//!   text of the reference; list items are not followed);
//! - `x-kubernetes-object-ref-kind` with `x-kubernetes-object-ref-api-version` make the
//!   property a reference to an object of that kind and version, by its key `name` (or the
//!   one `x-kubernetes-object-ref-name-key` gives); `x-kubernetes-label-selector` makes it a
//!   `commonLabels` field, `x-kubernetes-annotation` a `commonAnnotations` field, and
//!   `x-kubernetes-identity` a `namePrefix` field (not a suffix one), none created when
//!   missing. An extension counts only when its value is text.

use serde_json::{Map, Value};

use super::config::{Config, FieldSpec, NameReference};

/// Why a CRD file is left to kustomize.
type Why = String;

/// How deep `$ref`s are followed: a type that contains itself would make kustomize recurse
/// without end; such a file is left to it.
const MAX_DEPTH: usize = 32;

/// The configuration a `crds` file gives.
pub(super) fn config(text: &str) -> Result<Config, Why> {
    let definitions: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("JSON platc cannot read: {e}"))?
    } else {
        let docs = super::read::documents(text, super::read::Role::Patch)
            .ok_or("YAML platc does not read as kustomize does")?;
        match <[Value; 1]>::try_from(docs) {
            Ok([doc]) => doc,
            Err(_) => return Err("not one YAML document".into()),
        }
    };
    let definitions = definitions
        .as_object()
        .ok_or("not a map of OpenAPI definitions")?;
    shaped_as_kustomize_reads(definitions)?;
    let mut config = Config {
        extended: true,
        ..Config::default()
    };
    // In type name order: the result does not depend on it, the errors do not either.
    let mut names: Vec<&String> = definitions.keys().collect();
    names.sort();
    for name in names {
        let properties = properties(&definitions[name.as_str()]);
        let is_kind = ["apiVersion", "kind", "metadata"]
            .iter()
            .all(|p| properties.is_some_and(|m| m.contains_key(*p)));
        if !is_kind {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or(name).to_string();
        walk(definitions, &kind, name, &mut Vec::new(), &mut config)?;
    }
    Ok(config)
}

/// kustomize decodes the definitions with Go's JSON decoder: it fails on a definition, a
/// schema or `properties` that is not a map, and matches `Schema` and `properties` whatever
/// their case. Such files are left to it rather than read another way.
fn shaped_as_kustomize_reads(definitions: &Map<String, Value>) -> Result<(), Why> {
    let other_case = |map: &Map<String, Value>, key: &str| {
        map.keys().any(|k| k != key && k.eq_ignore_ascii_case(key))
    };
    for (name, definition) in definitions {
        let definition = definition
            .as_object()
            .ok_or_else(|| format!("definition `{name}` that is not a map"))?;
        if other_case(definition, "Schema") {
            return Err(format!(
                "definition `{name}` with `Schema` spelt in another case"
            ));
        }
        let Some(schema) = definition.get("Schema") else {
            continue;
        };
        let schema = schema
            .as_object()
            .ok_or_else(|| format!("definition `{name}` whose schema is not a map"))?;
        if other_case(schema, "properties")
            || schema.get("properties").is_some_and(|p| !p.is_object())
        {
            return Err(format!(
                "definition `{name}` with `properties` kustomize reads otherwise"
            ));
        }
    }
    Ok(())
}

/// The `properties` of a definition's schema.
fn properties(definition: &Value) -> Option<&Map<String, Value>> {
    definition.get("Schema")?.get("properties")?.as_object()
}

/// The field specs of one type's properties (at `path` in objects of `kind`), and of the
/// types they refer to.
fn walk(
    definitions: &Map<String, Value>,
    kind: &str,
    type_name: &str,
    path: &mut Vec<String>,
    config: &mut Config,
) -> Result<(), Why> {
    if path.len() > MAX_DEPTH {
        return Err(format!("type `{type_name}` nested without end"));
    }
    let Some(properties) = definitions.get(type_name).and_then(properties) else {
        return Ok(());
    };
    for (name, property) in properties {
        let text = |key: &str| property.get(key).and_then(Value::as_str);
        path.push(name.clone());
        let spec = |path: &[String]| FieldSpec {
            group: None,
            version: None,
            kind: Some(kind.to_string()),
            path: path.to_vec(),
            create: false,
        };
        if text("x-kubernetes-annotation").is_some() {
            config.common_annotations.push(spec(path));
        }
        if text("x-kubernetes-label-selector").is_some() {
            config.common_labels.push(spec(path));
        }
        if text("x-kubernetes-identity").is_some() {
            config.name_prefix.push(spec(path));
        }
        if let (Some(version), Some(target)) = (
            text("x-kubernetes-object-ref-api-version"),
            text("x-kubernetes-object-ref-kind"),
        ) {
            let key = text("x-kubernetes-object-ref-name-key").unwrap_or("name");
            let mut at = path.clone();
            at.push(key.to_string());
            config.name_reference.push(NameReference {
                group: None,
                version: Some(version.to_string()).filter(|v| !v.is_empty()),
                kind: target.to_string(),
                specs: vec![spec(&at)],
            });
        }
        if let Some(reference) = text("$ref") {
            walk(definitions, kind, reference, path, config)?;
        }
        path.pop();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_become_field_specs() {
        let text = r#"{
          "x.io/v1.Bee": {"Schema": {"properties": {
            "apiVersion": {}, "kind": {}, "metadata": {},
            "spec": {"$ref": "x.io/v1.BeeSpec"}}}},
          "x.io/v1.BeeSpec": {"Schema": {"properties": {
            "secretRef": {"x-kubernetes-object-ref-api-version": "v1",
                          "x-kubernetes-object-ref-kind": "Secret"},
            "cm": {"x-kubernetes-object-ref-api-version": "v1",
                   "x-kubernetes-object-ref-kind": "ConfigMap",
                   "x-kubernetes-object-ref-name-key": "cmName"},
            "selector": {"x-kubernetes-label-selector": ""},
            "notes": {"x-kubernetes-annotation": true},
            "self": {"x-kubernetes-identity": ""},
            "loop": {"$ref": "x.io/v1.Other"}}}}
        }"#;
        let config = config(text).unwrap();
        let paths = |specs: &[FieldSpec]| -> Vec<String> {
            specs.iter().map(|s| s.path.join("/")).collect()
        };
        assert_eq!(paths(&config.common_labels), ["spec/selector"]);
        // Only text values count.
        assert!(config.common_annotations.is_empty());
        assert_eq!(paths(&config.name_prefix), ["spec/self"]);
        let refs: Vec<(String, String)> = config
            .name_reference
            .iter()
            .map(|r| (r.kind.clone(), r.specs[0].path.join("/")))
            .collect();
        assert!(refs.contains(&("Secret".into(), "spec/secretRef/name".into())));
        assert!(refs.contains(&("ConfigMap".into(), "spec/cm/cmName".into())));
        assert_eq!(
            config.name_reference[0].specs[0].kind.as_deref(),
            Some("Bee")
        );
        // A type that contains itself is left to kustomize.
        let looped = r#"{"a.T": {"Schema": {"properties": {"apiVersion": {}, "kind": {},
            "metadata": {}, "next": {"$ref": "a.T"}}}}}"#;
        assert!(super::config(looped).is_err());
    }
}
