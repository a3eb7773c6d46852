//! Committed Kubernetes `Secret` objects. Committing one is a policy matter, said once per
//! object (`committed-secret`, a warning); a leak is a value that is a credential. Values
//! holding a configuration file (an alertmanager.yaml, a grafana.ini, properties, JSON) are
//! scanned as the file they are: a password inside is found, the rest is not a leak.

use base64::Engine as _;

use super::filters::{is_not_credential, is_placeholder, is_template_or_reference};
use super::scan::{Hit, Lines, docker_config_has_auth, is_public, scan_nested};

/// The Secret objects of a YAML text: one `committed-secret` per object holding a value of
/// its own, and a hit for each value that is (or holds) a credential. Returns the lines
/// their `data` and `stringData` span.
pub(super) fn secret_objects(
    text: &str,
    lines: &Lines<'_>,
    depth: u8,
    hits: &mut Vec<Hit>,
) -> Vec<(u32, u32)> {
    let mut spans = Vec::new();
    let Ok(stream) = crate::yaml::parse_stream(text) else {
        return spans;
    };
    for doc in &stream.documents {
        let Some(kind) = doc.get("kind").filter(|k| k.as_str() == Some("Secret")) else {
            continue;
        };
        if doc.get("sops").is_some() {
            continue;
        }
        let mut holds_values = false;
        for (field, encoded) in [("data", true), ("stringData", false)] {
            let Some(node) = doc.get(field) else {
                continue;
            };
            spans.push((node.span.start.line, node.span.end.line));
            let Some(entries) = node.as_map() else {
                continue;
            };
            for (k, v) in entries {
                let Some(raw) = v.as_str() else { continue };
                let value = if encoded {
                    decode(raw)
                } else {
                    raw.to_string()
                };
                if value.trim().is_empty() || is_template_or_reference(&value) {
                    continue;
                }
                holds_values = true;
                let key = k.key_text().unwrap_or_default();
                let at = Place {
                    line: v.span.start.line,
                    column: v.span.start.col,
                    // Lines of a `|` block of `stringData` are lines of the file; a base64 value
                    // is one line whatever it decodes to.
                    block: !encoded && starts_block(lines, v.span.start.line, v.span.start.col),
                    literal: !encoded,
                };
                judge_value(&key, &value, &at, lines, depth, hits);
            }
        }
        if holds_values {
            let name = doc
                .pointer("/metadata/name")
                .and_then(|n| n.as_str())
                .unwrap_or("");
            let namespace = doc
                .pointer("/metadata/namespace")
                .and_then(|n| n.as_str())
                .unwrap_or("");
            hits.push(Hit {
                rule: "committed-secret",
                description: "Kubernetes Secret committed with its values",
                line: kind.span.start.line,
                column: kind.span.start.col,
                // The object, not a value: what the finding names and the baseline remembers.
                secret: format!("Secret/{namespace}/{name}"),
                key: None,
            });
        }
    }
    spans
}

/// Where a value was written.
struct Place {
    line: u32,
    column: u32,
    /// Written as a `|` or `>` block whose span starts at the indicator.
    block: bool,
    /// Written as it reads (`stringData`), not encoded: its lines are the file's.
    literal: bool,
}

fn decode(raw: &str) -> String {
    let cleaned: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    match base64::engine::general_purpose::STANDARD.decode(cleaned.as_bytes()) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => raw.to_string(),
    }
}

/// Whether the scalar at `line:column` is a block scalar (`|`, `>`).
fn starts_block(lines: &Lines<'_>, line: u32, column: u32) -> bool {
    let text = String::from_utf8_lossy(lines.line(line));
    text.chars()
        .skip(column.saturating_sub(1) as usize)
        .find(|c| !c.is_whitespace())
        .is_some_and(|c| c == '|' || c == '>')
}

