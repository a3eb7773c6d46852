//! What is not a leak, though it looks like one: what makes other scanners noisy.

/// Values that stand for a secret without being one: templates, references, placeholders.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    // Templates and references: ${VAR}, {{ .Values.x }}, {{'{{'}}, $secret:key (Argo CD),
    // <path:...> (argocd-vault-plugin), vault:..., ENC[...] (SOPS), ref+ (vals).
    // `$name:key` (Argo CD) and `$VAR` (shell), not a password that happens to start with `$`.
    // `$dex.github.clientSecret` and `$secret-name:key` (Argo CD), `$VAR` (shell): a `$`
    // then a name. A bcrypt hash (`$2b$12$...`) has more `$` and is not a reference.
    let dollar_ref = v.starts_with('$')
        && v.len() < 128
        && v[1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-' | b'/'));
    // Terraform/HCL references (`var.db_password`) and key-value store paths
    // (`secret/data/apps/db`): names of secrets, not secrets.
    const HCL: [&str; 8] = [
        "var.",
        "local.",
        "data.",
        "module.",
        "each.",
        "count.",
        "path.",
        "random_password.",
    ];
    let hcl_ref = HCL.iter().any(|p| v.starts_with(p))
        && v.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'[' | b']' | b'"' | b'-')
        });
    let store_path = v.matches('/').count() >= 2
        && v.split('/').next().is_some_and(|first| {
            !first.is_empty() && first.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        })
        // Lowercase words: base64 with two slashes is not a path.
        && v.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'/' | b'_' | b'-' | b'.')
        });
    if hcl_ref || store_path {
        return true;
    }
    if is_template_or_reference(v) {
        return true;
    }
    if v.contains("${")
        || v.contains("$(")
        || v.contains("{{")
        || v.contains("{%")
        || dollar_ref
        || v.starts_with("<path:")
        || lower.starts_with("vault:")
        || v.starts_with("ENC[")
        || lower.starts_with("ref+")
        || lower.starts_with("op://")
        || lower.starts_with("secretref")
    {
        return true;
    }
    if is_stand_in(v, &lower) {
        return true;
    }
    if v.starts_with('<') && v.ends_with('>') {
        return true; // <your-token>
    }
    // A format string's field (`https://ci:{token}@host` in Rust or Python, `{0}` in .NET):
    // the value is filled in where the string is used.
    if let Some(field) = v.strip_prefix('{').and_then(|r| r.strip_suffix('}'))
        && !field.is_empty()
        && field
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':'))
    {
        return true;
    }
    const WORDS: [&str; 28] = [
        "foo",
        "bar",
        "baz",
        "foobar",
        "qux",
        "test",
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "placeholder",
        "redacted",
        "example",
        "dummy",
        "sample",
        "your-token",
        "your_token",
        "yourtoken",
        "your-password",
        "your_password",
        "password",
        "secret",
        "token",
        "notasecret",
        "xxxx",
        "todo",
        "fixme",
        "none",
    ];
    // `your-token`, `your_api_key`, `yourpassword`: not `YouR2dWnn7...`, which a random value
    // can start with.
    let yours = lower.strip_prefix("your").is_some_and(|rest| {
        rest.starts_with(['-', '_', ' ', '.'])
            || (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase()))
    });
    if WORDS.contains(&lower.as_str()) || (lower.len() < 40 && yours) {
        return true;
    }
    // Values vendors print in their documentation, copied into READMEs and tests everywhere.
    const DOCUMENTED: [&str; 5] = [
        // The password of the Kubernetes documentation's Secret examples.
        "1f2d1e2e67df",
        // jwt.io's example token (its signature; the header and payload vary little).
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        // Stripe's API reference test keys.
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        // Slack's documentation token.
        "xoxb-not-a-real-token-this-will-not-work",
    ];
    if DOCUMENTED.iter().any(|d| v.contains(d)) {
        return true;
    }
    // Documented examples (AWS's `...EXAMPLE` keys) and obvious stand-ins. Short words count
    // only as words of their own (`fake-token`): a random key can spell `FAKE` by chance.
    if ["example", "redacted", "changeme", "placeholder", "notreal"]
        .iter()
        .any(|w| lower.contains(w))
        || ["fake", "dummy"].iter().any(|w| has_word(&lower, w))
    {
        return true;
    }
    // Runs of one masking character: ****, xxxx, ....
    let first = v.chars().next().unwrap_or(' ');
    if matches!(first, '*' | 'x' | 'X' | '.' | '#' | '0' | '-' | '_')
        && v.chars().all(|c| c == first)
    {
        return true;
    }
    if v.contains("****") || lower.contains("xxxxx") || v.contains("...") {
        return true;
    }
    false
}

