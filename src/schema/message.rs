//! Short messages for the schema violations with no finding of their own (`maxProperties`,
//! `minLength`, `oneOf`...): the value they are about is shown as an excerpt, never whole (an
//! object of a few hundred lines would be one line of JSON), and a `oneOf`/`anyOf` says
//! which alternatives failed and why.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind as K;
use serde_json::Value;

/// The longest string quoted in a message, in characters.
const STRING: usize = 40;
/// How many keys of an object an excerpt names.
const KEYS: usize = 4;
/// How many alternatives of a `oneOf`/`anyOf` are explained.
const ALTERNATIVES: usize = 4;

/// The message for one violation, its value cut to an excerpt.
pub fn describe(e: &ValidationError<'_>) -> String {
    let value = excerpt(e.instance());
    match e.kind() {
        K::OneOfNotValid { context } => alternatives(&value, "oneOf", context),
        K::AnyOf { context } => alternatives(&value, "anyOf", context),
        K::OneOfMultipleValid { context } => format!(
            "{value} matches more than one of the {} alternatives of its schema's oneOf: it must match exactly one",
            context.len()
        ),
        _ => {
            let message = e.to_string();
            let whole = e.instance().to_string();
            // jsonschema's messages quote the value whole, mostly first.
            match message.find(&whole) {
                Some(at) if !whole.is_empty() => {
                    format!("{}{value}{}", &message[..at], &message[at + whole.len()..])
                }
                _ => message,
            }
        }
    }
}

/// `{value} matches none of the 3 alternatives of oneOf: (1) at .aws: ...; (2) ...`
fn alternatives(value: &str, keyword: &str, context: &[Vec<ValidationError<'static>>]) -> String {
    let mut reasons: Vec<String> = context
        .iter()
        .take(ALTERNATIVES)
        .enumerate()
        .map(|(i, errors)| {
            let why = errors.first().map_or_else(
                || "no reason given".to_string(),
                |e| {
                    let at = e.instance_path().to_string();
                    let reason = describe(e);
                    if at.is_empty() {
                        reason
                    } else {
                        format!("{at}: {reason}")
                    }
                },
            );
            format!("({}) {why}", i + 1)
        })
        .collect();
    if context.len() > ALTERNATIVES {
        reasons.push(format!("{} more", context.len() - ALTERNATIVES));
    }
    format!(
        "{value} matches none of the {} alternatives of its schema's {keyword}: {}",
        context.len(),
        reasons.join("; ")
    )
}

/// A value as a message shows it: a string quoted and cut (a credential redacted), an object
/// by its first keys, an array by its length.
pub fn excerpt(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let credential = crate::secrets::redact::redact_credentials(s);
            if credential != *s {
                return credential;
            }
            if s.chars().count() > STRING {
                format!("\"{}…\"", s.chars().take(STRING).collect::<String>())
            } else {
                Value::String(s.clone()).to_string()
            }
        }
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let mut keys: Vec<String> = map
                .keys()
                .take(KEYS)
                .map(|k| {
                    let k: String = k.chars().take(STRING).collect();
                    format!("{}: …", Value::String(k))
                })
                .collect();
            if map.len() > KEYS {
                keys.push(format!("… ({} more)", map.len() - KEYS));
            }
            format!("{{{}}}", keys.join(", "))
        }
        Value::Array(items) => match items.len() {
            1 => "[1 item]".into(),
            n => format!("[{n} items]"),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_excerpt_is_short_whatever_the_value() {
        let big: serde_json::Map<String, Value> = (0..50)
            .map(|i| (format!("key{i}"), json!({"nested": "x".repeat(100)})))
            .collect();
        let text = excerpt(&Value::Object(big));
        assert!(text.len() < 80, "{text}");
        assert!(text.starts_with("{\"key"), "{text}");
        assert!(text.ends_with("… (46 more)}"), "{text}");
        assert_eq!(excerpt(&json!("a".repeat(100))).chars().count(), 43);
        assert_eq!(excerpt(&json!([1, 2, 3])), "[3 items]");
        assert_eq!(excerpt(&json!("ok")), "\"ok\"");
    }

    fn messages(schema: Value, instance: Value) -> Vec<String> {
        let v = jsonschema::draft7::new(&schema).unwrap();
        v.iter_errors(&instance).map(|e| describe(&e)).collect()
    }

    #[test]
    fn a_one_of_says_why_each_alternative_failed_without_the_whole_value() {
        let schema = json!({
            "oneOf": [
                {"required": ["aws"]},
                {"properties": {"vault": {"type": "string"}}, "required": ["vault"]}
            ]
        });
        let padding: serde_json::Map<String, Value> = (0..30)
            .map(|i| (format!("p{i}"), json!("y".repeat(60))))
            .collect();
        let mut instance = padding;
        instance.insert("vault".into(), json!({"server": "x"}));
        let got = messages(schema, Value::Object(instance));
        assert_eq!(got.len(), 1, "{got:?}");
        let m = &got[0];
        assert!(m.len() < 300, "{} characters: {m}", m.len());
        assert!(m.contains("matches none of the 2 alternatives"), "{m}");
        assert!(m.contains("(1) ") && m.contains("\"aws\""), "{m}");
        assert!(
            m.contains("(2) /vault: {\"server\": …} is not of type"),
            "{m}"
        );
        assert!(!m.contains("yyyyyyyyyy"), "{m}");
    }

    #[test]
    fn other_messages_show_an_excerpt_in_place_of_the_value() {
        let many: serde_json::Map<String, Value> = (0..10)
            .map(|i| (format!("k{i}"), json!({"a": "z".repeat(200)})))
            .collect();
        let got = messages(json!({"maxProperties": 1}), Value::Object(many));
        assert_eq!(
            got,
            vec![
                "{\"k0\": …, \"k1\": …, \"k2\": …, \"k3\": …, … (6 more)} has more than 1 property"
            ]
        );
    }
}
