//! Credentials with documented public formats. Each rule has literal anchors for the
//! Aho-Corasick prefilter (a rule's regex runs only on text that holds one of them), a
//! byte regex with Unicode off, and the capture group that holds the secret.

use regex::bytes::Regex;

/// One credential format.
pub struct Rule {
    /// `secrets/<id>`.
    pub id: &'static str,
    pub description: &'static str,
    /// Literals one of which every match contains (lowercase: matched case-insensitively).
    pub anchors: &'static [&'static str],
    pub pattern: &'static str,
    /// The capture group holding the secret (0: the whole match).
    pub group: usize,
    /// The least Shannon entropy the secret must have (0: no check).
    pub min_entropy: f64,
}

pub const RULES: &[Rule] = &[
    Rule {
        id: "github-token",
        description: "GitHub personal access, OAuth, user, server or refresh token",
        anchors: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        pattern: r"(?-u)\b(gh[pousr]_[A-Za-z0-9]{36,255})\b",
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "github-fine-grained-token",
        description: "GitHub fine-grained personal access token",
        anchors: &["github_pat_"],
        pattern: r"(?-u)\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b",
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "gitlab-token",
        description: "GitLab personal, deploy, runner or CI token",
        anchors: &[
            "glpat-",
            "gldt-",
            "glrt-",
            "glcbt-",
            "glptt-",
            "gloas-",
            "glft-",
            "glsoat-",
            "glimt-",
            "glagent-",
            "glffct-",
            "gr1348941",
        ],
        pattern: r"(?-u)\b((?:glpat|gldt|glrt|glcbt|glptt|gloas|glft|glsoat|glimt|glagent|glffct)-[A-Za-z0-9_\-]{20,64}|GR1348941[A-Za-z0-9_\-]{20,})",
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "aws-access-key-id",
        description: "AWS access key id",
        anchors: &["akia", "asia", "abia", "acca"],
        pattern: r"(?-u)\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        group: 1,
        min_entropy: 2.5,
    },
    Rule {
        id: "aws-secret-access-key",
        description: "AWS secret access key",
        anchors: &[
            "aws_secret",
            "aws-secret",
            "awssecret",
            "aws.secret",
            "secretaccesskey",
            "secret_access_key",
            "secret-access-key",
        ],
        // Named as AWS names it (credentials files, env vars, SDK settings), in any file.
        pattern: r#"(?-u)(?i:aws[_\-.]?secret(?:[_\-.]?access)?[_\-.]?key|secret[_\-]?access[_\-]?key)["']?[ \t]*(?::=|=>|[:=])[ \t]*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "google-oauth-client-secret",
        description: "Google OAuth client secret",
        anchors: &["gocspx-"],
        pattern: r"(?-u)\b(GOCSPX-[A-Za-z0-9_\-]{28})(?:[^A-Za-z0-9_\-]|$)",
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "google-api-key",
        description: "Google API key",
        anchors: &["aiza"],
        pattern: r"(?-u)\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "azure-storage-key",
        description: "Azure storage account or shared access key",
        anchors: &[
            "accountkey",
            "sharedaccesskey",
            "account_key",
            "account-key",
            "storagekey",
            "storage_key",
            "storage-key",
        ],
        // In a connection string (`AccountKey=`, `SharedAccessKey=` of Service Bus and Event
        // Hubs), or assigned to a key named for it.
        pattern: r#"(?-u)(?:(?i:AccountKey|SharedAccessKey)=|(?i:account[_\-]?key|storage[_\-]?(?:account[_\-]?)?key)["']?[ \t]*[:=][ \t]*["']?)([A-Za-z0-9+/]{86}==|[A-Za-z0-9+/]{43}=)"#,
        group: 1,
        min_entropy: 4.0,
    },
    Rule {
        id: "azure-client-secret",
        description: "Microsoft Entra ID (Azure AD) application client secret",
        anchors: &["8q~", "7q~"],
        // Three characters, the version marker `8Q~` (or `7Q~`), then 31 to 34 more.
        pattern: r"(?-u)(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_\-.]{3}[78]Q~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|$)",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "azure-sas-token",
        description: "Azure shared access signature",
        anchors: &["sig="],
        pattern: r"(?-u)[?&]sv=\d{4}-\d{2}-\d{2}&[^\s'\x22]*?sig=([A-Za-z0-9%+/]{40,}(?:%3D|=)*)",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "slack-token",
        description: "Slack bot, user, app or refresh token",
        anchors: &[
            "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-",
        ],
        pattern: r"(?-u)\b((?:xox[bparse]|xoxe\.xox[bp]|xapp)-[0-9A-Za-z\-]{10,})",
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "slack-webhook",
        description: "Slack incoming webhook",
        anchors: &["hooks.slack.com"],
        pattern: r"(?-u)(https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_]+/[A-Za-z0-9_]+/[A-Za-z0-9_]{16,})",
        group: 1,
        min_entropy: 0.0,
    },
    Rule {
        id: "stripe-key",
        description: "Stripe secret, restricted or webhook signing key",
        anchors: &["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"],
        pattern: r"(?-u)\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,247}|whsec_[0-9A-Za-z+/]{32,88})\b",
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "vault-token",
        description: "HashiCorp Vault service or batch token",
        anchors: &["hvs.", "hvb.", "hvr."],
        pattern: r"(?-u)\b(hv[sbr]\.[A-Za-z0-9_\-]{24,})",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "terraform-cloud-token",
        description: "Terraform Cloud / Enterprise API token",
        anchors: &[".atlasv1."],
        pattern: r"(?-u)\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,90})",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "npm-token",
        description: "npm access token",
        anchors: &["npm_", "_authtoken"],
        // Granular tokens, and the legacy UUID tokens of an .npmrc `_authToken`.
        pattern: r#"(?-u)\b(npm_[A-Za-z0-9]{36})\b|(?i:_authToken)[ \t]*=[ \t]*["']?([A-Za-z0-9][A-Za-z0-9\-_.+/=]{19,})"#,
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "pypi-token",
        description: "PyPI upload token",
        anchors: &["pypi-ageichlwas5vcmc"],
        pattern: r"(?-u)\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "sendgrid-key",
        description: "SendGrid API key",
        anchors: &["sg."],
        pattern: r"(?-u)\b(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})(?:[^A-Za-z0-9_\-]|$)",
        group: 1,
        min_entropy: 4.0,
    },
    Rule {
        id: "twilio-key",
        description: "Twilio API key",
        anchors: &["sk"],
        pattern: r"(?-u)(?:^|[^A-Za-z0-9])(SK[0-9a-f]{32})\b",
        group: 1,
        min_entropy: 3.2,
    },
    Rule {
        id: "telegram-bot-token",
        description: "Telegram bot token",
        anchors: &[":aa"],
        pattern: r"(?-u)(?:^|[^0-9])([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})(?:[^A-Za-z0-9_\-]|$)",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "discord-webhook",
        description: "Discord webhook",
        anchors: &["discord.com/api/webhooks", "discordapp.com/api/webhooks"],
        pattern: r"(?-u)(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,68})",
        group: 1,
        min_entropy: 0.0,
    },
    Rule {
        id: "discord-bot-token",
        description: "Discord bot token",
        anchors: &["discord"],
        pattern: r"(?-u)(?i:discord)[^\n]{0,40}?\b([MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38})(?:[^A-Za-z0-9_\-]|$)",
        group: 1,
        min_entropy: 4.0,
    },
    Rule {
        id: "openai-key",
        description: "OpenAI API key",
        anchors: &[
            "sk-proj-",
            "sk-svcacct-",
            "sk-admin-",
            "sk-none-",
            "t3blbkfj",
        ],
        pattern: r"(?-u)\b(sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}|sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{40,200})",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "anthropic-key",
        description: "Anthropic API key",
        anchors: &["sk-ant-"],
        pattern: r"(?-u)\b(sk-ant-(?:api03|admin01)-[A-Za-z0-9_\-]{80,120})",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "digitalocean-token",
        description: "DigitalOcean personal access, OAuth or refresh token",
        anchors: &["dop_v1_", "doo_v1_", "dor_v1_"],
        pattern: r"(?-u)\b(do[por]_v1_[a-f0-9]{64})\b",
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "grafana-token",
        description: "Grafana Cloud, service account or API key",
        anchors: &["glc_", "glsa_", "eyjrijoi"],
        // Legacy API keys are base64 JSON (`{"k":"...`), with no dots, unlike a JWT.
        pattern: r"(?-u)\b(glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9+/]{30,400}={0,2})(?:[^A-Za-z0-9+/=.]|$)",
        group: 1,
        min_entropy: 3.5,
    },
    Rule {
        id: "age-secret-key",
        description: "age secret key",
        anchors: &["age-secret-key-1"],
        pattern: r"(?-u)\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b",
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "jwt",
        description: "JSON Web Token",
        anchors: &["eyj"],
        pattern: r"(?-u)\b(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})",
        group: 1,
        min_entropy: 4.0,
    },
    Rule {
        id: "connection-string-password",
        description: "password in a connection string or URL query",
        anchors: &["password=", "pwd="],
        // JDBC and ADO.NET style: `?user=app&password=...`, `;User Id=sa;Password=...;`.
        pattern: r#"(?-u)[?&;][ \t]*(?i:password|pwd)=([^&;\s'"<>]{4,128})"#,
        group: 1,
        min_entropy: 2.5,
    },
    Rule {
        id: "url-token",
        description: "token or API key in a URL query",
        anchors: &[
            "token=",
            "api_key=",
            "apikey=",
            "api-key=",
            "secret=",
            "client_secret=",
        ],
        // `?access_token=...`, `&api_key=...`: long enough to be a credential, not a flag.
        pattern: r#"(?-u)[?&](?i:access_token|auth_token|token|api_key|apikey|api-key|secret|client_secret)=([A-Za-z0-9_\-.~%+/]{16,256})"#,
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "authorization-header",
        description: "credential in an Authorization header",
        anchors: &["authorization"],
        // `Authorization: Bearer ...` in curl commands, HTTP files and configuration.
        pattern: r#"(?-u)(?i:authorization)["']?[ \t]*[:=][ \t]*["']?(?i:bearer|basic|token)[ \t]+([A-Za-z0-9_\-.=~+/]{16,})"#,
        group: 1,
        min_entropy: 3.0,
    },
    Rule {
        id: "url-password",
        description: "URL with an embedded password",
        anchors: &["://"],
        // A `:` in a password must be percent-encoded: one here is a host list, not a password.
        pattern: r"(?-u)\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^/\s:@'\x22]{0,64}:([^/\s:@'\x22]{3,128})@[A-Za-z0-9.\-]+",
        group: 1,
        min_entropy: 2.5,
    },
];