/// A value that another tool fills in or resolves: a template (`${VAR}`, `$(VAR)`,
/// `{{ .x }}`), or a reference to a secret store (`op://`, `vault:`, `ref+`, `<path:...>`,
/// SOPS's `ENC[...]`). A Secret holding only these holds no value of its own.
pub fn is_template_or_reference(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let lower = v.to_ascii_lowercase();
    v.contains("${")
        || v.contains("$(")
        || v.contains("{{")
        || v.contains("{%")
        || v.starts_with("<path:")
        || v.starts_with("ENC[")
        || ["vault:", "ref+", "op://", "secretref"]
            .iter()
            .any(|p| lower.starts_with(p))
}

/// Values written to be replaced: `UPDATE_AWS_ACCESS_KEY_ID`, `__REPLACE_ME__`,
/// `replacemeifneeded`, `change me`, `**access-token goes here**`, `the-api-key`,
/// `my-secret-password`. Each shape is one a generated credential cannot take.
fn is_stand_in(v: &str, lower: &str) -> bool {
    // Separators and markup removed: `__REPLACE_ME__`, `change me`, `Fill-In`.
    let squashed: String = lower
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' ' | '.' | '*'))
        .collect();
    const INSTRUCTIONS: [&str; 10] = [
        "changeme",
        "replaceme",
        "changethis",
        "updateme",
        "fillmein",
        "fillin",
        "goeshere",
        "tobereplaced",
        "insertyour",
        "enteryour",
    ];
    if INSTRUCTIONS.iter().any(|w| squashed.contains(w)) {
        return true;
    }
    // `__VALUE__` and `**value**`: markers around a name to substitute.
    let wrapped = |m: &str| v.len() > 2 * m.len() && v.starts_with(m) && v.ends_with(m);
    if wrapped("__") || wrapped("**") || wrapped("%%") || wrapped("@@") {
        return true;
    }
    // `UPDATE_AWS_ACCESS_KEY_ID`: an instruction verb on an environment-variable name.
    let constant = v.contains('_')
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    const VERBS: [&str; 9] = [
        "UPDATE_", "REPLACE_", "CHANGE_", "SET_", "ENTER_", "INSERT_", "FILL_", "YOUR_", "PUT_",
    ];
    if constant && VERBS.iter().any(|p| v.starts_with(p)) {
        return true;
    }
    // `the-api-key`, `my-secret-password`: lowercase words that describe the value.
    ["the-", "the_", "my-", "my_", "some-", "some_"]
        .iter()
        .any(|p| lower.starts_with(p))
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'))
}

/// Values that are not credentials whatever key holds them: paths and file names, host
/// names, e-mail addresses, version numbers, Terraform expressions, durations.
pub fn is_not_credential(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~"
    ) {
        return true;
    }
    let file_name = |s: &str| {
        s.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        })
    };
    // A file name (`config.json`, the names of files a Vault agent writes) or a path to one
    // (`/etc/kafka/secrets/kafka.keystore.jks`), in any case.
    let path = (v.starts_with('/') || v.starts_with("./") || v.starts_with("~/"))
        && v.split('/').filter(|s| !s.is_empty()).count() >= 2
        && v.split('/').all(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~'))
        })
        && v.rsplit('/').next().is_some_and(file_name);
    if file_name(v) || path {
        return true;
    }
    if is_host_name(v) || is_email(v) || is_version(v) || is_duration(v) {
        return true;
    }
    is_terraform_expression(v)
}

/// Extensions of files a value may name.
const FILE_EXTENSIONS: [&str; 34] = [
    "json",
    "yaml",
    "yml",
    "txt",
    "pem",
    "crt",
    "cer",
    "key",
    "jks",
    "p12",
    "pfx",
    "keystore",
    "truststore",
    "conf",
    "cfg",
    "ini",
    "properties",
    "env",
    "hcl",
    "sh",
    "toml",
    "xml",
    "tpl",
    "ctmpl",
    "tmpl",
    "log",
    "db",
    "sqlite",
    "csv",
    "kubeconfig",
    "der",
    "pub",
    "gpg",
    "asc",
];

