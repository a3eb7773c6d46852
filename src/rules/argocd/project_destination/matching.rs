//! Argo CD's matching of an Application against an AppProject (globs, `!` entries, cluster
//! names and servers, git URLs, group/kind lists), in three-valued logic: where the answer
//! depends on what platc cannot see, it is `Maybe`.

/// Three-valued truth: Argo CD's answer, or `Maybe` when it depends on what platc cannot see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tri {
    Yes,
    No,
    Maybe,
}

use Tri::{Maybe, No, Yes};

impl Tri {
    pub(super) fn of(b: bool) -> Tri {
        if b { Yes } else { No }
    }

    pub(super) fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (No, _) | (_, No) => No,
            (Yes, Yes) => Yes,
            _ => Maybe,
        }
    }

    pub(super) fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Yes, _) | (_, Yes) => Yes,
            (No, No) => No,
            _ => Maybe,
        }
    }

    pub(super) fn not(self) -> Tri {
        match self {
            Yes => No,
            No => Yes,
            Maybe => Maybe,
        }
    }
}

/// A glob as Argo CD's glob library reads it: `*` (not across `separator` when one is given),
/// `**` across everything, `?` one character. Classes, alternatives and escapes are rare in
/// projects and not read: they give `Maybe` unless the text is equal.
pub(super) fn glob(pattern: &str, value: &str, separator: Option<char>) -> Tri {
    if pattern.contains(['[', ']', '{', '}', '\\']) {
        return if pattern == value { Yes } else { Maybe };
    }
    let one = match separator {
        Some(c) => format!("[^{}]", regex::escape(&c.to_string())),
        None => "(?s:.)".to_string(),
    };
    let mut re = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                re.push_str("(?s:.*)");
            }
            '*' => {
                re.push_str(&one);
                re.push('*');
            }
            '?' => re.push_str(&one),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    re.push('$');
    regex::Regex::new(&re).map_or(Maybe, |r| Tri::of(r.is_match(value)))
}

/// Argo CD's `globMatch` with negation: `!pattern` matches what `pattern` does not, `*`
/// matches everything.
pub(super) fn argo_glob(pattern: &str, value: &str, separator: Option<char>) -> Tri {
    if let Some(rest) = pattern.strip_prefix('!') {
        return glob(rest, value, separator).not();
    }
    if pattern == "*" {
        return Yes;
    }
    glob(pattern, value, separator)
}

pub(super) fn is_deny(pattern: &str) -> Tri {
    Tri::of(pattern.starts_with('!'))
}

pub(super) const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
pub(super) const IN_CLUSTER_NAME: &str = "in-cluster";

/// A destination as Argo CD compares it. `None`: not known here (the server a cluster name
/// stands for, and the reverse), never empty in Argo CD.
#[derive(Clone, Copy)]
pub(super) struct Target<'a> {
    pub(super) server: Option<&'a str>,
    pub(super) name: Option<&'a str>,
    /// None: the Application names no namespace.
    pub(super) namespace: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub(super) fn new(
        server: Option<&'a str>,
        name: Option<&'a str>,
        namespace: Option<&'a str>,
    ) -> Self {
        match (server, name) {
            (Some(s), None) => Target {
                server: Some(s),
                name: (s.trim_end_matches('/') == IN_CLUSTER_SERVER).then_some(IN_CLUSTER_NAME),
                namespace,
            },
            (None, Some(n)) => Target {
                server: (n == IN_CLUSTER_NAME).then_some(IN_CLUSTER_SERVER),
                name: Some(n),
                namespace,
            },
            _ => Target {
                server,
                name,
                namespace,
            },
        }
    }

    /// `https://kubernetes.default.svc` namespace `web`, as messages say it.
    pub(super) fn describe(&self, written_name: bool) -> String {
        let cluster = match (written_name, self.name, self.server) {
            (true, Some(n), _) => format!("cluster `{n}`"),
            (_, _, Some(s)) => format!("`{s}`"),
            (_, Some(n), None) => format!("cluster `{n}`"),
            (_, None, None) => "the cluster".to_string(),
        };
        match self.namespace {
            Some(ns) => format!("{cluster} namespace `{ns}`"),
            None => cluster,
        }
    }
}

/// One field of a destination against one field of a project entry. A server also matches
/// when only a trailing slash differs, as far as platc can tell.
pub(super) fn field(pattern: &str, value: Option<&str>, server: bool) -> Tri {
    let Some(v) = value else {
        return if pattern.is_empty() { No } else { Maybe };
    };
    let plain = argo_glob(pattern, v, None);
    if !server {
        return plain;
    }
    let trimmed = argo_glob(pattern.trim_end_matches('/'), v.trim_end_matches('/'), None);
    if plain == trimmed { plain } else { Maybe }
}