/// The compiled catalogue.
pub struct Compiled {
    pub rules: &'static [Rule],
    pub regexes: Vec<Regex>,
    /// Anchor index -> rule index; the patterns past the anchors are the extra words.
    pub anchor_rule: Vec<usize>,
    /// The rules' anchors, then the extra words: one pass over a text finds both.
    pub prefilter: aho_corasick::AhoCorasick,
}

impl Compiled {
    /// The catalogue, with `words` searched for in the same pass as the anchors (the
    /// secret words the generic rules need, case ignored like the anchors).
    pub fn with_words(words: &[String]) -> Compiled {
        let regexes = RULES
            .iter()
            .map(|r| Regex::new(r.pattern).expect("rule patterns compile"))
            .collect();
        let mut anchors = Vec::new();
        let mut anchor_rule = Vec::new();
        for (i, r) in RULES.iter().enumerate() {
            for a in r.anchors {
                anchors.push(*a);
                anchor_rule.push(i);
            }
        }
        // A DFA: every byte of every scanned file goes through this overlapping search, and
        // the default (an NFA) follows failure links per byte, twice as slow here.
        let prefilter = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(
                anchors
                    .iter()
                    .copied()
                    .chain(words.iter().map(String::as_str)),
            )
            .expect("anchors build");
        Compiled {
            rules: RULES,
            regexes,
            anchor_rule,
            prefilter,
        }
    }
}