/// `db.example.org`, `postgres.db.svc.cluster.local`, with an optional port: lowercase
/// labels ending in a word.
fn is_host_name(v: &str) -> bool {
    let host = match v.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => v,
    };
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && labels.last().is_some_and(|tld| {
            (2..=24).contains(&tld.len()) && tld.bytes().all(|b| b.is_ascii_lowercase())
        })
}

fn is_email(v: &str) -> bool {
    v.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty()
            && user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
            && is_host_name(&host.to_ascii_lowercase())
    })
}

/// `v1.2.3`, `1.30`, `16.4-alpine`.
fn is_version(v: &str) -> bool {
    let core = v.strip_prefix('v').unwrap_or(v);
    let (numbers, suffix) = core.split_once(['-', '+']).unwrap_or((core, ""));
    numbers.contains('.')
        && numbers
            .split('.')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
}

/// `30s`, `24h`, `7d`.
fn is_duration(v: &str) -> bool {
    let digits = v.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &v[digits.len()..];
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(unit, "ms" | "s" | "m" | "h" | "d" | "w" | "y")
}

/// Terraform references and function calls: `aws_db_instance.main.password`,
/// `random_password.db.result`, `base64encode(var.token)`.
fn is_terraform_expression(v: &str) -> bool {
    let ident = |s: &str| {
        !s.is_empty()
            && s.as_bytes()[0].is_ascii_lowercase()
            && s.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'_' | b'-' | b'[' | b']' | b'"' | b'*')
            })
    };
    let reference = v.split('.').count() >= 3 && v.split('.').all(ident) && v.contains('_');
    let call = v.ends_with(')')
        && v.split_once('(').is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
    reference || call
}

/// Whether `word` stands in `text` between non-alphanumeric characters (or the ends).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Values that are identifiers, not credentials: hex digests, git SHAs, UUIDs, image
/// digests, version strings, paths and URLs without passwords, numbers.
pub fn is_identifier(value: &str) -> bool {
    let v = value.trim();
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if v.starts_with("sha256:") || v.starts_with("sha512:") || v.contains("@sha256:") {
        return true;
    }
    // git SHAs and checksums: 40 or 64 hex characters.
    if (v.len() == 40 || v.len() == 64 || v.len() == 32 || v.len() == 128)
        && hex(v)
        && v.bytes().any(|b| b.is_ascii_digit())
        && !v.bytes().any(|b| b.is_ascii_uppercase())
    {
        return true;
    }
    // UUIDs.
    let parts: Vec<&str> = v.split('-').collect();
    if parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && hex(p))
    {
        return true;
    }
    if v.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return true;
    }
    // File paths (`/etc/secrets/token`), not base64 that happens to start with `/`.
    let path_like = (v.starts_with('/') || v.starts_with("./"))
        && v.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'/' | b'.' | b'-' | b'_')
        });
    if path_like || ((v.starts_with("http://") || v.starts_with("https://")) && !v.contains('@')) {
        return true;
    }
    if v.starts_with("arn:") {
        return true; // AWS resource names
    }
    // References to other places (`owner/repo#path`, `team/app/config`): lowercase words and
    // digits with slashes. Random secrets mix cases.
    let reference = v.contains('/')
        && v.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'/' | b'.' | b'-' | b'_' | b'#' | b':')
        });
    // Password hashes (bcrypt, argon2, crypt(3), LDAP): what a server stores, not what logs in.
    const HASHES: [&str; 11] = [
        "$2a$", "$2b$", "$2y$", "$argon2", "$1$", "$5$", "$6$", "$apr1$", "{SSHA}", "{SHA}",
        "pbkdf2_",
    ];
    reference || HASHES.iter().any(|h| v.starts_with(h))
}

