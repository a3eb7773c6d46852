//! Password hashes: what a server stores to check a password (htpasswd files, Argo CD's
//! admin password, LDAP, `/etc/shadow` lines). Not a credential itself, but one is found
//! offline from it by trying words, and fast hashes (`{SHA}`, MD5 crypt) give way quickly:
//! a warning, not a leak.

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::filters::is_placeholder;
use super::scan::{Hit, Lines, push_hit};

fn hash_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        // Each format exactly as written by its tool: bcrypt, Apache MD5 (`$apr1$`), MD5,
        // SHA-256 and SHA-512 crypt, argon2, and LDAP's `{SHA}`/`{SSHA}`.
        Regex::new(concat!(
            r"(?-u)(?:^|[^A-Za-z0-9$./])(",
            r"\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{53}",
            r"|\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}",
            r"|\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}",
            r"|\$5\$(?:rounds=[0-9]+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43}",
            r"|\$6\$(?:rounds=[0-9]+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}",
            r"|\$argon2(?:id|i|d)\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}",
            r"|\{SSHA(?:256|512)?\}[A-Za-z0-9+/]{20,}={0,2}",
            r"|\{SHA\}[A-Za-z0-9+/]{27}=",
            r")(?:[^A-Za-z0-9+/=$.]|$)"
        ))
        .expect("the hash pattern compiles")
    })
}

/// Every password hash in a text, wherever it stands (an htpasswd line `user:$apr1$...`, a
/// YAML value, a Secret's decoded `auth`).
pub(super) fn password_hashes(bytes: &[u8], lines: &Lines<'_>, hits: &mut Vec<Hit>) {
    // Every format holds `$` or `{S`: most texts hold neither.
    if memchr::memchr(b'$', bytes).is_none() && memchr::memmem::find(bytes, b"{S").is_none() {
        return;
    }
    for caps in hash_regex().captures_iter(bytes) {
        let Some(m) = caps.get(1) else { continue };
        let Ok(hash) = std::str::from_utf8(m.as_bytes()) else {
            continue;
        };
        if is_placeholder(hash) {
            continue;
        }
        push_hit(
            lines,
            hits,
            "password-hash",
            "password hash (crackable offline)",
            m.start(),
            hash.to_string(),
        );
    }
}