/// One value of a Secret under `key`.
fn judge_value(
    key: &str,
    value: &str,
    at: &Place,
    lines: &Lines<'_>,
    depth: u8,
    hits: &mut Vec<Hit>,
) {
    if key == ".dockerconfigjson" || key == ".dockercfg" {
        if docker_config_has_auth(value) {
            hits.push(Hit {
                rule: "docker-registry-auth",
                description: "container registry credentials in a dockerconfigjson",
                line: at.line,
                column: at.column,
                secret: value.to_string(),
                key: None,
            });
        }
        return;
    }
    if is_public(value) {
        return;
    }
    let trimmed = value.trim();
    let structured = trimmed.contains('\n')
        || ((trimmed.starts_with('{') || trimmed.starts_with('['))
            && serde_json::from_str::<serde_json::Value>(trimmed).is_ok());
    if structured {
        // A file: judged as that file would be, by its name when the key is one.
        let name = if super::scan::syntax_of(key) == super::scan::Syntax::Other {
            "-"
        } else {
            key
        };
        for mut hit in scan_nested(name, value, depth + 1) {
            // The value's lines are the file's lines when it is written as a block; the
            // span starts at the `|` or at the first line of content.
            let line = if at.block {
                at.line + hit.line
            } else {
                at.line + hit.line - 1
            };
            match column_of(lines, line, &hit.secret).filter(|_| at.literal) {
                Some(column) => {
                    hit.line = line;
                    hit.column = column;
                }
                None => {
                    hit.line = at.line;
                    hit.column = at.column;
                }
            }
            hits.push(hit);
        }
        return;
    }
    // Encoded once more (a credentials file in base64 in `stringData`): judged decoded.
    if depth < 2
        && trimmed.len() >= 16
        && let decoded = decode(trimmed)
        && decoded != trimmed
        && !decoded.contains('\u{fffd}')
        && (decoded.trim_start().starts_with('{') || decoded.trim().contains('\n'))
    {
        let inner = Place {
            line: at.line,
            column: at.column,
            block: false,
            literal: false,
        };
        return judge_value(key, &decoded, &inner, lines, depth + 1, hits);
    }
    // One value: a credential of a known format, a password hash, or judged by its key.
    let found = scan_nested("-", value, depth + 1);
    if !found.is_empty() {
        hits.extend(found.into_iter().map(|mut h| {
            h.line = at.line;
            h.column = at.column;
            h
        }));
        return;
    }
    // A guessable password is one whatever the placeholder rules say of the word.
    if super::weak::is_password_key(key) && super::weak::is_weak_password(key, trimmed) {
        hits.push(Hit {
            rule: "weak-password",
            description: "guessable default password",
            line: at.line,
            column: at.column,
            secret: trimmed.to_string(),
            key: Some(key.to_string()),
        });
        return;
    }
    if is_credential_value(key, trimmed) {
        hits.push(Hit {
            rule: "kubernetes-secret",
            description: "credential in a committed Kubernetes Secret",
            line: at.line,
            column: at.column,
            secret: trimmed.to_string(),
            key: None,
        });
    }
}

/// The column of `secret` on line `line` of the file, 1-based in characters.
fn column_of(lines: &Lines<'_>, line: u32, secret: &str) -> Option<u32> {
    if line as usize > lines.starts().len() {
        return None;
    }
    let text = String::from_utf8_lossy(lines.line(line));
    let at = text.find(secret)?;
    Some(text[..at].chars().count() as u32 + 1)
}

/// Whether a Secret's one-line value is a credential. Placeholders, references, paths, file
/// names, host names, usernames and versions are not; under a key that names a credential
/// (`password`, `token`, `api-key`...) any other value is; under another key, only a value
/// that looks generated.
fn is_credential_value(key: &str, value: &str) -> bool {
    if is_placeholder(value) || is_not_credential(value) || is_user_key(key) {
        return false;
    }
    let credential_key = super::scan::is_env_secret_name(key) || names_credential(key);
    if credential_key {
        return !((super::filters::is_name_like(value)
            && value.bytes().any(|b| b.is_ascii_uppercase()))
            || super::scan::spells_its_name(value)
            || value.contains(' ')
            || super::filters::is_identifier(value)
                && !value.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    looks_generated(value) && super::scan::is_literal_secret("secret", value)
}

/// `password`, `admin-password`, `api_token`, `client.secret`, `tls.key`, `accessKey`.
fn names_credential(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    if super::scan::is_reference_key(&k) {
        return false;
    }
    [
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api-key",
        "api_key",
        "credential",
        "auth",
        "cookie",
    ]
    .iter()
    .any(|w| k.contains(w))
        || k.ends_with("key")
}

/// Keys that hold who logs in, not how: `username`, `user`, `smtp-login`, `email`.
fn is_user_key(key: &str) -> bool {
    let k: String = key
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    [
        "user",
        "username",
        "userid",
        "login",
        "email",
        "mail",
        "account",
        "owner",
        "principal",
    ]
    .iter()
    .any(|w| k.ends_with(w))
}

/// Random-looking: long, mixed, not words joined by separators.
fn looks_generated(value: &str) -> bool {
    let classes = [
        value.bytes().any(|b| b.is_ascii_lowercase()),
        value.bytes().any(|b| b.is_ascii_uppercase()),
        value.bytes().any(|b| b.is_ascii_digit()),
    ]
    .iter()
    .filter(|c| **c)
    .count();
    value.len() >= 16 && classes >= 2 && super::filters::entropy(value) >= 3.5
}
