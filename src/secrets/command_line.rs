//! Credentials passed on a command line: container `args`/`command` and scripts
//! (`--cookie-secret=...`, `--password=...`, `curl -u user:pass`, `mysql -pPASS`), and the
//! `password="..."` of a JAAS login module (Kafka's `sasl.jaas.config`).

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::filters::{is_not_credential, is_placeholder};
use super::scan::{Hit, Lines, Verdict, is_reference_key, push_hit, push_verdict};
use super::weak::{is_password_key, is_weak_password};

const DESCRIPTION: &str = "credential passed on a command line";

fn flag_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(concat!(
            r#"(?-u)(?:^|[\s"'\[,(])--([A-Za-z0-9\-_]*?(?i:password|passwd|secret|token|api-key|apikey|access-key|private-key)[A-Za-z0-9\-_]*)="#,
            r#"("[^"\n]*"|'[^'\n]*'|[^\s"',\])]+)"#
        ))
        .expect("the flag pattern compiles")
    })
}

fn curl_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        // `curl ... -u user:pass`, the flag possibly on a continued line (`\` newline).
        Regex::new(
            r#"(?-u)\bcurl\b(?:[^\n\\]|\\[^\n]|\\\r?\n)*?\s(?:-u|--user)(?:[ \t]+|=)("[^"\n]+"|'[^'\n]+'|[^\s"']+)"#,
        )
        .expect("the curl pattern compiles")
    })
}

fn mysql_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        // `-pPASS` (attached: `-p PASS` would prompt, PASS being the database).
        Regex::new(
            r#"(?-u)\bmysql(?:dump|admin|import|check|show|sh)?\b[^\n|;&]*?\s-p("[^"\n]+"|'[^'\n]+'|[^\s"']+)"#,
        )
        .expect("the mysql pattern compiles")
    })
}

fn jaas_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r#"(?-u)\b((?i:password|secret|token))[ \t]*=[ \t]*"([^"\n]*)""#)
            .expect("the JAAS pattern compiles")
    })
}

/// The value without the quotes around it.
fn unquote(value: &[u8]) -> (&[u8], usize) {
    let quoted = value.len() >= 2
        && (value[0] == b'"' || value[0] == b'\'')
        && value[value.len() - 1] == value[0];
    if quoted {
        (&value[1..value.len() - 1], 1)
    } else {
        (value, 0)
    }
}

/// A value given on a command line: a credential unless it is a placeholder, a variable, or
/// not a credential's shape (a path, a number, a boolean).
fn is_literal(value: &str) -> bool {
    !(value.is_empty()
        || value.starts_with('$')
        || value.starts_with('%')
        || is_placeholder(value)
        || is_not_credential(value)
        || super::filters::is_identifier(value))
}

pub(super) fn command_line_secrets(bytes: &[u8], lines: &Lines<'_>, hits: &mut Vec<Hit>) {
    if memchr::memmem::find(bytes, b"--").is_some() {
        for caps in flag_regex().captures_iter(bytes) {
            let (Some(flag), Some(value)) = (caps.get(1), caps.get(2)) else {
                continue;
            };
            let flag = String::from_utf8_lossy(flag.as_bytes());
            // `--token-file=`, `--secret-name=`, `--password-length=`: about a credential.
            if is_reference_key(&flag)
                || [
                    "ttl",
                    "timeout",
                    "lifetime",
                    "expiry",
                    "expiration",
                    "duration",
                ]
                .iter()
                .any(|s| flag.to_ascii_lowercase().ends_with(s))
            {
                continue;
            }
            let (v, skip) = unquote(value.as_bytes());
            let v = String::from_utf8_lossy(v);
            // `--password=admin`: guessable, which the placeholder rules would skip as a word.
            if is_password_key(&flag) && is_weak_password(&flag, &v) {
                let at = value.start() + skip;
                let key = format!("--{flag}");
                push_verdict(
                    lines,
                    hits,
                    Verdict::Weak,
                    DESCRIPTION,
                    &key,
                    at,
                    v.into_owned(),
                );
                continue;
            }
            if is_literal(&v) && !matches!(v.as_ref(), "true" | "false") {
                push_hit(
                    lines,
                    hits,
                    "command-line-secret",
                    DESCRIPTION,
                    value.start() + skip,
                    v.into_owned(),
                );
            }
        }
    }
    if memchr::memmem::find(bytes, b"curl").is_some() {
        for caps in curl_regex().captures_iter(bytes) {
            let Some(value) = caps.get(1) else { continue };
            let (v, skip) = unquote(value.as_bytes());
            let v = String::from_utf8_lossy(v);
            let Some((user, password)) = v.split_once(':') else {
                continue; // `-u user` alone: curl asks for the password.
            };
            if !user.is_empty() && is_literal(password) {
                push_hit(
                    lines,
                    hits,
                    "command-line-secret",
                    DESCRIPTION,
                    value.start() + skip + user.len() + 1,
                    password.to_string(),
                );
            }
        }
    }
    if memchr::memmem::find(bytes, b"mysql").is_some() {
        for caps in mysql_regex().captures_iter(bytes) {
            let Some(value) = caps.get(1) else { continue };
            let (v, skip) = unquote(value.as_bytes());
            let v = String::from_utf8_lossy(v);
            if is_literal(&v) {
                push_hit(
                    lines,
                    hits,
                    "command-line-secret",
                    DESCRIPTION,
                    value.start() + skip,
                    v.into_owned(),
                );
            }
        }
    }
}

/// `password="..."` in a JAAS login module configuration: each value judged alone (the word
/// `example` elsewhere in the block does not make its password a placeholder).
pub(super) fn jaas_passwords(bytes: &[u8], lines: &Lines<'_>, hits: &mut Vec<Hit>) {
    for caps in jaas_regex().captures_iter(bytes) {
        let Some(value) = caps.get(2) else { continue };
        let v = String::from_utf8_lossy(value.as_bytes());
        if is_literal(&v) {
            push_hit(
                lines,
                hits,
                "generic-secret",
                "password in a JAAS login module configuration",
                value.start(),
                v.into_owned(),
            );
        }
    }
}