/// Argo CD's `isDestinationMatched`: some entry matches, and no `!` entry denies.
pub(super) fn destination_permitted(allowed: &[AllowedDestination], target: Target<'_>) -> Tri {
    let mut any = No;
    let mut no_deny = Yes;
    for item in allowed {
        let name = field(&item.name, target.name, false);
        let server = field(&item.server, target.server, true);
        let namespace = match target.namespace {
            Some(ns) => argo_glob(&item.namespace, ns, None),
            // Without a namespace only `*` is sure to match.
            None if item.namespace == "*" => Yes,
            None => Maybe,
        };
        let cluster = server.or(name);
        let matched = cluster.and(namespace);
        let cluster_denied = name
            .not()
            .and(is_deny(&item.name))
            .or(server.not().and(is_deny(&item.server)))
            .and(namespace);
        let namespace_denied = cluster.and(is_deny(&item.namespace));
        let denied = matched
            .not()
            .and(cluster_denied.or(cluster_denied.not().and(namespace_denied)));
        any = any.or(matched);
        no_deny = no_deny.and(denied.not());
    }
    any.and(no_deny)
}

/// Argo CD's `NormalizeGitURL`: lower case, no `.git`, `git@host:org/repo` as `git@host/org/repo`.
pub(super) fn normalize_git_url(url: &str) -> String {
    let mut repo = url.trim().to_lowercase();
    static SSH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new("^(ssh://)?([^/:]*?)@[^@]+$").expect("a valid regex")
    });
    if SSH.is_match(&repo) && !repo.starts_with("ssh://") {
        repo = format!("ssh://{}", repo.replacen(':', "/", 1));
    }
    if let Some(r) = repo.strip_suffix(".git") {
        repo = r.to_string();
    }
    repo.strip_prefix("ssh://").unwrap_or(&repo).to_string()
}

/// Argo CD's `IsSourcePermitted`: some entry matches and every `!` entry lets it through.
/// `*` stays within one path segment in recent versions and not in old ones, and a trailing
/// slash may or may not count: where the readings disagree, `Maybe`.
pub(super) fn source_permitted(source_repos: &[String], repo_url: &str) -> Tri {
    let url = normalize_git_url(repo_url);
    let mut any = No;
    let mut no_deny = Yes;
    for entry in source_repos {
        let pattern = match entry.strip_prefix('!') {
            Some(rest) => format!("!{}", normalize_git_url(rest)),
            None => normalize_git_url(entry),
        };
        // A trailing slash, on either side, is not worth a finding either.
        let trimmed = url.trim_end_matches('/');
        let readings = [
            argo_glob(&pattern, &url, Some('/')),
            argo_glob(&pattern, &url, None),
            argo_glob(pattern.trim_end_matches('/'), trimmed, Some('/')),
            argo_glob(pattern.trim_end_matches('/'), trimmed, None),
        ];
        let matched = if readings.iter().all(|r| *r == readings[0]) {
            readings[0]
        } else {
            Maybe
        };
        any = any.or(matched);
        if pattern.starts_with('!') {
            no_deny = no_deny.and(matched);
        }
    }
    any.and(no_deny)
}

/// An entry of a project's resource lists.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct GroupKind {
    pub(super) group: String,
    pub(super) kind: String,
    /// The entry also names objects (newer Argo CD): whether it applies is not known here.
    pub(super) named: bool,
}

/// Argo CD's `isResourceInList` (Go's `filepath.Match` on group and kind).
pub(super) fn in_list(list: &[GroupKind], group: &str, kind: &str) -> Tri {
    list.iter().fold(No, |found, e| {
        let hit = glob(&e.kind, kind, Some('/'))
            .and(glob(&e.group, group, Some('/')))
            .and(if e.named { Maybe } else { Yes });
        found.or(hit)
    })
}

/// A `spec.destinations` entry (a missing field is the empty string, as in Argo CD).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct AllowedDestination {
    pub(super) server: String,
    pub(super) name: String,
    pub(super) namespace: String,
}

