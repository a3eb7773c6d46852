//! Plain scalars resolved the way the Kubernetes API server reads them.
//!
//! sigs.k8s.io/yaml decodes with a fork of go-yaml v2, which follows YAML 1.1: `yes`, `on`
//! and `y` are booleans, `0644` is octal, `1_000` is an integer. Timestamps stay strings
//! (go-yaml keeps them as text when decoding into an interface), and sexagesimal numbers
//! such as `1:20` are strings too, because go-yaml never implemented them.

use std::borrow::Cow;

use super::node::Value;

/// What a plain (unquoted, untagged) scalar means to Kubernetes.
pub fn resolve_plain(text: &str) -> Value {
    resolve_plain_owned(Cow::Borrowed(text))
}

/// [`resolve_plain`], keeping the text given (no copy) when it stays a string.
pub fn resolve_plain_owned(text: Cow<'_, str>) -> Value {
    match &*text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if (first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.'))
        && let Some(number) = resolve_number(&text)
    {
        return number;
    }
    Value::Str {
        text: text.into_owned(),
        plain: true,
    }
}

/// Whether a string, written plain, would be read back as something other than itself.
/// The emitter quotes such strings.
pub fn plain_would_change(text: &str) -> bool {
    !matches!(resolve_plain(text), Value::Str { .. })
}

fn resolve_number(text: &str) -> Option<Value> {
    // `1_000` is 1000 in YAML 1.1; most numbers have no `_` to drop.
    let plain: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.chars().filter(|&c| c != '_').collect())
    } else {
        Cow::Borrowed(text)
    };
    if let Some(i) = parse_go_int(&plain) {
        return Some(i);
    }
    if is_yaml_float(&plain) {
        // Go's ParseFloat fails with ErrRange past the largest float, and go-yaml then keeps
        // the scalar as a string: a 400-digit number is text to Kubernetes, not infinity.
        return plain
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Value::Float);
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint`: sign, then `0x`, `0o`, `0b` or a
/// leading `0` for octal, else decimal.
fn parse_go_int(s: &str) -> Option<Value> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(rest) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, rest)
    } else if let Some(rest) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
    {
        (8, rest)
    } else if let Some(rest) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        (2, rest)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            Some(Value::Int((magnitude as i128).wrapping_neg() as i64))
        } else {
            None
        }
    } else if magnitude <= i64::MAX as u64 {
        Some(Value::Int(magnitude as i64))
    } else {
        Some(Value::UInt(magnitude))
    }
}

/// go-yaml v2's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i64) -> Value {
        Value::Int(i)
    }

    #[test]
    fn yaml_11_booleans_are_booleans() {
        for t in ["y", "Y", "yes", "on", "ON", "True"] {
            assert_eq!(resolve_plain(t), Value::Bool(true), "{t}");
        }
        for t in ["n", "no", "off", "OFF", "false"] {
            assert_eq!(resolve_plain(t), Value::Bool(false), "{t}");
        }
        assert!(matches!(resolve_plain("oN"), Value::Str { .. }));
    }

    #[test]
    fn integers_follow_go_parse_int() {
        assert_eq!(resolve_plain("0644"), int(420));
        assert_eq!(resolve_plain("0o17"), int(15));
        assert_eq!(resolve_plain("0x1F"), int(31));
        assert_eq!(resolve_plain("0b101"), int(5));
        assert_eq!(resolve_plain("1_000"), int(1000));
        assert_eq!(resolve_plain("-42"), int(-42));
        assert_eq!(resolve_plain("+7"), int(7));
        assert_eq!(resolve_plain("18446744073709551615"), Value::UInt(u64::MAX));
        // 09 is not octal, but it is a valid YAML float.
        assert_eq!(resolve_plain("09"), Value::Float(9.0));
    }

    #[test]
    fn floats_and_strings() {
        assert_eq!(resolve_plain("1.30"), Value::Float(1.3));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain(".5"), Value::Float(0.5));
        for t in ["1:20", "2024-01-01", "v1.2", "1.2.3", "=", "-", "0x", "1e"] {
            assert!(matches!(resolve_plain(t), Value::Str { .. }), "{t}");
        }
        assert_eq!(resolve_plain("~"), Value::Null);
        // Past the largest float, go-yaml keeps the text (ParseFloat's ErrRange).
        let huge = "9".repeat(400);
        for t in [huge.as_str(), "1e400", "-1e400"] {
            assert!(matches!(resolve_plain(t), Value::Str { .. }), "{t}");
        }
        assert!(plain_would_change("0755"));
        assert!(!plain_would_change("main"));
    }
}
