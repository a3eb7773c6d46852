//! A credential is never shown whole: only its first 4 characters and its length.

/// `ghp_…(40 chars)`: enough to recognise which credential it is, never enough to use it.
pub fn redact(secret: &str) -> String {
    let len = secret.chars().count();
    let head: String = secret.chars().take(4.min(len / 3)).collect();
    format!("{head}…({len} chars)")
}

/// A message from elsewhere (a tool's error, which may quote the line it failed on) with
/// every credential the scanner finds in it redacted.
pub fn redact_credentials(text: &str) -> String {
    let mut out = text.to_string();
    for hit in super::scan::scan("-", text)
        .iter()
        .filter(|h| super::is_credential(h))
    {
        out = out.replace(&hit.secret, &redact(&hit.secret));
    }
    out
}

/// A value to quote in a message about `key: value`: itself, or its redacted form when the
/// scanner reads the pair as a credential (a label named `token` holding one).
pub fn quotable(key: &str, value: &str) -> String {
    let line = format!("{key}: {value}\n");
    let credential = |name: &str, text: &str| {
        super::scan::scan(name, text)
            .iter()
            .any(super::is_credential)
    };
    if !credential("value.yaml", &line) && !credential("value", value) {
        value.to_string()
    } else {
        redact(value)
    }
}

/// The text with every credential the scanner finds masked in place: its first 4 characters
/// kept, the rest `*`, byte for byte as long (positions into the text stay right, so a source
/// snippet can be shown around a finding without showing a credential beside it).
pub fn mask_credentials(text: &str) -> String {
    let mut out = text.to_string();
    for hit in super::scan::scan("-", text)
        .iter()
        .filter(|h| super::is_credential(h))
    {
        let keep: String = hit.secret.chars().take(4).collect();
        let masked = format!("{keep}{}", "*".repeat(hit.secret.len() - keep.len()));
        out = out.replace(&hit.secret, &masked);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_quoted_in_messages_are_redacted() {
        // Assembled here so that no credential-like string is in the source.
        let token = format!("ghp_{}", "Zq9X2kdwrafhiexbmtqvzjclnopsguykdwr1");
        let message = format!("invalid env line 2: \"GITHUB_TOKEN={token}\"");
        let redacted = redact_credentials(&message);
        assert!(!redacted.contains(&token[4..]), "{redacted}");
        assert!(redacted.starts_with("invalid env line 2"));
        assert_eq!(redact_credentials("no such file"), "no such file");
        let text = format!("labels:\n  token: {token}\nother: x\n");
        let masked = mask_credentials(&text);
        assert_eq!(masked.len(), text.len());
        assert!(
            !masked.contains(&token[4..]) && masked.contains("other: x"),
            "{masked}"
        );
    }

    #[test]
    fn shows_four_characters_and_the_length() {
        // Assembled at run time: no credential-shaped literal is committed.
        let token = format!("ghp_{}{}", "abcdefghijklmnopqrstuvwxyz", "0123456789");
        assert_eq!(redact(&token), "ghp_…(40 chars)");
        // Short values show less, so that little of them is revealed.
        assert_eq!(redact("hunter2"), "hu…(7 chars)");
        assert_eq!(redact("ab"), "…(2 chars)");
    }
}