impl AllowedDestination {
    pub(super) fn describe(&self) -> String {
        let cluster = match (self.server.as_str(), self.name.as_str()) {
            ("", "") => "no cluster".to_string(),
            (s, "") => format!("`{s}`"),
            ("", n) => format!("cluster `{n}`"),
            (s, n) => format!("`{s}` or cluster `{n}`"),
        };
        format!("{cluster} namespace `{}`", self.namespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dest(server: &str, name: &str, namespace: &str) -> AllowedDestination {
        AllowedDestination {
            server: server.into(),
            name: name.into(),
            namespace: namespace.into(),
        }
    }

    fn at(
        server: Option<&'static str>,
        name: Option<&'static str>,
        ns: &'static str,
    ) -> Target<'static> {
        Target::new(server, name, Some(ns))
    }

    #[test]
    fn destinations_match_as_in_argo_cd() {
        let team = [dest(IN_CLUSTER_SERVER, "", "team-*")];
        assert_eq!(
            destination_permitted(&team, at(Some(IN_CLUSTER_SERVER), None, "team-a")),
            Yes
        );
        assert_eq!(
            destination_permitted(&team, at(Some(IN_CLUSTER_SERVER), None, "payments")),
            No
        );
        // `in-cluster` is the in-cluster server.
        assert_eq!(
            destination_permitted(&team, at(None, Some("in-cluster"), "team-a")),
            Yes
        );
        // Another cluster by name: its server is not known here.
        assert_eq!(
            destination_permitted(&team, at(None, Some("prod"), "team-a")),
            Maybe
        );
        assert_eq!(
            destination_permitted(&team, at(Some("https://prod.example.org"), None, "team-a")),
            No
        );
        let any = [dest("*", "", "*")];
        assert_eq!(
            destination_permitted(&any, at(Some("https://x"), None, "y")),
            Yes
        );
        assert_eq!(
            destination_permitted(&[], at(Some("https://x"), None, "y")),
            No
        );
        // A trailing slash is not worth a finding.
        let slash = [dest("https://kubernetes.default.svc/", "", "*")];
        assert_eq!(
            destination_permitted(&slash, at(Some(IN_CLUSTER_SERVER), None, "y")),
            Maybe
        );
    }

    #[test]
    fn deny_entries_refuse_what_they_name() {
        let allowed = [dest("*", "", "*"), dest("*", "", "!kube-system")];
        assert_eq!(
            destination_permitted(&allowed, at(Some(IN_CLUSTER_SERVER), None, "web")),
            Yes
        );
        assert_eq!(
            destination_permitted(&allowed, at(Some(IN_CLUSTER_SERVER), None, "kube-system")),
            No
        );
        let no_prod = [
            dest("*", "", "*"),
            dest("!https://prod.example.org", "", "*"),
        ];
        assert_eq!(
            destination_permitted(&no_prod, at(Some("https://prod.example.org"), None, "web")),
            No
        );
        assert_eq!(
            destination_permitted(&no_prod, at(Some(IN_CLUSTER_SERVER), None, "web")),
            Yes
        );
    }

    #[test]
    fn repositories_match_after_normalising() {
        let repos = ["https://git.example.org/club/*".to_string()];
        assert_eq!(
            source_permitted(&repos, "https://Git.example.org/club/platform.git"),
            Yes
        );
        assert_eq!(
            source_permitted(&repos, "https://git.example.org/other/platform"),
            No
        );
        // `*` across a slash: versions disagree.
        assert_eq!(
            source_permitted(&repos, "https://git.example.org/club/sub/repo"),
            Maybe
        );
        let ssh = ["git@git.example.org:club/platform.git".to_string()];
        assert_eq!(
            source_permitted(&ssh, "ssh://git@git.example.org/club/platform"),
            Yes
        );
        let deny = [
            "*".to_string(),
            "!https://git.example.org/secret/*".to_string(),
        ];
        assert_eq!(
            source_permitted(&deny, "https://git.example.org/secret/x"),
            No
        );
        assert_eq!(source_permitted(&deny, "https://charts.example.org"), Yes);
        assert_eq!(source_permitted(&[], "https://charts.example.org"), No);
        let exact = ["https://charts.example.org".to_string()];
        assert_eq!(
            source_permitted(&exact, "https://charts.example.org/"),
            Maybe
        );
    }

    #[test]
    fn globs_read_what_argo_cd_reads() {
        assert_eq!(glob("team-*", "team-a", None), Yes);
        assert_eq!(glob("a/*", "a/b/c", Some('/')), No);
        assert_eq!(glob("a/**", "a/b/c", Some('/')), Yes);
        assert_eq!(glob("team-?", "team-ab", None), No);
        assert_eq!(glob("team-[ab]", "team-a", None), Maybe);
        assert_eq!(argo_glob("!team-*", "web", None), Yes);
    }
}
