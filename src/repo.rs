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

/// Why a folder is the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootMark {
    /// Given with `-C`.
    Given,
    /// It holds this entry (`.git`, `.platc.yaml` or the spec).
    Holds(String),
    /// Nothing marks a root above: the current folder.
    Fallback,
}

/// The repository root for a command started in `start` (an absolute folder): the first
/// folder up from it holding `.git`, `.platc.yaml` or the platform spec, as git and cargo
/// find theirs, so any subfolder works. `start` itself when none does.
pub fn find_root(start: &Path, spec: &str) -> (PathBuf, RootMark) {
    for dir in start.ancestors() {
        for mark in [".git", crate::config::FILE, spec] {
            if dir.join(mark).exists() {
                return (dir.to_path_buf(), RootMark::Holds(mark.to_string()));
            }
        }
    }
    (start.to_path_buf(), RootMark::Fallback)
}

/// A path as the user typed it (relative to `start`, or absolute), as a root-relative path
/// with `/` separators (`""` for the root itself); or why it cannot be checked.
pub fn relative_to_root(start: &Path, root: &Path, arg: &str) -> Result<String, String> {
    let joined = lexical(&start.join(arg));
    let root = lexical(root);
    if !joined.exists() {
        let hint = joined
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| {
                let parent = joined.parent()?;
                let mut siblings: Vec<String> = std::fs::read_dir(parent)
                    .ok()?
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                // Directory order differs between machines; suggestions must not.
                siblings.sort();
                crate::suggest::did_you_mean(name, siblings.iter().map(String::as_str))
                    .map(str::to_string)
            })
            .map(|s| {
                let typed = arg.trim_end_matches('/');
                let shown = match typed.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/{s}"),
                    None => s,
                };
                format!(" (did you mean `{shown}`?)")
            })
            .unwrap_or_default();
        return Err(format!("`{arg}` does not exist{hint}"));
    }
    let inside = joined
        .strip_prefix(&root)
        .map(Path::to_path_buf)
        .or_else(|_| {
            // Symbolic links (a /tmp that is /private/tmp): compare the real paths.
            let real = joined.canonicalize().map_err(|_| ())?;
            let real_root = root.canonicalize().map_err(|_| ())?;
            real.strip_prefix(real_root)
                .map(Path::to_path_buf)
                .map_err(|_| ())
        });
    match inside {
        Ok(rel) => Ok(rel.to_string_lossy().replace('\\', "/")),
        Err(()) => Err(format!(
            "`{arg}` is outside the repository at `{}`: run platc in the repository that holds it (or give its root with -C)",
            root.display()
        )),
    }
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
pub fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
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
    fn the_root_is_the_nearest_marked_folder_up() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("platform/components/web");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(dir.path().join("platform/platform.yaml"), "").unwrap();
        let (root, mark) = find_root(&deep, "platform/platform.yaml");
        assert_eq!(root, dir.path());
        assert_eq!(mark, RootMark::Holds("platform/platform.yaml".into()));
        std::fs::write(dir.path().join("platform/components/.platc.yaml"), "").unwrap();
        let (root, _) = find_root(&deep, "platform/platform.yaml");
        assert_eq!(root, dir.path().join("platform/components"));
    }

    #[test]
    fn typed_paths_become_root_relative() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("apps/web")).unwrap();
        std::fs::write(root.join("apps/web/deploy.yaml"), "").unwrap();
        let tests = root.join("tests");
        std::fs::create_dir_all(&tests).unwrap();
        assert_eq!(
            relative_to_root(&tests, root, "../apps/web/deploy.yaml").unwrap(),
            "apps/web/deploy.yaml"
        );
        let absolute = root.join("apps/web").display().to_string();
        assert_eq!(
            relative_to_root(&tests, root, &absolute).unwrap(),
            "apps/web"
        );
        assert_eq!(relative_to_root(root, root, ".").unwrap(), "");
        let e = relative_to_root(root, root, "apps/web/deploy.yml").unwrap_err();
        assert_eq!(
            e,
            "`apps/web/deploy.yml` does not exist (did you mean `apps/web/deploy.yaml`?)"
        );
        let outside = tempfile::tempdir().unwrap();
        let e = relative_to_root(root, root, &outside.path().display().to_string()).unwrap_err();
        assert!(e.contains("is outside the repository"), "{e}");
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
