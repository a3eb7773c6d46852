//! Finding credentials in a text: format rules behind a literal prefilter, private keys with
//! real key material, secret-like keys assigned literal high-entropy values, and every value
//! of a committed Kubernetes Secret.

use std::sync::OnceLock;

use base64::Engine as _;
use regex::bytes::Regex;

use super::filters::{entropy, is_identifier, is_not_credential, is_placeholder};
use super::rules::Compiled;
use super::weak;

/// A credential found in a text. The value stays in memory only to be redacted and
/// fingerprinted; it never reaches output.
#[derive(Clone, PartialEq)]
pub struct Hit {
    pub rule: &'static str,
    pub description: &'static str,
    pub line: u32,
    pub column: u32,
    pub secret: String,
    /// The key the value is assigned to, where the finding names it (`weak-password`).
    pub key: Option<String>,
}

impl std::fmt::Debug for Hit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Even debug output redacts: tests print hits on failure.
        write!(
            f,
            "Hit({} at {}:{} {})",
            self.rule,
            self.line,
            self.column,
            super::redact::redact(&self.secret)
        )
    }
}

/// Record a hit at byte `offset`, unless its line is a comment (a documented example).
pub(super) fn push_hit(
    lines: &Lines<'_>,
    hits: &mut Vec<Hit>,
    rule: &'static str,
    description: &'static str,
    offset: usize,
    secret: String,
) {
    let (line, column) = lines.locate(offset);
    if !is_comment(lines.line(line)) {
        hits.push(Hit {
            rule,
            description,
            line,
            column,
            secret,
            key: None,
        });
    }
}

/// Record the hit for `key: value` judged `verdict` (found by `how`) at byte `offset`.
pub(super) fn push_verdict(
    lines: &Lines<'_>,
    hits: &mut Vec<Hit>,
    verdict: Verdict,
    how: &'static str,
    key: &str,
    offset: usize,
    secret: String,
) {
    let (rule, description) = verdict.rule(how);
    let before = hits.len();
    push_hit(lines, hits, rule, description, offset, secret);
    if let Some(hit) = hits.get_mut(before) {
        hit.key = Some(key.to_string());
    }
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| Compiled::with_words(&secret_word_spellings()))
}

/// Line starts, for turning byte offsets into line and column. Found on first use: most
/// texts hold nothing to locate.
pub(super) struct Lines<'a> {
    text: &'a [u8],
    starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a [u8]) -> Lines<'a> {
        Lines {
            text,
            starts: std::cell::OnceCell::new(),
        }
    }

    /// The byte offset where each line starts.
    pub(super) fn starts(&self) -> &[usize] {
        self.starts.get_or_init(|| {
            let text = self.text;
            let mut starts = vec![0];
            // Line breaks as YAML counts them (the positions of YAML nodes are lines too):
            // `\n`, `\r\n`, and a lone `\r`.
            starts.extend(
                memchr::memchr2_iter(b'\n', b'\r', text)
                    .filter(|&i| text[i] == b'\n' || text.get(i + 1) != Some(&b'\n'))
                    .map(|i| i + 1),
            );
            starts
        })
    }

    pub(super) fn locate(&self, offset: usize) -> (u32, u32) {
        let starts = self.starts();
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let col = String::from_utf8_lossy(&self.text[starts[line]..offset])
            .chars()
            .count()
            + 1;
        (line as u32 + 1, col as u32)
    }

    /// Line `n` (from 1) without its break; empty past the end.
    pub(super) fn line(&self, n: u32) -> &'a [u8] {
        let i = (n as usize).saturating_sub(1);
        let starts = self.starts();
        let Some(&start) = starts.get(i) else {
            return &[];
        };
        let end = starts.get(i + 1).map_or(self.text.len(), |e| e - 1);
        &self.text[start..end.max(start)]
    }
}

pub(super) fn is_comment(line: &[u8]) -> bool {
    let t = line.trim_ascii_start();
    // `//registry.npmjs.org/:_authToken=` is not a comment: `//` must be followed by a space.
    let slashes = t
        .strip_prefix(b"//")
        .is_some_and(|r| r.is_empty() || r[0] == b' ' || r[0] == b'/');
    t.starts_with(b"#") || slashes || t.starts_with(b"; ")
}

/// `platc:allow` on the line or the line above (optionally naming the rule) waives it.
fn allowed(lines: &Lines<'_>, line: u32, rule: &str) -> bool {
    let check = |l: &[u8]| {
        let text = String::from_utf8_lossy(l);
        match text.find("platc:allow") {
            Some(i) => {
                let rest = text[i + "platc:allow".len()..].trim_start_matches([' ', ':', '=']);
                let named = rest
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .next()
                    .unwrap_or("");
                named.is_empty()
                    || !named.starts_with("secrets/")
                    || named == format!("secrets/{rule}")
            }
            None => false,
        }
    };
    check(lines.line(line)) || (line > 1 && check(lines.line(line - 1)))
}

