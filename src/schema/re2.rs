//! CRD `pattern`s are Go RE2 expressions (the API server compiles them with Go's regexp);
//! JSON Schema validators read ECMA-262. The two agree on most patterns, not on inline flags:
//! `^(?i)(abort|warn)?$` is valid RE2 and is rejected by an ECMA engine, which made the whole
//! schema of a real CRD fail to compile. Here a pattern that does not compile as it is gets
//! its `(?i)` flags rewritten into case-folded character classes (same language); one that
//! still does not compile is dropped alone, so one keyword never costs the whole kind.

use serde_json::{Map, Value, json};

/// A `pattern` keyword left out of a schema because it cannot compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedPattern {
    /// JSON pointer to the schema node that held the keyword.
    pub pointer: String,
    pub pattern: String,
}

/// Rewrite or drop the `pattern`s of a converted schema that the validator cannot compile.
/// Returns the patterns dropped, in document order.
pub fn fix_patterns(schema: &mut Value) -> Vec<DroppedPattern> {
    let mut dropped = Vec::new();
    walk(schema, &mut String::new(), &mut dropped);
    dropped
}

fn walk(node: &mut Value, pointer: &mut String, dropped: &mut Vec<DroppedPattern>) {
    let len = pointer.len();
    match node {
        Value::Object(map) => {
            if let Some(pattern) = fix_one(map) {
                dropped.push(DroppedPattern {
                    pointer: pointer.clone(),
                    pattern,
                });
            }
            for (k, v) in map.iter_mut() {
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                walk(v, pointer, dropped);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                pointer.push_str(&format!("/{i}"));
                walk(v, pointer, dropped);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Fix one schema node's `pattern`; the pattern, when it had to be dropped.
fn fix_one(map: &mut Map<String, Value>) -> Option<String> {
    let Some(Value::String(pattern)) = map.get("pattern") else {
        return None;
    };
    if compiles(pattern) {
        return None;
    }
    let rewritten = fold_inline_case_flags(pattern);
    if let Some(r) = rewritten.filter(|r| compiles(r)) {
        map.insert("pattern".into(), Value::String(r));
        None
    } else {
        match map.remove("pattern") {
            Some(Value::String(p)) => Some(p),
            _ => None,
        }
    }
}

impl DroppedPattern {
    /// The field the keyword applied to, as an object path (`spec.rules[].name`), from its
    /// place in the schema.
    pub fn field(&self) -> String {
        let mut out = String::new();
        let mut tokens = self.pointer.split('/').skip(1).peekable();
        while let Some(token) = tokens.next() {
            match token {
                "properties" | "patternProperties" => {
                    if let Some(name) = tokens.next() {
                        if !out.is_empty() {
                            out.push('.');
                        }
                        out.push_str(&name.replace("~1", "/").replace("~0", "~"));
                    }
                }
                "items" => out.push_str("[]"),
                "additionalProperties" => out.push_str(".*"),
                _ => {}
            }
        }
        if out.is_empty() {
            "(the object)".into()
        } else {
            out
        }
    }

    /// What to tell a person: which keyword is unchecked and why.
    pub fn message(&self, kind: &str) -> String {
        let mut shown: String = self.pattern.chars().take(80).collect();
        if shown.len() < self.pattern.len() {
            shown.push('…');
        }
        format!(
            "the {kind} CRD's `pattern` for {} (`{shown}`) is not a regular expression platc can compile: that keyword is not checked, the rest of the schema is",
            self.field()
        )
    }
}

fn compiles(pattern: &str) -> bool {
    jsonschema::draft7::options()
        .should_validate_formats(false)
        .build(&json!({"type": "string", "pattern": pattern}))
        .is_ok()
}

/// `(?i)` and `(?i:...)` as RE2 reads them (to the end of the enclosing group), written as
/// character classes: `(?i)ab` becomes `[aA][bB]`. `None` for other inline flags.
pub fn fold_inline_case_flags(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() * 2);
    // One entry per open group: whether case folding is on inside it.
    let mut stack: Vec<bool> = vec![false];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let fold = *stack.last().unwrap_or(&false);
        match c {
            '\\' => {
                out.push(c);
                if let Some(next) = chars.get(i + 1) {
                    out.push(*next);
                }
                i += 2;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                // `(?i)`, `(?i:`, or another `(?...` construct.
                let rest: String = chars[i + 2..].iter().take(3).collect();
                if rest.starts_with("i)") {
                    if let Some(top) = stack.last_mut() {
                        *top = true;
                    }
                    i += 4;
                } else if rest.starts_with("i:") {
                    out.push_str("(?:");
                    stack.push(true);
                    i += 4;
                } else if rest.starts_with(':') {
                    out.push_str("(?:");
                    stack.push(fold);
                    i += 3;
                } else {
                    return None;
                }
            }
            '(' => {
                out.push(c);
                stack.push(fold);
                i += 1;
            }
            ')' => {
                out.push(c);
                if stack.len() > 1 {
                    stack.pop();
                }
                i += 1;
            }
            '[' => {
                let end = class_end(&chars, i)?;
                let class: String = chars[i..=end].iter().collect();
                out.push_str(&if fold { fold_class(&class) } else { class });
                i = end + 1;
            }
            c if fold && c.is_ascii_alphabetic() => {
                out.push('[');
                out.push(c.to_ascii_lowercase());
                out.push(c.to_ascii_uppercase());
                out.push(']');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

/// The index of the `]` closing the class that opens at `start`.
fn class_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            ']' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// A character class with the other case of each ASCII letter and letter range added.
fn fold_class(class: &str) -> String {
    let inner: Vec<char> = class[1..class.len() - 1].chars().collect();
    let mut extra = String::new();
    let mut i = 0;
    while i < inner.len() {
        let c = inner[i];
        if c == '\\' {
            i += 2;
            continue;
        }
        if inner.get(i + 1) == Some(&'-')
            && let Some(&end) = inner.get(i + 2)
            && c.is_ascii_alphabetic()
            && end.is_ascii_alphabetic()
        {
            let swap = |x: char| {
                if x.is_ascii_lowercase() {
                    x.to_ascii_uppercase()
                } else {
                    x.to_ascii_lowercase()
                }
            };
            extra.push(swap(c));
            extra.push('-');
            extra.push(swap(end));
            i += 3;
            continue;
        }
        if c.is_ascii_lowercase() {
            extra.push(c.to_ascii_uppercase());
        } else if c.is_ascii_uppercase() {
            extra.push(c.to_ascii_lowercase());
        }
        i += 1;
    }
    format!("{}{extra}]", &class[..class.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        jsonschema::draft7::options()
            .should_validate_formats(false)
            .build(&json!({"type": "string", "pattern": pattern}))
            .unwrap()
            .is_valid(&json!(text))
    }

    #[test]
    fn inline_case_flags_fold_to_the_end_of_their_group() {
        let p = fold_inline_case_flags("^(?i)(abort|warn)?$").unwrap();
        assert_eq!(p, "^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$");
        let months = "^((?i)january|february|1[0-2])(:x)?$";
        let p = fold_inline_case_flags(months).unwrap();
        assert!(matches(&p, "JANUARY") && matches(&p, "February") && matches(&p, "11"));
        assert!(!matches(&p, "X"));
        // The flag ends with its group: `x` after it stays lowercase only.
        assert!(matches(&p, "january:x") && !matches(&p, "january:X"));
        let p = fold_inline_case_flags("(?i:[a-c]z)y").unwrap();
        assert!(matches(&p, "BZy") && !matches(&p, "BZY"));
    }

    #[test]
    fn a_pattern_that_cannot_compile_is_dropped_alone() {
        let mut schema = json!({"properties": {
            "a": {"type": "string", "pattern": "^(?i)(abort|warn)?$"},
            "b": {"type": "string", "pattern": "^(?P<x>a)(?m)$"},
            "c": {"type": "string", "pattern": "^[a-z]+$"},
        }});
        let dropped = fix_patterns(&mut schema);
        assert_eq!(
            dropped,
            [DroppedPattern {
                pointer: "/properties/b".into(),
                pattern: "^(?P<x>a)(?m)$".into()
            }]
        );
        assert!(schema.pointer("/properties/b/pattern").is_none());
        assert_eq!(dropped[0].field(), "b");
        let nested = DroppedPattern {
            pointer: "/properties/spec/properties/rules/items/properties/name".into(),
            pattern: "x".into(),
        };
        assert_eq!(nested.field(), "spec.rules[].name");
        assert_eq!(schema["properties"]["c"]["pattern"], "^[a-z]+$");
        assert!(
            schema["properties"]["a"]["pattern"]
                .as_str()
                .unwrap()
                .contains("[aA]")
        );
    }
}