/// A name rather than a credential: lowercase words (`client-secret`, `tls.key`,
/// `k8s-aws-v1.`), an environment variable (`AWS_SECRET_ACCESS_KEY`), camel or Pascal case
/// (`apiKeySource`, `NextPageToken`), capitalised words (`Access-Control-Allow-Credentials`).
/// Under a key like `secretKey` it names the key of a Secret or a setting.
pub fn is_name_like(value: &str) -> bool {
    let separated = |seps: &[u8]| value.bytes().any(|b| seps.contains(&b));
    // lower-case words starting with a letter, with at most one run of digits each.
    let lower_words = separated(b"-_.")
        && value.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
        && value
            .split(['-', '_', '.'])
            .filter(|w| !w.is_empty())
            .all(|w| w.as_bytes()[0].is_ascii_lowercase() && digit_runs(w) <= 1);
    // ENV_VAR_NAMES.
    let constant = separated(b"_")
        && value.as_bytes()[0].is_ascii_uppercase()
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    // Capitalised-Words-With-Dashes.
    let capitalised = separated(b"-") && value.split('-').all(|w| w.len() >= 2 && is_word(w));
    // Dotted paths of such names: `CloudFrontOriginAccessIdentityList.NextMarker`.
    let dotted = value.contains('.')
        && value.split('.').all(|part| {
            !part.is_empty() && (is_camel_case(part) || (part.len() >= 2 && is_word(part)))
        });
    lower_words || constant || capitalised || dotted || is_camel_case(value)
}

/// How many runs of digits a word has (`k8s`, `v1`: one; `x7k2`: two).
fn digit_runs(w: &str) -> usize {
    let b = w.as_bytes();
    (0..b.len())
        .filter(|&i| b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()))
        .count()
}

/// `Word`, `word` or an acronym (`ID`, `AWS`): how identifiers are made of words.
fn is_word(w: &str) -> bool {
    let b = w.as_bytes();
    b.iter().all(u8::is_ascii_alphabetic)
        && (b[1..].iter().all(u8::is_ascii_lowercase)
            || (b.len() <= 5 && b.iter().all(u8::is_ascii_uppercase)))
}