/// Whether a file holds configuration where `key: value` assignments are data (YAML, JSON,
/// .env, HCL/Terraform, properties, INI), rather than code, where they are expressions.
pub fn is_config_file(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    if base.starts_with(".env")
        || base.ends_with(".env")
        || matches!(
            base.as_str(),
            ".npmrc" | ".pypirc" | ".netrc" | ".s3cfg" | ".boto" | "credentials" | "config" | "-"
        )
    {
        return true;
    }
    let ext = base.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "yaml"
            | "yml"
            | "json"
            | "tf"
            | "tfvars"
            | "hcl"
            | "properties"
            | "ini"
            | "conf"
            | "cfg"
            | "toml"
            | "npmrc"
            | "pypirc"
            | "tfrc"
            | "tfstate"
    )
}

/// Only the values of Kubernetes Secrets (and their dockerconfigjson) in a text, with the
/// same waivers as a full scan.
pub fn scan_secret_objects(text: &str) -> Vec<Hit> {
    let lines = Lines::new(text.as_bytes());
    let mut hits = Vec::new();
    super::kubernetes::secret_objects(text, &lines, 0, &mut hits);
    let encrypted = encrypted_lines(text);
    hits.retain(|h| {
        !allowed(&lines, h.line, h.rule)
            && !encrypted.iter().any(|(a, b)| *a <= h.line && h.line <= *b)
    });
    hits
}

/// How a file writes assignments, by its name.
pub fn syntax_of(name: &str) -> Syntax {
    if is_config_file(name) {
        return Syntax::Config;
    }
    let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    let ext = base.rsplit_once('.').map_or("", |(_, e)| e);
    if matches!(ext, "sh" | "bash" | "zsh" | "envrc" | "ksh" | "fish")
        || base.starts_with("dockerfile")
        || base.starts_with("containerfile")
        || base.ends_with(".dockerfile")
        || matches!(
            base.as_str(),
            ".envrc"
                | "makefile"
                | ".bashrc"
                | ".zshrc"
                | ".profile"
                | ".bash_profile"
                | ".zprofile"
        )
    {
        return Syntax::Shell;
    }
    if matches!(ext, "xml" | "config" | "csproj") {
        return Syntax::Markup;
    }
    if matches!(
        ext,
        "py" | "js"
            | "mjs"
            | "cjs"
            | "kts"
            | "gradle"
            | "ts"
            | "go"
            | "rb"
            | "java"
            | "kt"
            | "cs"
            | "php"
            | "rs"
            | "scala"
            | "groovy"
            | "swift"
    ) {
        return Syntax::Code;
    }
    Syntax::Other
}

/// Scan one text; `name` (a file name, or `-`) decides which rules apply.
pub fn scan(name: &str, text: &str) -> Vec<Hit> {
    scan_nested(name, text, 0)
}

/// A scan of a text found inside another (a Secret's value holding a configuration file),
/// `depth` levels down: Secrets inside Secrets are not unpacked forever.
pub(super) fn scan_nested(name: &str, text: &str, depth: u8) -> Vec<Hit> {
    let bytes = text.as_bytes();
    let lines = Lines::new(bytes);
    let mut hits = Vec::new();
    let has_secret_word = format_rules(bytes, &lines, &mut hits);
    private_keys(text, &lines, &mut hits);
    encoded_private_keys(bytes, &lines, &mut hits);
    let syntax = syntax_of(name);
    // Every key the assignment pattern takes, and every secret-like `name:`, holds one of
    // the secret words: a text with none of them (most manifests) skips both.
    let words = syntax != Syntax::Other && has_secret_word;
    if words {
        generic_assignments(bytes, &lines, syntax, &mut hits);
    }
    if words && syntax == Syntax::Config {
        name_value_pairs(text, &lines, &mut hits);
    }
    if syntax == Syntax::Markup {
        xml_elements(bytes, &lines, &mut hits);
    }
    if is_netrc(name) {
        netrc_passwords(bytes, &lines, &mut hits);
    }
    super::hashes::password_hashes(bytes, &lines, &mut hits);
    if matches!(syntax, Syntax::Config | Syntax::Shell) {
        super::command_line::command_line_secrets(bytes, &lines, &mut hits);
    }
    if text.contains("LoginModule") {
        super::command_line::jaas_passwords(bytes, &lines, &mut hits);
    }
    if depth < 2 && text.contains("Secret") {
        // A Secret's values are judged by what they are (decoded, by their key): the
        // line-based rules' verdicts on them give way.
        let mut own = Vec::new();
        let values = super::kubernetes::secret_objects(text, &lines, depth, &mut own);
        hits.retain(|h| {
            !(matches!(
                h.rule,
                "generic-secret" | "weak-password" | "command-line-secret" | "password-hash"
            ) && values.iter().any(|(a, b)| *a <= h.line && h.line <= *b))
        });
        hits.extend(own);
    }
    let legacy_docker = name.ends_with(".dockercfg");
    if text.contains("\"auths\"") || legacy_docker {
        docker_config_file(text, &lines, legacy_docker, &mut hits);
    }
    if name.rsplit('/').next() == Some(".pgpass") {
        pgpass_passwords(text, &lines, &mut hits);
    }
    let encrypted = encrypted_lines(text);
    hits.retain(|h| {
        !allowed(&lines, h.line, h.rule)
            && !encrypted.iter().any(|(a, b)| *a <= h.line && h.line <= *b)
    });
    dedupe(hits)
}

