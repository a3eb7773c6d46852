//! Emit YAML that Kubernetes reads back exactly as meant.
//!
//! serde-saphyr quotes strings that YAML 1.1 would misread (`on`, `y`, `0755`); the tests
//! below hold it to that by reading every emitted document back with the YAML 1.1 resolver.

use serde::Serialize;

/// One YAML document for a serializable value, ending in a newline.
pub fn to_yaml<T: Serialize>(value: &T) -> String {
    // Long single-line strings stay on one line: folded scalars make diffs noisy and
    // are a common source of whitespace surprises in annotations.
    let options = serde_saphyr::ser_options! {
        folded_wrap_chars: usize::MAX / 2,
    };
    let mut out = serde_saphyr::to_string_with_options(value, options)
        .expect("serializing in-memory JSON values to YAML cannot fail");
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;
    use serde_json::json;

    fn roundtrip(value: &serde_json::Value) -> serde_json::Value {
        let text = to_yaml(value);
        let stream = parse_stream(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        stream.documents[0].to_json()
    }

    #[test]
    fn yaml_11_lookalikes_survive() {
        let v = json!({
            "a": "on", "b": "y", "c": "0755", "d": "yes", "e": "1.30", "f": "~", "g": "",
            "h": "0x1F", "i": "1_000", "j": "NO", "k": "null", "l": "-.inf", "m": "1e3",
            "n": "Y", "o": "off", "p": "09", "q": "+7", "r": "0b11", "s": "=", "t": "- x",
            "u": "a: b", "v": "#x", "w": "line1\nline2\n", "x": " padded", "y": "{{ x }}",
            "z": "*ref",
        });
        assert_eq!(roundtrip(&v), v);
    }

    #[test]
    fn key_lookalikes_survive() {
        let v = json!({"on": 1, "y": 2, "0755": 3, "true": 4, "null": 5});
        assert_eq!(roundtrip(&v), v);
    }

    #[test]
    fn numbers_and_nesting() {
        let v =
            json!({"n": 3, "f": 1.5, "b": true, "z": null, "l": [1, "two", {"x": []}], "m": {}});
        assert_eq!(roundtrip(&v), v);
    }

    #[test]
    fn key_order_is_kept() {
        let v = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
        let text = to_yaml(&v);
        assert!(
            text.starts_with("apiVersion: v1\nkind: ConfigMap\n"),
            "{text}"
        );
    }
}
