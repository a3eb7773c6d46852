//! Schema violations as findings: where to look, what was expected, what was found, and
//! what the person most likely meant.

use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::schema::{Problem, Schema, Violation};
use crate::suggest::did_you_mean;
use crate::yaml::{Node, Value};

fn join(pointer: &str, field: &str) -> String {
    format!("{pointer}/{}", field.replace('~', "~0").replace('/', "~1"))
}

/// `spec.destination` for `/spec/destination`, `the object` for the root.
fn dotted(pointer: &str) -> String {
    if pointer.is_empty() {
        "the object".into()
    } else {
        let mut out = String::new();
        for segment in pointer.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            if segment.bytes().all(|b| b.is_ascii_digit()) {
                out.push_str(&format!("[{segment}]"));
            } else {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&segment);
            }
        }
        out
    }
}

fn found(node: &Node) -> String {
    match &node.value {
        // A credential in the wrong place is still never printed.
        Value::Str { text, .. } if !crate::secrets::scan::scan("value", text).is_empty() => {
            format!("the string {}", crate::secrets::redact::redact(text))
        }
        Value::Str { text, .. } => format!("the string \"{}\"", truncate(text)),
        _ => node.describe(),
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

pub fn finding(o: &ObjectRef<'_>, schema: &Schema, v: &Violation) -> Finding {
    let root = o.node();
    match &v.problem {
        Problem::UnknownField { field, known } => {
            let at = join(&v.pointer, field);
            let node = root.pointer_key(&at).unwrap_or(root);
            let mut f = o.finding(
                "schema/unknown-field",
                Severity::Error,
                format!("unknown field `{field}` in {}", dotted(&v.pointer)),
                node,
                &at,
            );
            f.help = unknown_field_help(schema, &v.pointer, field, known);
            f
        }
        Problem::Required { field } => {
            let node = if v.pointer.is_empty() {
                root
            } else {
                root.pointer_key(&v.pointer).unwrap_or(root)
            };
            o.finding(
                "schema/missing-field",
                Severity::Error,
                format!(
                    "{} is missing the required field `{field}`",
                    dotted(&v.pointer)
                ),
                node,
                &v.pointer,
            )
        }
        Problem::Type { expected } => {
            let node = root.pointer(&v.pointer).unwrap_or(root);
            let expected = expected.join(" or ");
            let mut f = o.finding(
                "schema/wrong-type",
                Severity::Error,
                format!(
                    "{}: expected {expected}, found {}",
                    dotted(&v.pointer),
                    found(node)
                ),
                node,
                &v.pointer,
            );
            f.help = type_help(node, &expected);
            f
        }
        Problem::Enum { options } => {
            let node = root.pointer(&v.pointer).unwrap_or(root);
            let names: Vec<String> = options
                .iter()
                .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string))
                .collect();
            let mut f = o.finding(
                "schema/invalid-value",
                Severity::Error,
                format!(
                    "{}: {} is not one of {}",
                    dotted(&v.pointer),
                    found(node),
                    names.join(", ")
                ),
                node,
                &v.pointer,
            );
            if let Some(text) = node.as_str()
                && let Some(s) = did_you_mean(text, names.iter().map(String::as_str))
            {
                f.help = Some(format!("did you mean `{s}`?"));
            }
            f
        }
        Problem::Pattern { pattern } => {
            let node = root.pointer(&v.pointer).unwrap_or(root);
            o.finding(
                "schema/invalid-value",
                Severity::Error,
                format!(
                    "{}: {} does not match `{pattern}`",
                    dotted(&v.pointer),
                    found(node)
                ),
                node,
                &v.pointer,
            )
        }
        Problem::Other(message) => {
            let node = root.pointer(&v.pointer).unwrap_or(root);
            o.finding(
                "schema/invalid",
                Severity::Error,
                format!("{}: {message}", dotted(&v.pointer)),
                node,
                &v.pointer,
            )
        }
    }
}

fn unknown_field_help(
    schema: &Schema,
    pointer: &str,
    field: &str,
    known: &[String],
) -> Option<String> {
    unknown_field_mistake(schema, pointer, field, known).or_else(|| {
        (!known.is_empty() && known.len() <= 15)
            .then(|| format!("known fields: {}", known.join(", ")))
    })
}

/// Whether a violation is one a schema of another version of the same CRD could explain: a
/// required field missing, or a field the schema does not know and that is no visible
/// mistake (no close name, not misplaced, not an annotation under metadata). A typo is a
/// typo in every version; a field added or removed upstream looks like nothing known.
pub fn version_dependent(schema: &Schema, v: &Violation) -> bool {
    match &v.problem {
        Problem::Required { .. } => true,
        Problem::UnknownField { field, known } => {
            unknown_field_mistake(schema, &v.pointer, field, known).is_none()
        }
        _ => false,
    }
}

/// What an unknown field most likely is when it is a mistake: an annotation under
/// metadata, a field one level too deep, or a typo of a known name.
fn unknown_field_mistake(
    schema: &Schema,
    pointer: &str,
    field: &str,
    known: &[String],
) -> Option<String> {
    // An annotation or label key written straight under metadata (silently ignored by
    // tools that do not validate): the seed's sync-wave mistake.
    if pointer == "/metadata" && (field.contains('/') || field.contains('.')) {
        return Some(format!(
            "`{field}` looks like an annotation: move it under `metadata.annotations`"
        ));
    }
    // A field that exists higher up: `project` under `spec.destination` belongs in `spec`.
    let mut parent = pointer.to_string();
    while let Some(i) = parent.rfind('/') {
        parent.truncate(i);
        if schema.fields_at(&parent).iter().any(|f| f == field) {
            return Some(format!(
                "`{field}` belongs in {}, not in {}",
                dotted(&parent),
                dotted(pointer)
            ));
        }
    }
    did_you_mean(field, known.iter().map(String::as_str)).map(|s| format!("did you mean `{s}`?"))
}

fn type_help(node: &Node, expected: &str) -> Option<String> {
    match (&node.value, expected) {
        (Value::Bool(b), e) if e.contains("string") => Some(format!(
            "YAML 1.1 reads this as the boolean {b} (Kubernetes uses YAML 1.1): quote it"
        )),
        (Value::Int(_) | Value::Float(_) | Value::UInt(_), e)
            if e.contains("string") && !e.contains("integer") && !e.contains("number") =>
        {
            Some("YAML reads this as a number: quote it".into())
        }
        (Value::Str { text, .. }, e)
            if (e.contains("integer") || e.contains("number")) && text.parse::<f64>().is_ok() =>
        {
            Some("this is a quoted number: remove the quotes".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod found_tests {
    use super::*;
    use crate::yaml::Span;

    #[test]
    fn a_credential_in_a_violation_is_redacted() {
        // Assembled here so that no credential-like string is in the source.
        let token = format!("ghp_{}", "Zq9X2kdwrafhiexbmtqvzjclnopsguykdwr1");
        let text = found(&Node::str(token.clone(), Span::default()));
        assert!(!text.contains(&token[4..]), "{text}");
        assert!(text.starts_with("the string ghp_"), "{text}");
        assert_eq!(
            found(&Node::str("Always", Span::default())),
            "the string \"Always\""
        );
    }
}