/// One finding per place: a specific format beats the generic and Kubernetes rules.
fn dedupe(mut hits: Vec<Hit>) -> Vec<Hit> {
    let rank = |r: &str| match r {
        "committed-secret" => 3,
        "generic-secret" | "weak-password" => 2,
        "kubernetes-secret" => 1,
        _ => 0,
    };
    hits.sort_by_key(|a| (a.line, rank(a.rule), a.column));
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        // The policy finding on a Secret object stands beside its values' findings.
        let same_place = out.iter().any(|o| {
            o == &h
                || (h.rule != "committed-secret"
                    && o.rule != "committed-secret"
                    && o.line == h.line
                    && (o.column == h.column
                        || o.secret.contains(&h.secret)
                        || h.secret.contains(&o.secret)))
        });
        if !same_place {
            out.push(h);
        }
    }
    out.sort_by(|a, b| (a.line, a.column, a.rule).cmp(&(b.line, b.column, b.rule)));
    out
}

/// The format rules' findings; true when the text holds one of the secret words (found in
/// the same pass as the rules' anchors).
fn format_rules(bytes: &[u8], lines: &Lines<'_>, hits: &mut Vec<Hit>) -> bool {
    let c = compiled();
    let mut candidates = vec![false; c.rules.len()];
    let mut secret_word = false;
    for m in c.prefilter.find_overlapping_iter(bytes) {
        match c.anchor_rule.get(m.pattern().as_usize()) {
            Some(&rule) => candidates[rule] = true,
            None => secret_word = true,
        }
    }
    for (i, rule) in c.rules.iter().enumerate() {
        // An anchor is often there without a secret (`://` without a password): a match test
        // (the fast engines) before the search for capture groups (a slower one).
        if !candidates[i] || !c.regexes[i].is_match(bytes) {
            continue;
        }
        for caps in c.regexes[i].captures_iter(bytes) {
            // Patterns with alternatives hold the secret in whichever group took part.
            let Some(m) = (rule.group..caps.len()).find_map(|g| caps.get(g)) else {
                continue;
            };
            let Ok(secret) = std::str::from_utf8(m.as_bytes()) else {
                continue;
            };
            let (line, column) = lines.locate(m.start());
            if is_comment(lines.line(line)) || is_placeholder(secret) {
                continue;
            }
            if rule.min_entropy > 0.0 && entropy(secret) < rule.min_entropy {
                continue;
            }
            if rule.id == "url-password"
                && (is_identifier(secret)
                    || secret.starts_with('$')
                    || secret.chars().all(|c| c == '*'))
            {
                continue;
            }
            hits.push(Hit {
                rule: rule.id,
                description: rule.description,
                line,
                column,
                secret: secret.to_string(),
                key: None,
            });
        }
    }
    secret_word
}

/// PEM and OpenSSH private keys whose body really is key material (not `...`).
fn private_keys(text: &str, lines: &Lines<'_>, hits: &mut Vec<Hit>) {
    let mut from = 0;
    while let Some(i) = text[from..].find("-----BEGIN ") {
        let start = from + i;
        from = start + 11;
        let Some(header_end) = text[start + 11..].find("-----") else {
            break;
        };
        let label = &text[start + 11..start + 11 + header_end];
        if !(label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK"))
            || label.len() > 40
        {
            continue;
        }
        let body_start = start + 11 + header_end + 5;
        let end = text[body_start..]
            .find("-----END")
            .map_or(text.len(), |e| body_start + e);
        // JSON-escaped keys (`\n` inside a string) and YAML block scalars alike; armor
        // headers (`Version: GnuPG`) are not key material.
        let body: String = text[body_start..end]
            .replace("\\n", "\n")
            .lines()
            .filter(|l| !l.contains(": "))
            .collect::<Vec<_>>()
            .join("\n")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'' && *c != '|')
            .collect();
        let material = body.len() >= 64
            && !body.contains("...")
            && !body.contains("EXAMPLE")
            && body.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | ':' | ',' | '-')
            })
            && entropy(&body) > 4.5;
        if !material {
            continue;
        }
        let (line, column) = lines.locate(start);
        let gcp = text.contains("\"service_account\"") && text.contains("private_key_id");
        let (rule, description) = if gcp {
            ("gcp-service-account", "GCP service account key (JSON)")
        } else {
            ("private-key", "private key")
        };
        hits.push(Hit {
            rule,
            description,
            line,
            column,
            secret: body,
            key: None,
        });
    }
}

