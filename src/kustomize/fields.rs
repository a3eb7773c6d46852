//! The fields of a kustomization and what each holds (kustomize v5's Kustomization and
//! Component): kustomize refuses a file with an unknown field or a field of the wrong type.

use crate::yaml::{Node, Value};

/// What a field of a kustomization holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Text,
    Texts,
    Map,
    Maps,
    Bool,
    /// Anything (kustomize checks these itself, or they vary by version).
    Any,
}

/// kustomize's Kustomization and Component fields (v5).
pub const FIELDS: &[(&str, Shape)] = &[
    ("apiVersion", Shape::Text),
    ("kind", Shape::Text),
    ("metadata", Shape::Map),
    ("resources", Shape::Texts),
    ("bases", Shape::Texts),
    ("components", Shape::Texts),
    ("crds", Shape::Texts),
    ("namespace", Shape::Text),
    ("namePrefix", Shape::Text),
    ("nameSuffix", Shape::Text),
    ("labels", Shape::Maps),
    ("commonLabels", Shape::Map),
    ("commonAnnotations", Shape::Map),
    ("patches", Shape::Maps),
    ("patchesStrategicMerge", Shape::Texts),
    ("patchesJson6902", Shape::Maps),
    ("images", Shape::Maps),
    ("replicas", Shape::Maps),
    ("configMapGenerator", Shape::Maps),
    ("secretGenerator", Shape::Maps),
    ("generatorOptions", Shape::Map),
    ("helmCharts", Shape::Maps),
    ("helmGlobals", Shape::Map),
    ("helmChartInflationGenerator", Shape::Maps),
    ("replacements", Shape::Maps),
    ("configurations", Shape::Texts),
    ("generators", Shape::Texts),
    ("transformers", Shape::Texts),
    ("validators", Shape::Texts),
    ("openapi", Shape::Map),
    ("buildMetadata", Shape::Texts),
    ("sortOptions", Shape::Map),
    ("vars", Shape::Maps),
    ("inventory", Shape::Map),
    ("namespaceTransformer", Shape::Any),
    ("imageTags", Shape::Maps),
    ("omitLegacyAPIVersionCheck", Shape::Bool),
];

/// What is wrong with a kustomization's fields: (the node, the message, the help).
pub fn problems(doc: &Node) -> Vec<(&Node, String, String)> {
    let mut out = Vec::new();
    let Some(entries) = doc.as_map() else {
        return out;
    };
    for (key, value) in entries {
        let Some(name) = key.as_str() else { continue };
        match FIELDS.iter().find(|(f, _)| *f == name) {
            None => {
                let help = crate::suggest::did_you_mean(name, FIELDS.iter().map(|(f, _)| *f))
                    .map_or_else(
                        || "remove it: kustomize refuses fields it does not know".to_string(),
                        |s| format!("did you mean `{s}`?"),
                    );
                out.push((
                    key,
                    format!("unknown field `{name}` in the kustomization"),
                    help,
                ));
            }
            Some((_, shape)) if !fits(value, *shape) => {
                // In a list, point at the entry that does not fit.
                let item_shape = match shape {
                    Shape::Texts => Some(Shape::Text),
                    Shape::Maps => Some(Shape::Map),
                    _ => None,
                };
                let bad_item = item_shape.and_then(|item| {
                    value
                        .as_seq()
                        .and_then(|items| items.iter().find(|i| !fits(i, item)))
                        .map(|i| (i, item))
                });
                out.push(match bad_item {
                    Some((item, item_shape)) => (
                        item,
                        format!(
                            "each entry of `{name}` must be {}, this one is {}",
                            describe(item_shape),
                            item.describe()
                        ),
                        format!("write the entry as {}", describe(item_shape)),
                    ),
                    None => (
                        key,
                        format!(
                            "`{name}` must be {}, not {}",
                            describe(*shape),
                            value.describe()
                        ),
                        format!("write `{name}` as {}", describe(*shape)),
                    ),
                });
            }
            Some(_) => {}
        }
    }
    out
}

fn fits(value: &Node, shape: Shape) -> bool {
    let seq_of = |ok: fn(&Node) -> bool| value.as_seq().is_some_and(|items| items.iter().all(ok));
    match shape {
        _ if value.is_null() => true,
        Shape::Text => value.as_str().is_some(),
        Shape::Texts => seq_of(|n| n.as_str().is_some()),
        Shape::Map => value.as_map().is_some(),
        Shape::Maps => seq_of(|n| n.as_map().is_some()),
        Shape::Bool => matches!(value.value, Value::Bool(_)),
        Shape::Any => true,
    }
}

fn describe(shape: Shape) -> &'static str {
    match shape {
        Shape::Text => "a string",
        Shape::Texts => "a list of strings",
        Shape::Map => "a mapping",
        Shape::Maps => "a list of mappings",
        Shape::Bool => "true or false",
        Shape::Any => "anything",
    }
}
