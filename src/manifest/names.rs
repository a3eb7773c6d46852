//! Name syntax as the API server checks it: DNS subdomains, qualified names (label and
//! annotation keys), label values.

/// `prefix/name`: an optional DNS subdomain prefix and a name of at most 63 characters of
/// alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric.
pub fn check_qualified_name(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && (prefix.is_empty() || check_subdomain(prefix).is_err())
    {
        return Err(format!(
            "the prefix `{prefix}` must be a DNS subdomain (lowercase, like `example.com`)"
        ));
    }
    if name.is_empty() || name.len() > 63 {
        return Err("the name part must be 1 to 63 characters".into());
    }
    check_name_chars(name)
}

fn check_name_chars(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    let alnum = |c: u8| c.is_ascii_alphanumeric();
    if !alnum(b[0])
        || !alnum(b[b.len() - 1])
        || !b
            .iter()
            .all(|&c| alnum(c) || matches!(c, b'-' | b'_' | b'.'))
    {
        return Err(
            "use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"
                .into(),
        );
    }
    Ok(())
}

/// A label value: empty, or at most 63 characters like a name.
pub fn check_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 {
        return Err(format!(
            "it is {} characters long; label values have at most 63",
            value.len()
        ));
    }
    check_name_chars(value)
}

/// RFC 1123 subdomain: what most object names must be.
pub fn check_subdomain(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    for label in name.split('.') {
        let ok = !label.is_empty()
            && label
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err("use lowercase letters, digits, `-` and `.`, each part starting and ending with a letter or digit".into());
        }
    }
    Ok(())
}