/// The words that make a key secret-like.
pub(super) const SECRET_WORDS: &str = r"(?i:password|passwd|passphrase|pwd|secret|token|bearer|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|client[_\-]?secret|credentials?|auth[_\-]?key|signing[_\-]?key|encryption[_\-]?key|master[_\-]?key|webhook[_\-]?url)";

/// Private keys stored base64-encoded (`client-key-data` in a kubeconfig, `tls.key` in Helm
/// values): `LS0tLS1CRUdJTi` is `-----BEGIN` in base64.
fn encoded_private_keys(bytes: &[u8], lines: &Lines<'_>, hits: &mut Vec<Hit>) {
    const BEGIN: &[u8] = b"LS0tLS1CRUdJTi";
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&bytes[from..], BEGIN) {
        let start = from + i;
        let end = bytes[start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
            .map_or(bytes.len(), |e| start + e);
        from = end;
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(&bytes[start..end])
        else {
            continue;
        };
        let decoded = String::from_utf8_lossy(&decoded);
        let mut found = Vec::new();
        private_keys(&decoded, &Lines::new(decoded.as_bytes()), &mut found);
        if found.is_empty() {
            continue;
        }
        push_hit(
            lines,
            hits,
            "private-key",
            "private key (base64-encoded)",
            start,
            String::from_utf8_lossy(&bytes[start..end]).into_owned(),
        );
    }
}

fn assignment_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        // A key (at the start of a line, after a shell or code keyword, or inside a flow
        // mapping), then `:` or `=` (YAML, JSON, .env, HCL, properties, shell), then a literal
        // value that ends the entry.
        // A key is quoted on both sides or on neither: `"secretsmanager:Tag",` is a string,
        // not a key and a value.
        const KEY: &str = r"[A-Za-z0-9_.\-]*";
        let key = format!("{KEY}{SECRET_WORDS}{KEY}");
        Regex::new(&format!(
            r#"(?-u)(?m)(?:^[ \t\-]*(?:(?:export|ENV|ARG|const|let|var|readonly|final|static)[ \t]+)?|[{{,][ \t]*)(?:"({key})"|'({key})'|({key}))[ \t]*(?::=|[:=])[ \t]*(?:"([^"\n]{{1,512}})"|'([^'\n]{{1,512}})'|([^\s"'#,{{}}\[\]][^\s"'#,{{}}\[\]]{{0,511}}))[ \t]*(?:[,}}]|;?[ \t]*(?:#.*|//.*)?$)"#
        ))
        .expect("the assignment pattern compiles")
    })
}

/// The literal spellings of [`SECRET_WORDS`] (ASCII case aside, as the pattern ignores
/// it): searched for in the scan's one prefilter pass, for the patterns built on them.
fn secret_word_spellings() -> Vec<String> {
    let mut words: Vec<String> = ["password", "passwd", "passphrase", "pwd", "secret"]
        .into_iter()
        .chain(["token", "bearer", "apikey", "credential"])
        .map(String::from)
        .collect();
    for (a, b) in [
        ("api", "key"),
        ("access", "key"),
        ("private", "key"),
        ("client", "secret"),
        ("auth", "key"),
        ("signing", "key"),
        ("encryption", "key"),
        ("master", "key"),
        ("webhook", "url"),
    ] {
        words.extend(["", "_", "-"].map(|sep| format!("{a}{sep}{b}")));
    }
    words
}

/// A secret-like name alone (`DB_PASSWORD`), for `name:`/`value:` pairs.
fn secret_name_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(&format!(
            r"(?-u)^[A-Za-z0-9_.\-]*{SECRET_WORDS}[A-Za-z0-9_.\-]*$"
        ))
        .expect("the name pattern compiles")
    })
}

/// Keys that name or point at a secret rather than hold one.
pub(super) fn is_reference_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    const SUFFIXES: [&str; 27] = [
        "namespace",
        "url",
        "uri",
        "endpoint",
        "header",
        "prefix",
        "dir",
        "mount",
        "version",
        "store",
        "provider",
        "name",
        "ref",
        "file",
        "path",
        "env",
        "field",
        "policy",
        "type",
        "length",
        "mode",
        "id",
        "_id",
        "secretkeyref",
        "passwordkey",
        "tokenkey",
        "usernamekey",
    ];
    const PREFIXES: [&str; 6] = ["existing", "use", "enable", "require", "generate", "create"];
    SUFFIXES.iter().any(|s| k.ends_with(s))
        || PREFIXES.iter().any(|p| k.starts_with(p))
        || k.contains("secretref")
        || k.ends_with("keyref")
}

