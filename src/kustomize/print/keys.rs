//! The order of a mapping's keys as go-yaml v2 writes a Go map: letters by code point,
//! runs of digits by their value (`a9` before `a10`), any other character before a letter.

use serde_json::{Map, Value};

/// The entries of `map` in go-yaml v2's order.
pub fn sorted(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let entries: Vec<(&String, &Value)> = map.iter().collect();
    // Decoded once: the comparison walks characters, not bytes.
    let mut keyed: Vec<(Vec<char>, (&String, &Value))> = entries
        .into_iter()
        .map(|entry| (entry.0.chars().collect(), entry))
        .collect();
    merge_sort(&mut keyed, &|a, b| less(&a.0, &b.0));
    keyed.into_iter().map(|(_, entry)| entry).collect()
}

/// A merge sort on `less` alone: it cannot panic, whatever `less` answers.
fn merge_sort<T: Clone>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    if items.len() < 2 {
        return;
    }
    let middle = items.len() / 2;
    merge_sort(&mut items[..middle], less);
    merge_sort(&mut items[middle..], less);
    let (left, right) = (items[..middle].to_vec(), items[middle..].to_vec());
    let (mut i, mut j) = (0, 0);
    for slot in items.iter_mut() {
        if j >= right.len() || (i < left.len() && !less(&right[j], &left[i])) {
            *slot = left[i].clone();
            i += 1;
        } else {
            *slot = right[j].clone();
            j += 1;
        }
    }
}

/// go-yaml v2's `keyList.Less` for two strings.
fn less(a: &[char], b: &[char]) -> bool {
    for i in 0..a.len().min(b.len()) {
        if a[i] == b[i] {
            continue;
        }
        let (al, bl) = (is_letter(a[i]), is_letter(b[i]));
        if al && bl {
            return a[i] < b[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if a[i] == '0' || b[i] == '0' {
            // A zero inside a number that already has a non-zero digit is no leading zero.
            for j in (0..i).rev() {
                if !is_digit(a[j]) {
                    break;
                }
                if a[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < a.len() && is_digit(a[ai]) {
            an = an.wrapping_mul(10).wrapping_add(digit_value(a[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && is_digit(b[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_value(b[bi]));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

/// Go's `unicode.IsLetter` (exact for ASCII; Rust's alphabetic property beyond it).
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic()
    }
}

/// Go's `unicode.IsDigit` (exact for ASCII; Rust's numeric property beyond it).
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        c.is_numeric()
    }
}

/// Go's `int64(r - '0')`, as it computes it for any digit.
fn digit_value(c: char) -> i64 {
    i64::from(c as u32) - i64::from(b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_go_yaml_order() {
        let mut map = Map::new();
        for k in [
            "aB",
            "a10",
            "a9",
            "a09",
            "Zeta",
            "a-b",
            "a_b",
            "a.b",
            "0",
            "10",
            "9",
            "_x",
            ".x",
            "Ab",
            "2001-12-14",
            "at",
            "apiVersion",
            "kind",
            "metadata",
        ] {
            map.insert(k.into(), Value::Null);
        }
        let order: Vec<&str> = sorted(&map).iter().map(|(k, _)| k.as_str()).collect();
        // As `kubectl kustomize` (kustomize 5.5) prints them.
        assert_eq!(
            order,
            [
                ".x",
                "_x",
                "0",
                "9",
                "10",
                "2001-12-14",
                "Ab",
                "Zeta",
                "a-b",
                "a.b",
                "a_b",
                "a9",
                "a09",
                "a10",
                "aB",
                "apiVersion",
                "at",
                "kind",
                "metadata"
            ]
        );
    }
}
