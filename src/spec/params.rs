//! Blueprint parameters: declared types and limits, checked on every instance.

use regex::Regex;

use super::model::{Param, ParamType};
use crate::yaml::{Node, Value};

/// Check one given value against its declaration; the JSON value the templates see.
pub fn check_value(decl: &Param, node: &Node) -> Result<serde_json::Value, String> {
    let value = match decl.kind {
        ParamType::Int => match node.value {
            Value::Int(i) => serde_json::Value::from(i),
            _ => return Err(format!("expected an integer, found {}", node.describe())),
        },
        ParamType::Bool => match node.value {
            Value::Bool(b) => serde_json::Value::Bool(b),
            _ => return Err(format!("expected true or false, found {}", node.describe())),
        },
        ParamType::String | ParamType::DnsLabel | ParamType::Fqdn => {
            let Some(text) = node.as_str() else {
                return Err(format!(
                    "expected a {}, found {}; put it in quotes if it is meant as text",
                    decl.kind.as_str(),
                    node.describe()
                ));
            };
            check_text(decl, text)?;
            serde_json::Value::String(text.to_string())
        }
    };
    Ok(value)
}

/// Whether an instance's parameters mapping gives `name` (valid or not).
pub fn given(entries: &[(Node, Node)], name: &str) -> bool {
    entries
        .iter()
        .any(|(k, _)| k.key_text().is_some_and(|key| key == name))
}

/// Check a JSON value (a declared default) against its declaration.
pub fn check_json(decl: &Param, value: &serde_json::Value) -> Result<(), String> {
    match (decl.kind, value) {
        (ParamType::Int, v) if v.is_i64() || v.is_u64() => Ok(()),
        (ParamType::Bool, serde_json::Value::Bool(_)) => Ok(()),
        (
            ParamType::String | ParamType::DnsLabel | ParamType::Fqdn,
            serde_json::Value::String(s),
        ) => check_text(decl, s),
        (kind, v) => Err(format!("the default {v} is not a {}", kind.as_str())),
    }
}

fn check_text(decl: &Param, text: &str) -> Result<(), String> {
    let len = text.chars().count();
    if let Some(min) = decl.min_length
        && len < min
    {
        return Err(format!(
            "`{text}` is {len} characters long; at least {min} are required"
        ));
    }
    if let Some(max) = decl.max_length
        && len > max
    {
        return Err(format!(
            "`{text}` is {len} characters long; at most {max} are allowed"
        ));
    }
    match decl.kind {
        ParamType::DnsLabel => check_dns_label(text)?,
        ParamType::Fqdn => check_fqdn(text)?,
        _ => {}
    }
    if let Some(pattern) = &decl.pattern
        && anchored(pattern).is_some_and(|re| !re.is_match(text))
    {
        return Err(format!("`{text}` does not match the pattern `{pattern}`"));
    }
    Ok(())
}

/// Why a declared parameter pattern does not compile, if it does not. Checked as written
/// (not anchored: `a)(b` must be refused though `^(?:a)(b)$` compiles), and remembered, as
/// compiling costs far more than the rest of the spec checks.
pub fn pattern_error(pattern: &str) -> Option<String> {
    static CACHE: Cache<Option<String>> = Cache::new();
    CACHE.get_or_insert(pattern, || Regex::new(pattern).err().map(|e| e.to_string()))
}

/// A parameter pattern, anchored to the whole value, compiled once per pattern however many
/// instances use it. (Invalid patterns are reported when the blueprint is checked.)
fn anchored(pattern: &str) -> Option<Regex> {
    static CACHE: Cache<Option<Regex>> = Cache::new();
    CACHE.get_or_insert(pattern, || Regex::new(&format!("^(?:{pattern})$")).ok())
}

/// What was made from each pattern, for the life of the process. Bounded, because a process
/// that loads many specs (the fuzzer loads millions, each with its own patterns) must not
/// keep every pattern it ever saw: when full it starts over.
struct Cache<T> {
    map: std::sync::Mutex<Option<std::collections::HashMap<String, T>>>,
}

impl<T: Clone> Cache<T> {
    const LIMIT: usize = 64;

    const fn new() -> Self {
        Cache {
            map: std::sync::Mutex::new(None),
        }
    }

    fn get_or_insert(&self, pattern: &str, make: impl FnOnce() -> T) -> T {
        let mut guard = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let map = guard.get_or_insert_with(Default::default);
        if let Some(found) = map.get(pattern) {
            return found.clone();
        }
        if map.len() >= Self::LIMIT {
            map.clear();
        }
        let made = make();
        map.insert(pattern.to_string(), made.clone());
        made
    }
}