/// How a file writes assignments.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// YAML, JSON, .env, HCL, properties, INI: `key: value` is data.
    Config,
    /// Shell scripts and Dockerfiles: values may be command substitutions.
    Shell,
    /// Source code: only quoted literals are values; the rest are expressions.
    Code,
    /// XML (Maven `settings.xml`, .NET configs): `<password>...</password>`.
    Markup,
    /// Anything else: only the format rules apply.
    Other,
}

/// What a value assigned to a key is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Verdict {
    /// A credential.
    Leak,
    /// A password hash: not a credential itself, but one found offline from it.
    Hash,
    /// A password anyone can guess (`password`, `admin123`), where the key says it is one.
    Weak,
}

impl Verdict {
    /// The rule and description of a finding for `key: value`, found by `how`.
    pub(super) fn rule(self, how: &'static str) -> (&'static str, &'static str) {
        match self {
            Verdict::Leak => ("generic-secret", how),
            Verdict::Hash => (
                "password-hash",
                "password hash (crackable offline) under a password key",
            ),
            Verdict::Weak => ("weak-password", "guessable default password"),
        }
    }
}

/// Judge `key: value`: a credential, a password hash, or neither.
pub(super) fn judge(key: &str, value: &str) -> Option<Verdict> {
    // `key: |` / `key: >-` starts a block, `*name` is an alias: the value is elsewhere.
    if value.starts_with(['|', '>', '*', '&']) && value.len() <= 3 {
        return None;
    }
    if is_hash_under_password_key(key, value) {
        return Some(Verdict::Hash);
    }
    // Before the placeholder rules, which read `password` or `dummy_password` as a stand-in:
    // under a password's key it is the password a service is given.
    if weak::is_password_key(key) && weak::is_weak_password(key, value) {
        return Some(Verdict::Weak);
    }
    if is_env_secret_name(key) || is_password_setting(key) {
        return is_env_literal(key, value).then_some(Verdict::Leak);
    }
    is_literal_secret(key, value).then_some(Verdict::Leak)
}

/// A configuration setting that is a password by its name, as environment variables are:
/// `spring.datasource.password`, `db.password`, `redis_passwd` (a properties or YAML key whose
/// last part is the word). A literal there is the password whatever its entropy
/// (`password=admin`). Not `passwordPolicy` or `password.file`, which tune or point to one.
fn is_password_setting(key: &str) -> bool {
    let last = key
        .rsplit(['.', '_', '-'])
        .next()
        .unwrap_or(key)
        .to_ascii_lowercase();
    key.len() > last.len() && matches!(last.as_str(), "password" | "passwd" | "pwd")
}