/// `apiKeySource`, `NextPageToken`, `AWSAccessKeyId`: letters only, split at capitals into
/// words of two or more letters (acronyms allowed). Random letters alternate case too often
/// to pass.
fn is_camel_case(value: &str) -> bool {
    if value.len() < 4 || !value.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let mut words: Vec<&str> = Vec::new();
    let b = value.as_bytes();
    let mut start = 0;
    for i in 1..b.len() {
        let boundary = b[i].is_ascii_uppercase()
            && (b[i - 1].is_ascii_lowercase()
                || (i + 1 < b.len()
                    && b[i + 1].is_ascii_lowercase()
                    && b[i - 1].is_ascii_uppercase()));
        if boundary {
            words.push(&value[start..i]);
            start = i;
        }
    }
    words.push(&value[start..]);
    // Words of a language have vowels; random letters cut at capitals mostly do not.
    let vowel = |w: &&str| {
        let vowels = w.bytes().filter(|b| b"aeiouAEIOU".contains(b)).count();
        // And no run of four consonants (`Hpwkz`): `y` sounds as a vowel often enough.
        let mut run = 0;
        let pronounceable = w.bytes().all(|b| {
            run = if b"aeiouyAEIOUY".contains(&b) {
                0
            } else {
                run + 1
            };
            run < 4
        });
        vowels * 5 >= w.len() && pronounceable
    };
    let acronyms = words
        .iter()
        .filter(|w| w.bytes().all(|b| b.is_ascii_uppercase()))
        .count();
    words.len() >= 2
        && acronyms <= 1
        && words.iter().all(|w| {
            w.len() >= 2 && is_word(w) && (w.bytes().all(|b| b.is_ascii_uppercase()) || vowel(w))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_not_secrets() {
        for v in [
            "",
            "${DB_PASSWORD}",
            "{{ .Values.password }}",
            "{{'{{'}} .Data.password {{'}}'}}",
            "$argocd-secret:key",
            "<path:kv/data/x#password>",
            "changeme",
            "<your-token>",
            "{token}",
            "{0}",
            "{self.password}",
            "****",
            "xxxxxxxx",
            "REDACTED",
            "ENC[AES256_GCM,data:abc]",
            "your-api-key-here",
            "vault:secret/data/x#y",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
        assert!(!is_placeholder("s3cr3t-Pa55w0rd-7f2k"));
        assert!(!is_placeholder("{s3cr3t-Pa55w0rd-7f2k!}"));
        assert!(is_placeholder("fake-token-for-tests"));
        // The token of jwt.io's debugger, as pasted in many READMEs.
        assert!(is_placeholder(concat!(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.",
            "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.",
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        )));
        // A random key may spell a stand-in word by chance (assembled at run time: no
        // credential-shaped literal is committed).
        assert!(!is_placeholder(&format!("AKIA{}", "XFAKE7U62HR7NQD7")));
        assert!(!is_placeholder("YouR2dWnn7xFr7yg"));
        assert!(is_placeholder("yourtoken"));
    }

    #[test]
    fn identifiers_are_not_secrets() {
        for v in [
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "123e4567-e89b-12d3-a456-426614174000",
            "1.2.3",
            "yegor256/home#assets/crates-credentials",
        ] {
            assert!(is_identifier(v), "{v}");
        }
        // Password hashes are not credentials to the generic rules (the hash rule reports
        // them). Assembled at run time: no hash is committed.
        for v in [
            format!(
                "$2a$10${}",
                "Zk3q9VbT1xLm8RfY2wPa.u7nC4tH6jK0sD5gU1iO3pE8rW2yT9uI7"
            ),
            format!(
                "$argon2id$v=19$m=65536,t=3,p=4${}",
                "C29tZXNhbHQ$eW91bGxORXZlckd1ZXNz"
            ),
        ] {
            assert!(is_identifier(&v), "{v}");
        }
        assert!(!is_identifier("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEYx"));
    }

    #[test]
    fn lowercase_word_names_are_not_secrets() {
        for v in [
            "client-secret",
            "tls.key",
            "db_password",
            "github-oauth-client-secret",
        ] {
            assert!(is_name_like(v), "{v}");
        }
        for v in [
            "k8s-aws-v1.",
            "AWS_SECRET_ACCESS_KEY",
            "apiKeySource",
            "NextPageToken",
            "AWSAccessKeyId",
            "privateKeyUsagePeriod",
            "Access-Control-Allow-Credentials",
            "CloudFrontOriginAccessIdentityList.NextMarker",
        ] {
            assert!(is_name_like(v), "{v}");
        }
        for v in [
            "Zk3q-9VbT1xLm",
            "s3cr3t-pa55",
            "nodashes",
            "aZbQkLmNoPxYtRw",
            "YcQrJseBJIxWWGPUdy",
            "xapgYgmahwqdsqbn",
            "WasyQgijwHpwkzaeWR",
            "ZkqVbTxLmRfYwPaQ",
            "x7k2-m9p4-q8r3",
        ] {
            assert!(!is_name_like(v), "{v}");
        }
    }

    #[test]
    fn stand_ins_and_references_are_placeholders() {
        for v in [
            "UPDATE_AWS_ACCESS_KEY_ID",
            "__REPLACE_ME__",
            "replaceme",
            "replacemeifneeded",
            "change me",
            "**access-token goes here**",
            "the-password-depot-password",
            "my-secret-client-secret",
            "op://platform/grafana/password",
            "$(CLIENT_SECRET)",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
        for v in [
            "Q7hTz2KpWm4xRc9v",
            "postgres",
            "AWS_SECRET_ACCESS_KEY_VALUE9x",
        ] {
            assert!(!is_placeholder(v), "{v}");
        }
    }

    #[test]
    fn paths_names_hosts_and_versions_are_not_credentials() {
        for v in [
            "/etc/kafka/secrets/kafka.keystore.jks",
            "/vault/secrets/Config.JSON",
            "db-creds.json",
            "postgres.database.svc.cluster.local",
            "smtp.example.org:587",
            "ops@example.org",
            "v16.4.2",
            "1.30",
            "24h",
            "aws_db_instance.main.password",
            "base64encode(random_password.db.result)",
            "true",
        ] {
            assert!(is_not_credential(v), "{v}");
        }
        for v in [
            "Q7hTz2KpWm4xRc9v",
            "postgres",
            "s3cr3t.Pa55",
            "/Kx9aB2Zq+8mN",
        ] {
            assert!(!is_not_credential(v), "{v}");
        }
    }

    #[test]
    fn entropy_separates_words_from_keys() {
        assert!(entropy("aaaaaaaa") < 0.1);
        assert!(entropy("hunter2hunter2") < 3.0);
        assert!(entropy("Zk3q9VbT1xLm8RfY2wPa") > 4.0);
    }
}
