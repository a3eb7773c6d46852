//! Paths in the spec: relative to the spec's folder, never escaping the repository.

use std::path::Path;

/// A spec path turned into a repo-relative path with `/` separators, or why it can't be.
pub fn repo_relative(spec_dir: &str, path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if Path::new(path).is_absolute() || path.starts_with('/') || path.contains('\\') {
        return Err(format!(
            "`{path}` must be relative to the spec's folder, with `/` separators"
        ));
    }
    let mut parts: Vec<&str> = spec_dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("`{path}` leads outside the repository"));
                }
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(format!("`{path}` is the repository root itself"));
    }
    Ok(parts.join("/"))
}

/// What is at a repo-relative path on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    File,
    Dir,
}

/// Look a repo-relative path up on disk, refusing symlinks that lead outside the repository.
pub fn lookup(root: &Path, rel: &str) -> Result<Entry, String> {
    let real = match crate::confine::within(root, &root.join(rel), rel) {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(format!(
                "`{rel}` is a link that leads outside the repository"
            ));
        }
        Err(_) => return Err(format!("`{rel}` does not exist")),
    };
    Ok(if crate::confine::is_dir(&real) {
        Entry::Dir
    } else {
        Entry::File
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_within_the_repo() {
        assert_eq!(
            repo_relative("platform", "components/a/values.yaml").unwrap(),
            "platform/components/a/values.yaml"
        );
        assert_eq!(
            repo_relative("platform", "../shared/x.yaml").unwrap(),
            "shared/x.yaml"
        );
        assert_eq!(
            repo_relative("platform", "./a/./b").unwrap(),
            "platform/a/b"
        );
        assert!(
            repo_relative("platform", "../../etc/passwd")
                .unwrap_err()
                .contains("outside")
        );
        assert!(repo_relative("platform", "/etc/passwd").is_err());
        assert!(repo_relative("platform", "..").is_err());
        assert!(repo_relative("", "a").is_ok());
    }
}