/// An RFC 1123 label, as Kubernetes requires for names and namespaces.
pub fn check_dns_label(text: &str) -> Result<(), String> {
    if text.is_empty() || text.len() > 63 {
        return Err(format!(
            "`{text}` must be 1 to 63 characters long to be a DNS label"
        ));
    }
    let ok_chars = text
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok_chars || text.starts_with('-') || text.ends_with('-') {
        let hint = if text.bytes().any(|b| b.is_ascii_uppercase()) {
            format!(" (write `{}`)", text.to_ascii_lowercase())
        } else {
            String::new()
        };
        return Err(format!(
            "`{text}` is not a DNS label: use lowercase letters, digits and `-`, starting and ending with a letter or digit{hint}"
        ));
    }
    Ok(())
}

/// An RFC 1123 subdomain (one or more DNS labels joined by dots, at most 253 characters), as
/// Kubernetes requires for the names of most objects, Applications among them.
pub fn check_dns_subdomain(text: &str) -> Result<(), String> {
    if text.is_empty() || text.len() > 253 {
        return Err(format!("`{text}` must be 1 to 253 characters long"));
    }
    for label in text.split('.') {
        check_dns_label(label)?;
    }
    Ok(())
}

/// A fully qualified domain name: two or more DNS labels, at most 253 characters.
pub fn check_fqdn(text: &str) -> Result<(), String> {
    let name = text.strip_suffix('.').unwrap_or(text);
    if name.len() > 253 {
        return Err(format!(
            "`{text}` is longer than the 253 characters a domain name may have"
        ));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "`{text}` is not a fully qualified domain name (like `www.example.org`)"
        ));
    }
    for label in labels {
        check_dns_label(label).map_err(|_| {
            format!("`{text}` is not a valid domain name: `{label}` is not a lowercase DNS label")
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_the_whole_value() {
        let decl = Param {
            kind: ParamType::String,
            required: false,
            default: None,
            description: None,
            min_length: None,
            max_length: None,
            pattern: Some("[0-9]+(Mi|Gi)".into()),
            unique: false,
        };
        assert!(check_json(&decl, &serde_json::json!("2Gi")).is_ok());
        let e = check_json(&decl, &serde_json::json!("2Gi-extra")).unwrap_err();
        assert!(e.contains("does not match the pattern"), "{e}");
    }

    #[test]
    fn patterns_are_checked_as_written() {
        assert_eq!(pattern_error("[0-9]+(Mi|Gi)"), None);
        // Anchoring would balance these parentheses: `^(?:a)(b)$` compiles.
        assert!(pattern_error("a)(b").is_some());
        // Asked again, the remembered answer is the same.
        assert!(pattern_error("a)(b").is_some());
        assert!(pattern_error("[0-9").unwrap().contains("unclosed"));
    }

    #[test]
    fn the_pattern_cache_compiles_each_once_and_stays_bounded() {
        let cache = Cache::<usize>::new();
        let made = std::cell::Cell::new(0);
        let make = |n| {
            made.set(made.get() + 1);
            n
        };
        assert_eq!(cache.get_or_insert("a", || make(1)), 1);
        assert_eq!(cache.get_or_insert("a", || make(2)), 1);
        assert_eq!(made.get(), 1);
        for i in 0..3 * Cache::<usize>::LIMIT {
            assert_eq!(cache.get_or_insert(&i.to_string(), || make(i)), i);
        }
        let held = cache.map.lock().unwrap().as_ref().map_or(0, |m| m.len());
        assert!(held <= Cache::<usize>::LIMIT, "{held} patterns held");
    }

    #[test]
    fn dns_labels_and_fqdns() {
        assert!(check_dns_label("acets").is_ok());
        assert!(check_dns_label("a-1").is_ok());
        assert!(check_dns_label("-a").is_err());
        assert!(
            check_dns_label("Acets")
                .unwrap_err()
                .contains("write `acets`")
        );
        assert!(check_dns_label(&"a".repeat(64)).is_err());
        assert!(check_fqdn("acets.etsmtl.ca").is_ok());
        assert!(check_fqdn("localhost").is_err());
        assert!(check_fqdn("a..b").is_err());
        assert!(check_fqdn("bad_name.org").is_err());
    }
}
