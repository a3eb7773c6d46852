//! The text of each scalar as kustomize prints it, and whether it may go unquoted.
//!
//! kustomize turns every object into JSON (Go's encoding/json) and that JSON into YAML with
//! sigs.k8s.io/yaml, whose go-yaml v2 reads it back and writes it out: numbers take the
//! round trip's forms (`1.0` becomes `1`, `1234567.5` becomes `1.2345675e+06`), and a string
//! that go-yaml v2 would read as something else (`on`, `y`, `0755`, `2024-01-05`, `1:20`)
//! is quoted. These are ports of go-yaml v2's `resolve` and `stringv` and of Go's float
//! formatting.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Number;

/// The text of a number: an integer when the JSON of it reads back as one, else Go's
/// shortest `%g`.
pub fn number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or_default();
    let (digits, exp) = shortest(f);
    // Go's encoding/json writes `%f` between 1e-6 and 1e21, which for an integral value is
    // an integer go-yaml v2 reads back as an int (when it fits 64 bits).
    let abs = f.abs();
    if f == f.trunc() && (abs == 0.0 || (1e-6..1e21).contains(&abs)) {
        let zeros = (exp + 1 - digits.len() as i32).max(0) as usize;
        let text = format!("{digits}{}", "0".repeat(zeros));
        if let Ok(v) = text.parse::<i128>() {
            let v = if f.is_sign_negative() { -v } else { v };
            if i64::try_from(v).is_ok() || (v >= 0 && u64::try_from(v).is_ok()) {
                return v.to_string();
            }
        }
    }
    go_g(f.is_sign_negative() && f != 0.0, &digits, exp)
}

/// The shortest digits that read back as `f` (no leading zeros, "0" for zero) and the
/// decimal exponent of the first.
fn shortest(f: f64) -> (String, i32) {
    let text = format!("{:e}", f.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: `%e` when the exponent is below -4 or at
/// least 6 (`1e+06`, two exponent digits at least), else `%f`.
fn go_g(negative: bool, digits: &str, exp: i32) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp < 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-exp - 1) as usize));
        out.push_str(digits);
    } else {
        let point = exp as usize + 1;
        if digits.len() <= point {
            out.push_str(digits);
            out.push_str(&"0".repeat(point - digits.len()));
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// The style go-yaml v2 asks of its emitter for a string (which may still pick another).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// go-yaml v2's `stringv`: a literal block for text with a line feed, plain text when it
/// reads back as the same string, double quotes otherwise.
pub fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if reads_as_string(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

/// go-yaml v2's `resolve("", s)` gives `!!str`.
fn reads_as_string(s: &str) -> bool {
    let hint = match s.bytes().next() {
        None => return false,
        Some(b'+' | b'-' | b'0'..=b'9') => 'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => 'M',
        Some(b'.') => '.',
        Some(_) => return true,
    };
    const RESOLVED: [&str; 38] = [
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "~", "null", "Null", "NULL",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    if RESOLVED.contains(&s) {
        return false;
    }
    match hint {
        'M' => true,
        '.' => !go_parses_float(s),
        _ => {
            if is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            if go_parse_int(&plain, true).is_some() || go_parse_int(&plain, false).is_some() {
                return false;
            }
            if YAML_FLOAT.is_match(&plain) && plain.parse::<f64>().is_ok_and(f64::is_finite) {
                return false;
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                if go_parse_radix(rest, 2, true).is_some()
                    || go_parse_radix(rest, 2, false).is_some()
                {
                    return false;
                }
            } else if let Some(rest) = plain.strip_prefix("-0b")
                && go_parse_radix(&format!("-{rest}"), 2, true).is_some()
            {
                return false;
            }
            true
        }
    }
}

static YAML_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$").expect("valid regex")
});

static BASE60_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").expect("valid regex")
});

