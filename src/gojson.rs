//! JSON as Go's encoding/json writes it: map keys sorted, and `<`, `>`, `&`, U+2028 and
//! U+2029 escaped (safe in HTML). Both kustomize's generator hashes and sprig's `toJson` in
//! Argo CD's ApplicationSet templates are this encoding; the caller says how numbers print.

use serde_json::{Number, Value};

/// Append `value` to `out`, numbers written by `number`.
pub fn write(value: &Value, out: &mut String, number: fn(&Number) -> String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out, number);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write(&map[key], out, number);
            }
            out.push('}');
        }
    }
}

/// Append `s` as a Go JSON string.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escapes_what_go_escapes() {
        let mut out = String::new();
        write(
            &serde_json::json!({"b": "<a&b>\n\u{2028}\u{1}", "a": {"z": 1, "y": ""}}),
            &mut out,
            |n| n.to_string(),
        );
        assert_eq!(
            out,
            r#"{"a":{"y":"","z":1},"b":"\u003ca\u0026b\u003e\n\u2028\u0001"}"#
        );
    }
}
