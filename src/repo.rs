//! Which git URLs name the repository being checked, so an Application's `repoURL` can be
//! recognised as "this repository" and its paths checked on disk.
//!
//! The URLs come from the platform spec (`spec.repo.url`), `.platc.yaml` (`repoURLs`) and the
//! remotes in `.git/config` (read directly: no git process, no network).

use std::path::{Path, PathBuf};

/// This repository: its root and the URLs it is known by (normalised).
#[derive(Debug, Clone, Default)]
pub struct Repo {
    pub root: PathBuf,
    urls: Vec<String>,
}

impl Repo {
    pub fn new(root: &Path, urls: impl IntoIterator<Item = String>) -> Repo {
        let mut urls: Vec<String> = urls.into_iter().map(|u| normalize(&u)).collect();
        urls.sort();
        urls.dedup();
        Repo {
            root: root.to_path_buf(),
            urls,
        }
    }

    /// The repository at `root`, known by the given URLs and by its git remotes.
    pub fn discover(root: &Path, configured: &[String]) -> Repo {
        let mut urls = configured.to_vec();
        urls.extend(git_remotes(root));
        Repo::new(root, urls)
    }

    /// Whether a `repoURL` names this repository.
    pub fn is_this(&self, url: &str) -> bool {
        !self.urls.is_empty() && self.urls.binary_search(&normalize(url)).is_ok()
    }

    pub fn knows_its_urls(&self) -> bool {
        !self.urls.is_empty()
    }
}

/// One spelling per repository: `https://Git.Example.org/club/platform.git/`,
/// `git@git.example.org:club/platform` and `ssh://git@git.example.org/club/platform.git`
/// are all `git.example.org/club/platform`.
pub fn normalize(url: &str) -> String {
    let mut u = url.trim();
    let had_scheme = match u.find("://") {
        Some(i) => {
            u = &u[i + 3..];
            true
        }
        None => false,
    };
    // Credentials or the ssh user before the host.
    if let Some(at) = u.find('@')
        && u[..at].find('/').is_none()
    {
        u = &u[at + 1..];
    }
    let mut s = u.to_string();
    // scp-like `host:org/repo`.
    if !had_scheme
        && let Some(colon) = s.find(':')
        && s[..colon].find('/').is_none()
    {
        s.replace_range(colon..=colon, "/");
    }
    let s = s.trim_end_matches('/');
    let s = s.strip_suffix(".git").unwrap_or(s);
    s.to_ascii_lowercase()
}

/// The remote URLs in the repository's git config (`.git` may be a file pointing elsewhere,
/// as in worktrees and submodules).
fn git_remotes(root: &Path) -> Vec<String> {
    let dot_git = root.join(".git");
    let config = if dot_git.is_file() {
        std::fs::read_to_string(&dot_git)
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("gitdir:").map(|d| d.trim().to_string()))
            })
            .map(|d| {
                let d = root.join(d);
                // A worktree's gitdir holds `commondir`; its config is there.
                match std::fs::read_to_string(d.join("commondir")) {
                    Ok(common) => d.join(common.trim()).join("config"),
                    Err(_) => d.join("config"),
                }
            })
    } else {
        Some(dot_git.join("config"))
    };
    let Some(text) = config.and_then(|c| std::fs::read_to_string(c).ok()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut in_remote = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_remote = line.starts_with("[remote ");
        } else if in_remote
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "url"
        {
            out.push(value.trim().to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_one_repository_normalise_alike() {
        // A made-up password (credentials are dropped), assembled at run time.
        let with_password = format!("https://bot:{}@git.example.org/club/platform", "hunter2");
        for u in [
            "https://git.example.org/club/platform.git",
            "https://Git.Example.org/club/platform/",
            "git@git.example.org:club/platform.git",
            "ssh://git@git.example.org/club/platform.git",
            &with_password,
        ] {
            assert_eq!(normalize(u), "git.example.org/club/platform", "{u}");
        }
        let repo = Repo::new(Path::new("."), ["git@git.example.org:club/platform".into()]);
        assert!(repo.is_this("https://git.example.org/club/platform.git"));
        assert!(!repo.is_this("https://git.example.org/club/other.git"));
        assert!(!Repo::default().is_this("https://git.example.org/club/platform"));
    }

    #[test]
    fn remotes_are_read_from_git_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(
            dir.path().join(".git/config"),
            "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:club/platform.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch \"main\"]\n\tremote = origin\n",
        )
        .unwrap();
        let repo = Repo::discover(dir.path(), &[]);
        assert!(repo.is_this("https://github.com/club/platform"));
    }
}