/// `password_sha256_hex: 5e88...`, `passwordHash: ...`: a hex digest under a key that says it
/// hashes a password (ClickHouse users, Mosquitto, custom apps).
fn is_hash_under_password_key(key: &str, value: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let password = ["password", "passwd", "pwd", "passphrase"]
        .iter()
        .any(|w| k.contains(w));
    let hashed = ["sha", "hash", "md5", "digest"]
        .iter()
        .any(|w| k.contains(w));
    let v = value.trim();
    password
        && hashed
        && matches!(v.len(), 32 | 40 | 56 | 64 | 96 | 128)
        && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An environment variable that holds a credential by its name: `DB_PASSWORD`,
/// `KAFKA_CLUSTER_PASSWORD`, `SSO_SECRET`, `GITHUB_TOKEN`, `STRIPE_API_KEY`. Not
/// `DB_PASSWORD_FILE`, `TOKEN_TTL` or `SECRET_NAME`, which name or tune one.
pub(super) fn is_env_secret_name(key: &str) -> bool {
    if !key.bytes().any(|b| b.is_ascii_uppercase())
        || key.bytes().any(|b| b.is_ascii_lowercase())
        || !key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    let words: Vec<&str> = key.split('_').filter(|w| !w.is_empty()).collect();
    let last = words.last().copied().unwrap_or("");
    let pair = words.len().checked_sub(2).map(|i| (words[i], words[i + 1]));
    matches!(
        last,
        "PASSWORD" | "PASSWD" | "PWD" | "PASS" | "PASSPHRASE" | "SECRET" | "TOKEN" | "APIKEY"
    ) || matches!(
        pair,
        Some((
            "API" | "SECRET" | "ACCESS" | "PRIVATE" | "MASTER" | "SIGNING" | "ENCRYPTION" | "AUTH",
            "KEY"
        ))
    ) || key.ends_with("SECRET_KEY_BASE")
}

/// A literal under an environment-variable name that says it is a credential: a leak
/// whatever its entropy (`DB_PASSWORD=postgres` is the password), unless it is a
/// placeholder, a reference, or not a credential's shape at all.
fn is_env_literal(key: &str, value: &str) -> bool {
    let v = value.trim();
    let hex = v.len() >= 16 && v.bytes().all(|b| b.is_ascii_hexdigit());
    !(v.is_empty()
        || is_reference_key(key)
        || is_placeholder(v)
        || is_not_credential(v)
        || (is_identifier(v) && !hex)
        // `AWS_SECRET_ACCESS_KEY`, `adminPassword`: the name of another setting. Lowercase
        // words (`sso-dev`) are a password as likely as a name here.
        || (super::filters::is_name_like(v) && v.bytes().any(|b| b.is_ascii_uppercase()))
        || spells_its_name(v)
        || v.contains(' ')
        || v.starts_with('#'))
}

/// A value that spells the word it stands for (`ABCSECRETKEY`, `my-password-here`): a
/// stand-in, since generated credentials do not. A random value can hold such a word by
/// chance: what is left without it must be short or plain too.
pub(super) fn spells_its_name(secret: &str) -> bool {
    // Read as written in leetspeak too: `S3cr3tP@ss`, `P@ssw0rd`.
    let lower: String = secret
        .to_ascii_lowercase()
        .chars()
        .map(|c| match c {
            '3' => 'e',
            '0' => 'o',
            '1' => 'i',
            '@' | '4' => 'a',
            '$' | '5' => 's',
            '7' => 't',
            c => c,
        })
        .collect();
    let mut rest = lower.clone();
    for w in ["secret", "password", "passwd", "token"] {
        rest = rest.replace(w, "");
    }
    rest.len() < lower.len() && (rest.len() <= 8 || entropy(&rest) < 3.0)
}

/// Whether a value assigned to a secret-like key is a credential.
pub(super) fn is_literal_secret(key: &str, secret: &str) -> bool {
    // Under a secret-like key, a hex string is a credential (Twilio auth tokens, classic
    // GitHub tokens, many vendors' API keys), not a checksum; so is a UUID (npm's legacy
    // tokens, Heroku's API keys).
    let hex = secret.len() >= 16 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    let k = key.to_ascii_lowercase();
    let uuid = secret.len() == 36
        && secret.bytes().filter(|b| *b == b'-').count() == 4
        && ["password", "secret", "apikey", "api_key", "api-key", "auth"]
            .iter()
            .any(|w| k.contains(w));
    let stand_in = spells_its_name(secret);
    // `secretKey: firstname` (an ExternalSecret's `data`, a chart's `existingSecretKey`):
    // the name of a key in a Secret, lowercase words; a generated key mixes cases.
    let key_name = key.to_ascii_lowercase().ends_with("secretkey")
        && secret.len() <= 32
        && secret.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        });
    // `#ansiblue`, `#ff0000`: colours and anchors.
    if is_reference_key(key)
        || stand_in
        || key_name
        || secret.starts_with('#')
        || is_placeholder(secret)
        || is_not_credential(secret)
        || (is_identifier(secret) && !hex && !uuid)
        || super::filters::is_name_like(secret)
    {
        return false;
    }
    // A literal, high-entropy value: words, booleans and prose are not credentials. A long
    // value mixing cases and digits is random even when a letter repeats.
    let classes = [
        secret.bytes().any(|b| b.is_ascii_lowercase()),
        secret.bytes().any(|b| b.is_ascii_uppercase()),
        secret.bytes().any(|b| b.is_ascii_digit()),
    ]
    .iter()
    .filter(|c| **c)
    .count();
    let least = if classes == 3 && secret.len() >= 12 {
        2.5
    } else {
        3.0
    };
    !(secret.contains(' ')
        || secret.len() < 8
        || entropy(secret) < least
        || matches!(secret, "true" | "false" | "null"))
}

fn generic_assignments(bytes: &[u8], lines: &Lines<'_>, syntax: Syntax, hits: &mut Vec<Hit>) {
    for caps in assignment_regex().captures_iter(bytes) {
        let Some(key) = caps
            .get(1)
            .or(caps.get(2))
            .or(caps.get(3))
            .and_then(|m| std::str::from_utf8(m.as_bytes()).ok())
        else {
            continue;
        };
        let quoted = caps.get(4).or(caps.get(5));
        let value = match syntax {
            Syntax::Code => quoted,
            _ => quoted.or(caps.get(6)),
        };
        let Some(value) = value else { continue };
        let Ok(secret) = std::str::from_utf8(value.as_bytes()) else {
            continue;
        };
        // `$(cat token)` and backticks run a command: the value is not in the file.
        if syntax == Syntax::Shell && (secret.contains("$(") || secret.contains('`')) {
            continue;
        }
        let Some(verdict) = judge(key, secret) else {
            continue;
        };
        push_verdict(
            lines,
            hits,
            verdict,
            "secret-like key with a literal value",
            key,
            value.start(),
            secret.to_string(),
        );
    }
}

fn is_netrc(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base == ".netrc" || base == "_netrc"
}