/// YAML 1.1's sexagesimal numbers (`1:20`), which go-yaml v2 quotes for other readers.
fn is_base60_float(s: &str) -> bool {
    s.starts_with(['+', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
        && s.contains(':')
        && BASE60_FLOAT.is_match(s)
}

/// Go's `strconv.ParseFloat(s, 64)` succeeds, for a text starting with `.`.
fn go_parses_float(s: &str) -> bool {
    static DOT_FLOAT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\.[0-9]+([eE][-+]?[0-9]+)?$").expect("valid regex"));
    DOT_FLOAT.is_match(s) && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Go's `strconv.ParseInt(s, 0, 64)` (`signed`) or `ParseUint(s, 0, 64)`: an optional sign
/// (signed only), then `0x`, `0o`, `0b` or a leading `0` (octal) or decimal digits.
fn go_parse_int(s: &str, signed: bool) -> Option<i128> {
    let (negative, body) = split_sign(s, signed)?;
    let (radix, digits) = match body.as_bytes() {
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, &body[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, &body[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, &body[2..]),
        [b'0', ..] => (8, &body[1..]),
        _ => (10, body),
    };
    let magnitude = if digits.is_empty() && radix == 8 {
        0
    } else {
        digits_value(digits, radix)?
    };
    in_range(negative, magnitude, signed)
}

/// Go's `ParseInt(s, radix, 64)` or `ParseUint`, for an explicit radix.
fn go_parse_radix(s: &str, radix: u32, signed: bool) -> Option<i128> {
    let (negative, body) = split_sign(s, signed)?;
    in_range(negative, digits_value(body, radix)?, signed)
}

fn split_sign(s: &str, signed: bool) -> Option<(bool, &str)> {
    let (negative, body) = match s.as_bytes().first()? {
        b'+' if signed => (false, &s[1..]),
        b'-' if signed => (true, &s[1..]),
        _ => (false, s),
    };
    (!body.is_empty()).then_some((negative, body))
}

fn digits_value(digits: &str, radix: u32) -> Option<u128> {
    if digits.is_empty() {
        return None;
    }
    let mut value: u128 = 0;
    for c in digits.chars() {
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(c.to_digit(radix)?))?;
        if value > u128::from(u64::MAX) + 1 {
            return None;
        }
    }
    Some(value)
}

fn in_range(negative: bool, magnitude: u128, signed: bool) -> Option<i128> {
    let value = if negative {
        -(magnitude as i128)
    } else {
        magnitude as i128
    };
    let fits = if signed {
        i64::try_from(value).is_ok()
    } else {
        u64::try_from(value).is_ok()
    };
    fits.then_some(value)
}

/// go-yaml v2's `parseTimestamp`: `YYYY-M-D`, optionally followed by a time (`T`, `t` or a
/// space, then `h:m:s`, a fraction, and a zone for `T`/`t`), as Go's `time.Parse` reads the
/// layouts go-yaml tries.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: u32 = s[..4].parse().unwrap_or(0);
    let mut at = 5;
    let Some(month) = number_of_two(b, &mut at).filter(|m| (1..=12).contains(m)) else {
        return false;
    };
    if b.get(at) != Some(&b'-') {
        return false;
    }
    at += 1;
    let Some(day) = number_of_two(b, &mut at) else {
        return false;
    };
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days {
        return false;
    }
    if at == b.len() {
        return true;
    }
    let zoned = match b[at] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return false,
    };
    at += 1;
    let time_ok = number_of_two(b, &mut at).is_some_and(|h| h < 24)
        && b.get(at) == Some(&b':')
        && {
            at += 1;
            number_of_two(b, &mut at).is_some_and(|m| m < 60)
        }
        && b.get(at) == Some(&b':')
        && {
            at += 1;
            number_of_two(b, &mut at).is_some_and(|s| s < 60)
        };
    if !time_ok {
        return false;
    }
    // An optional fraction: a period or comma, then digits.
    if matches!(b.get(at), Some(b'.' | b',')) && b.get(at + 1).is_some_and(u8::is_ascii_digit) {
        at += 1;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    if !zoned {
        return at == b.len();
    }
    match b.get(at) {
        Some(b'Z') => at + 1 == b.len(),
        Some(b'+' | b'-') => {
            let zone = &b[at..];
            zone.len() == 6
                && zone[3] == b':'
                && zone[1..3].iter().all(u8::is_ascii_digit)
                && zone[4..6].iter().all(u8::is_ascii_digit)
                && s[at + 1..at + 3].parse::<u32>().is_ok_and(|h| h <= 24)
                && s[at + 4..at + 6].parse::<u32>().is_ok_and(|m| m <= 60)
        }
        _ => false,
    }
}

/// Go's `getnum(s, false)`: one digit, or two when the second is one.
fn number_of_two(b: &[u8], at: &mut usize) -> Option<u32> {
    let first = b.get(*at).filter(|c| c.is_ascii_digit())?;
    *at += 1;
    let mut value = u32::from(first - b'0');
    if let Some(second) = b.get(*at).filter(|c| c.is_ascii_digit()) {
        value = value * 10 + u32::from(second - b'0');
        *at += 1;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn num(v: serde_json::Value) -> String {
        number(v.as_number().unwrap())
    }

    #[test]
    fn numbers_take_the_json_round_trip() {
        assert_eq!(num(json!(3)), "3");
        assert_eq!(num(json!(-3)), "-3");
        assert_eq!(num(json!(u64::MAX)), "18446744073709551615");
        assert_eq!(num(json!(1.0)), "1");
        assert_eq!(num(json!(1.5)), "1.5");
        assert_eq!(num(json!(-0.0)), "0");
        assert_eq!(num(json!(1000.0)), "1000");
        assert_eq!(num(json!(123456.5)), "123456.5");
        assert_eq!(num(json!(1234567.5)), "1.2345675e+06");
        assert_eq!(num(json!(0.0001)), "0.0001");
        assert_eq!(num(json!(0.00001)), "1e-05");
        assert_eq!(num(json!(1e20)), "1e+20");
        assert_eq!(num(json!(1e21)), "1e+21");
        // 2^60 as a float: Go prints its shortest digits padded with zeros.
        assert_eq!(num(json!(1152921504606846976.0)), "1152921504606847000");
        assert_eq!(num(json!(1e19)), "10000000000000000000");
    }

    #[test]
    fn strings_go_yaml_would_misread_are_quoted() {
        for s in [
            "on",
            "y",
            "N",
            "off",
            "true",
            "~",
            "null",
            "",
            "0755",
            "09",
            "0x1F",
            "1_000",
            "+7",
            "-1",
            "1e3",
            ".5",
            ".inf",
            "-.INF",
            "2001-12-14",
            "2024-1-5",
            "2001-12-14T21:59:43.10-05:00",
            "2001-12-14 21:59:43.10",
            "1:20",
            "0b11",
            "0b+1",
            "12345678901234567890123",
        ] {
            assert_eq!(string_style(s), Style::DoubleQuoted, "{s}");
        }
        for s in [
            "<<",
            "yes please",
            "2001-13-01",
            "2001-02-30",
            "1e999",
            ".",
            "0x",
            "v1.2",
            "a:b",
            "=",
            "1.2.3",
            "2024-01-05T",
            "+",
            "-",
            "0o",
            "nan",
            "Infinity",
        ] {
            assert_eq!(string_style(s), Style::Plain, "{s}");
        }
        assert_eq!(string_style("a\nb"), Style::Literal);
    }
}

/// A string as go-yaml v2 reads it back from Go's JSON: JSON leaves U+0085 (NEL) raw, and
/// YAML folds it as a line break inside double quotes (one becomes a space, the spaces
/// around it go, `n` in a row become `n-1` line feeds).
pub fn through_json(s: &str) -> String {
    const NEL: char = '\u{85}';
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    loop {
        while let Some(&c) = chars.peek() {
            if c == ' ' || c == NEL {
                break;
            }
            out.push(c);
            chars.next();
        }
        if chars.peek().is_none() {
            return out;
        }
        let (mut spaces, mut folded, mut breaks) = (0, false, 0);
        while let Some(&c) = chars.peek() {
            match c {
                ' ' if !folded => spaces += 1,
                ' ' => {}
                NEL if !folded => {
                    spaces = 0;
                    folded = true;
                }
                NEL => breaks += 1,
                _ => break,
            }
            chars.next();
        }
        if !folded {
            out.push_str(&" ".repeat(spaces));
        } else if breaks == 0 {
            out.push(' ');
        } else {
            out.push_str(&"\n".repeat(breaks));
        }
    }
}

/// A character Go's JSON leaves raw and go-yaml v2's reader refuses ("control characters
/// are not allowed"), so kustomize fails to print the object.
pub fn unreadable(c: char) -> bool {
    matches!(c, '\u{7F}'..='\u{84}' | '\u{86}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod json_tests {
    use super::*;

    #[test]
    fn nel_folds_as_go_yaml_reads_it() {
        assert_eq!(through_json("a\u{85}b"), "a b");
        assert_eq!(through_json("a  \u{85}  b"), "a b");
        assert_eq!(through_json("a\u{85}\u{85}\u{85}b"), "a\n\nb");
        assert_eq!(through_json("a\u{85}"), "a ");
        assert_eq!(through_json("  a  b  "), "  a  b  ");
        assert!(unreadable('\u{7F}') && !unreadable('\u{85}') && !unreadable('é'));
    }
}