/// `.netrc` writes `machine host login user password secret`, separated by spaces.
fn netrc_passwords(bytes: &[u8], lines: &Lines<'_>, hits: &mut Vec<Hit>) {
    static R: OnceLock<Regex> = OnceLock::new();
    let re = R.get_or_init(|| {
        Regex::new(r"(?-u)(?:^|\s)password\s+(\S+)").expect("the netrc pattern compiles")
    });
    for caps in re.captures_iter(bytes) {
        let Some(value) = caps.get(1) else { continue };
        let Ok(secret) = std::str::from_utf8(value.as_bytes()) else {
            continue;
        };
        if is_literal_secret("password", secret) {
            push_hit(
                lines,
                hits,
                "generic-secret",
                "password in a .netrc",
                value.start(),
                secret.to_string(),
            );
        }
    }
}

fn xml_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(&format!(
            r"(?-u)<([A-Za-z0-9_.\-]*{SECRET_WORDS}[A-Za-z0-9_.\-]*)>([^<>\s]{{8,512}})</([A-Za-z0-9_.\-]+)>"
        ))
        .expect("the element pattern compiles")
    })
}

/// `<password>...</password>` in XML configuration.
fn xml_elements(bytes: &[u8], lines: &Lines<'_>, hits: &mut Vec<Hit>) {
    for caps in xml_regex().captures_iter(bytes) {
        let (Some(open), Some(value), Some(close)) = (caps.get(1), caps.get(2), caps.get(3)) else {
            continue;
        };
        let (Ok(key), Ok(secret)) = (
            std::str::from_utf8(open.as_bytes()),
            std::str::from_utf8(value.as_bytes()),
        ) else {
            continue;
        };
        if open.as_bytes() != close.as_bytes() {
            continue;
        }
        let Some(verdict) = judge(key, secret) else {
            continue;
        };
        push_verdict(
            lines,
            hits,
            verdict,
            "secret-like element with a literal value",
            key,
            value.start(),
            secret.to_string(),
        );
    }
}

/// `name: DB_PASSWORD` followed by `value: ...`: a container's env entry (and the same
/// shape elsewhere) assigns the value to the name, one line apart.
fn name_value_pairs(text: &str, lines: &Lines<'_>, hits: &mut Vec<Hit>) {
    if !text.contains("value") {
        return;
    }
    let all: Vec<&str> = text.split('\n').collect();
    let field = |line: &str, key: &str| -> Option<(usize, String)> {
        let trimmed = line.trim_start().trim_start_matches('-').trim_start();
        let rest = trimmed.strip_prefix(key)?.strip_prefix(':')?;
        let value = rest.trim().trim_end_matches(',');
        let value = value.split(" #").next().unwrap_or(value).trim();
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        let indent = line.len() - trimmed.len();
        Some((indent, unquoted.to_string()))
    };
    for (i, line) in all.iter().enumerate() {
        let Some((indent, name)) = field(line, "name") else {
            continue;
        };
        if !secret_name_regex().is_match(name.as_bytes()) {
            continue;
        }
        // The `value` of the same entry: the next lines, at the entry's indentation.
        for (j, next) in all.iter().enumerate().skip(i + 1).take(3) {
            let Some((vindent, value)) = field(next, "value") else {
                let nt = next.trim_start();
                if next.len() - nt.len() < indent || nt.starts_with('-') {
                    break;
                }
                continue;
            };
            let verdict = judge(&name, &value);
            let Some(verdict) = verdict.filter(|_| vindent >= indent && !value.is_empty()) else {
                break;
            };
            let offset = lines.starts()[j] + next.find(value.as_str()).unwrap_or(0);
            let how = "secret-like name with a literal value";
            push_verdict(lines, hits, verdict, how, &name, offset, value);
            break;
        }
    }
}

/// Certificates and public keys are meant to be shared.
pub(super) fn is_public(value: &str) -> bool {
    let v = value.trim_start();
    v.starts_with("-----BEGIN CERTIFICATE")
        || v.starts_with("-----BEGIN PUBLIC KEY")
        || v.starts_with("-----BEGIN RSA PUBLIC KEY")
        || v.starts_with("-----BEGIN X509 CRL")
        || v.starts_with("ssh-rsa ")
        || v.starts_with("ssh-ed25519 ")
        || v.starts_with("ecdsa-sha2-")
}

/// Lines holding encrypted data (SealedSecret `encryptedData`, SOPS-encrypted documents):
/// ciphertext under secret-like keys is not a leak.
fn encrypted_lines(text: &str) -> Vec<(u32, u32)> {
    if !text.contains("SealedSecret") && !text.contains("sops") {
        return Vec::new();
    }
    let Ok(stream) = crate::yaml::parse_stream(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for doc in &stream.documents {
        let sealed = doc.get("kind").and_then(|k| k.as_str()) == Some("SealedSecret");
        if sealed {
            for pointer in ["/spec/encryptedData", "/spec/template/data"] {
                if let Some(n) = doc.pointer(pointer) {
                    out.push((n.span.start.line, n.span.end.line));
                }
            }
        }
        if doc.get("sops").is_some() {
            out.push((doc.span.start.line, doc.span.end.line));
        }
    }
    out
}

/// A Docker `config.json` committed as it is (`~/.docker/config.json`, a CI registry login):
/// each `auth` that decodes to `user:password`.
fn docker_config_file(text: &str, lines: &Lines<'_>, legacy: bool, hits: &mut Vec<Hit>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    // A legacy `.dockercfg` is the `auths` map itself.
    let auths = if legacy {
        value.as_object()
    } else {
        value.get("auths").and_then(|a| a.as_object())
    };
    let Some(auths) = auths else {
        return;
    };
    // Only entries whose `auth` decodes to a user and a real password, as in a Secret.
    let as_config = serde_json::json!({ "auths": auths }).to_string();
    if !docker_config_has_auth(&as_config) {
        return;
    }
    for entry in auths.values() {
        for key in ["auth", "password", "identitytoken"] {
            let Some(secret) = entry.get(key).and_then(|v| v.as_str()) else {
                continue;
            };
            if is_placeholder(secret) {
                continue;
            }
            let Some(offset) = text.find(&format!("\"{secret}\"")) else {
                continue;
            };
            let (line, column) = lines.locate(offset + 1);
            hits.push(Hit {
                rule: "docker-registry-auth",
                description: "container registry credentials in a Docker config",
                line,
                column,
                secret: secret.to_string(),
                key: None,
            });
        }
    }
}

/// `.pgpass` lines are `host:port:database:user:password`.
fn pgpass_passwords(text: &str, lines: &Lines<'_>, hits: &mut Vec<Hit>) {
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        // Fields may escape `:` as `\:`; the password is what follows the fourth separator.
        let mut separators = 0;
        let mut escaped = false;
        let mut start = None;
        for (j, c) in line.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                ':' if !escaped => {
                    separators += 1;
                    if separators == 4 {
                        start = Some(j + 1);
                        break;
                    }
                }
                _ => escaped = false,
            }
        }
        let Some(start) = start else { continue };
        let password = &line[start..];
        if password.is_empty() || is_placeholder(password) {
            continue;
        }
        push_hit(
            lines,
            hits,
            "generic-secret",
            "password in a .pgpass",
            lines.starts()[i] + start,
            password.to_string(),
        );
    }
}

/// Whether a dockerconfigjson holds a usable credential (`auth`, `password` or
/// `identitytoken` that is not a placeholder).
pub(super) fn docker_config_has_auth(json: &str) -> bool {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        return !is_placeholder(json);
    };
    let Some(auths) = value.get("auths").and_then(|a| a.as_object()) else {
        return false;
    };
    auths.values().any(|entry| {
        ["auth", "password", "identitytoken"].iter().any(|k| {
            entry.get(*k).and_then(|v| v.as_str()).is_some_and(|s| {
                let decoded = if *k == "auth" {
                    base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .ok()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .and_then(|up| up.split_once(':').map(|(_, p)| p.to_string()))
                        .unwrap_or_default()
                } else {
                    s.to_string()
                };
                !is_placeholder(&decoded)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefilter must let through every spelling the pattern takes, or the scan would
    /// miss assignments: each alternative of `SECRET_WORDS`, with each separator its
    /// `[_\-]?` allows and in any case, is found by it.
    #[test]
    fn the_secret_words_prefilter_covers_the_pattern() {
        let inner = SECRET_WORDS
            .strip_prefix("(?i:")
            .and_then(|s| s.strip_suffix(')'))
            .unwrap();
        let mut spellings = 0;
        for alternative in inner.split('|') {
            let base = alternative.trim_end_matches("s?");
            let forms: Vec<String> = match base.split_once(r"[_\-]?") {
                Some((a, b)) => ["", "_", "-"]
                    .iter()
                    .map(|sep| format!("{a}{sep}{b}"))
                    .collect(),
                None => vec![base.to_string()],
            };
            for form in forms {
                assert!(
                    form.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
                    "`{alternative}` is not a word and separator: extend the prefilter"
                );
                for text in [form.clone(), form.to_ascii_uppercase()] {
                    let line = format!("  DB_{text}_X: value\n");
                    assert!(holds_secret_word(line.as_bytes()), "{text}");
                    assert!(assignment_regex().is_match(line.as_bytes()), "{text}");
                    spellings += 1;
                }
            }
        }
        assert!(spellings > 40, "{spellings}");
        assert!(!holds_secret_word(
            b"kind: Deployment\nspec:\n  replicas: 2\n"
        ));
    }

    /// What the scan's one prefilter pass says of the secret words.
    fn holds_secret_word(bytes: &[u8]) -> bool {
        format_rules(bytes, &Lines::new(bytes), &mut Vec::new())
    }
}
