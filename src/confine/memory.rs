//! Repositories held in memory and read as if they were on disk.
//!
//! `platc diff` reads a commit from git's objects and compiles the spec of each side. Writing
//! those files to a temporary folder costs more than everything else the diff does: on a
//! real disk, file creation is about 90 us a file, and a thousand-Application repository
//! has tens of thousands of files. A [`Snapshot`] holds them in memory instead, and
//! [`mount`] makes it readable at a path of its own: every reader that goes through
//! `confine` (the spec loader, the compiler, the kustomize builder, the renderers) reads it
//! like any folder, with the same confinement (links resolved, never leading outside).
//!
//! A snapshot may lie over a folder on disk: the work tree with the output tree the spec
//! would compile to laid over its `overlays/`, so a spec edit is diffed without writing the
//! work tree or copying it.
//!
//! What needs real files (a `kubectl kustomize` fallback) asks for [`on_disk`]: the snapshot
//! is then written out once, into its mount point, and read from memory as before.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// A file held in a snapshot.
#[derive(Debug, Clone)]
pub enum Content {
    Bytes(Arc<[u8]>),
    /// Over the read limit: only its size is kept, and a read says so.
    TooLarge(u64),
}

/// The files of a repository, repo-relative, optionally over a folder on disk.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    files: BTreeMap<String, Content>,
    /// Symbolic links as git stores them: path -> target, as written.
    links: BTreeMap<String, String>,
    /// Every folder holding a file or link ("" is the root), as of [`mount`].
    dirs: BTreeSet<String>,
    /// Where files this snapshot does not hold are read, with the folders hidden there (the
    /// output tree the snapshot replaces).
    lower: Option<(PathBuf, Vec<String>)>,
}

impl Snapshot {
    /// An empty snapshot; `lower`: a folder on disk it lies over.
    pub fn new(lower: Option<&Path>) -> Snapshot {
        Snapshot {
            lower: lower.map(|p| (p.to_path_buf(), Vec::new())),
            ..Snapshot::default()
        }
    }

    /// Hide the file or folder `rel` of the disk below (a folder's files then come from this
    /// snapshot only).
    pub fn hide(&mut self, rel: &str) {
        if let Some((_, hidden)) = &mut self.lower {
            hidden.push(rel.trim_matches('/').to_string());
        }
    }

    /// Add a file (a path with `..` or empty parts is not a repository path: left out).
    pub fn add(&mut self, rel: &str, content: Content) {
        let Some(rel) = clean(rel) else { return };
        self.links.remove(&rel);
        self.files.insert(rel, content);
    }

    /// The file at `rel`, if the snapshot holds one.
    pub fn get(&self, rel: &str) -> Option<&Content> {
        self.files.get(rel)
    }

    /// Drop a file or link.
    pub fn remove(&mut self, rel: &str) {
        self.files.remove(rel);
        self.links.remove(rel);
    }

    /// The paths of the files it holds under the folder `dir`, sorted.
    pub fn files_in(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{}/", dir.trim_matches('/'));
        self.files
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Add a symbolic link; its target is judged when it is read through.
    pub fn add_link(&mut self, rel: &str, target: &str) {
        let Some(rel) = clean(rel) else { return };
        self.files.remove(&rel);
        self.links.insert(rel, target.to_string());
    }

    /// Every folder that holds a file or link.
    fn find_dirs(&mut self) {
        self.dirs.clear();
        self.dirs.insert(String::new());
        for path in self.files.keys().chain(self.links.keys()) {
            let mut at = path.as_str();
            while let Some((parent, _)) = at.rsplit_once('/') {
                if !self.dirs.insert(parent.to_string()) {
                    break;
                }
                at = parent;
            }
        }
    }

    /// How many files and links it holds (the disk below not counted).
    pub fn len(&self) -> usize {
        self.files.len() + self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn hidden(&self, rel: &str) -> bool {
        self.lower.as_ref().is_some_and(|(_, hidden)| {
            hidden
                .iter()
                .any(|h| rel == h || rel.starts_with(&format!("{h}/")))
        })
    }
}

/// A repo-relative path with `.` and empty parts dropped; None with a `..`.
fn clean(rel: &str) -> Option<String> {
    let mut parts = Vec::new();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// A mounted snapshot: readable under [`Mount::root`] until dropped.
pub struct Mount {
    _point: tempfile::TempDir,
    root: PathBuf,
}

impl Mount {
    /// The path the snapshot reads at.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Change the mounted snapshot in place (the compiled tree added to a commit's files).
    pub fn update<R>(&mut self, change: impl FnOnce(&mut Snapshot) -> R) -> R {
        let mut mounts = MOUNTS.write().unwrap_or_else(|e| e.into_inner());
        let Some(at) = mounts.iter().position(|m| m.root == self.root) else {
            return change(&mut Snapshot::default());
        };
        let mounted = mounts.swap_remove(at);
        let mut snapshot = Arc::try_unwrap(mounted)
            .map(|m| m.snapshot)
            .unwrap_or_else(|m| m.snapshot.clone());
        let out = change(&mut snapshot);
        snapshot.find_dirs();
        mounts.push(Arc::new(Mounted {
            root: self.root.clone(),
            snapshot,
            spilled: OnceLock::new(),
        }));
        out
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let mut mounts = MOUNTS.write().unwrap_or_else(|e| e.into_inner());
        mounts.retain(|m| m.root != self.root);
        COUNT.store(mounts.len(), Ordering::Release);
        // The mount point (and what a spill wrote there) goes with `_point`.
    }
}

struct Mounted {
    root: PathBuf,
    snapshot: Snapshot,
    /// Whether the snapshot was written out to its mount point (for a kustomize binary).
    spilled: OnceLock<Result<(), String>>,
}

static MOUNTS: RwLock<Vec<Arc<Mounted>>> = RwLock::new(Vec::new());
/// How many are mounted: most runs mount none, and then no lock is taken on any read.
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// Spills run one at a time (two renders may ask at once).
static SPILL: Mutex<()> = Mutex::new(());

/// Make `snapshot` readable at a new, empty temporary folder (its mount point).
pub fn mount(mut snapshot: Snapshot) -> io::Result<Mount> {
    snapshot.find_dirs();
    let point = tempfile::Builder::new().prefix("platc-view-").tempdir()?;
    let root = point.path().to_path_buf();
    let mut mounts = MOUNTS.write().unwrap_or_else(|e| e.into_inner());
    mounts.push(Arc::new(Mounted {
        root: root.clone(),
        snapshot,
        spilled: OnceLock::new(),
    }));
    COUNT.store(mounts.len(), Ordering::Release);
    Ok(Mount {
        _point: point,
        root,
    })
}

/// The snapshot a path is in, with the path relative to its mount point.
fn find(path: &Path) -> Option<(Arc<Mounted>, String)> {
    if COUNT.load(Ordering::Acquire) == 0 {
        return None;
    }
    // Compared as bytes: `Path::strip_prefix` parses both paths into components, and this
    // runs on every read of every file once anything is mounted.
    let bytes = path.as_os_str().as_encoded_bytes();
    let mounts = MOUNTS.read().unwrap_or_else(|e| e.into_inner());
    mounts.iter().find_map(|m| {
        let root = m.root.as_os_str().as_encoded_bytes();
        let rest = bytes.strip_prefix(root)?;
        let rel = match rest {
            [] => "",
            [b'/', rel @ ..] => std::str::from_utf8(rel).ok()?,
            _ => return None,
        };
        Some((Arc::clone(m), rel.trim_end_matches('/').to_string()))
    })
}

/// What a path of a mounted snapshot is, links resolved.
pub(super) enum Found {
    File(String, Content),
    Dir(String),
    /// On the disk below: its real path (confined to that folder).
    Disk(PathBuf),
}

/// A mounted path, resolved: None when `path` is not in a mounted snapshot.
pub(super) fn locate(path: &Path, shown: &str) -> Option<io::Result<(PathBuf, Found)>> {
    let (m, rel) = find(path)?;
    Some(resolve(&m.snapshot, &rel, shown).map(|found| (m.root.clone(), found)))
}

/// The longest chain of links followed (Linux's limit).
const MAX_LINKS: usize = 40;

fn resolve(s: &Snapshot, rel: &str, shown: &str) -> io::Result<Found> {
    let mut parts: Vec<String> = Vec::new();
    let mut rest: Vec<String> = rel
        .split('/')
        .rev()
        .filter(|p| !p.is_empty() && *p != ".")
        .map(str::to_string)
        .collect();
    let mut hops = 0;
    while let Some(part) = rest.pop() {
        if part == ".." {
            if parts.pop().is_none() {
                return Err(super::outside(shown));
            }
            continue;
        }
        parts.push(part);
        let at = parts.join("/");
        if let Some(target) = s.links.get(&at) {
            hops += 1;
            // An absolute target names a file of the machine, not of the repository.
            if hops > MAX_LINKS || target.starts_with('/') {
                return Err(super::outside(shown));
            }
            parts.pop();
            rest.extend(
                target
                    .split('/')
                    .rev()
                    .filter(|p| !p.is_empty() && *p != ".")
                    .map(str::to_string),
            );
        }
    }
    let rel = parts.join("/");
    if rel == ".git" || rel.starts_with(".git/") {
        return Err(super::outside(shown));
    }
    if let Some(content) = s.files.get(&rel) {
        return Ok(Found::File(rel, content.clone()));
    }
    if s.dirs.contains(&rel) {
        return Ok(Found::Dir(rel));
    }
    match &s.lower {
        Some((lower, _)) if !s.hidden(&rel) => {
            let full = lower.join(&rel);
            super::within_disk(lower, &full, shown).map(Found::Disk)
        }
        _ => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("`{shown}` does not exist"),
        )),
    }
}

/// The names in a folder of a mounted snapshot, each with whether it is a folder (links
/// resolved), sorted: None when `path` is not mounted.
pub(super) fn list(path: &Path, shown: &str) -> Option<io::Result<Vec<(String, bool)>>> {
    let (m, rel) = find(path)?;
    Some(list_in(&m, &rel, shown))
}

fn list_in(m: &Mounted, rel: &str, shown: &str) -> io::Result<Vec<(String, bool)>> {
    let s = &m.snapshot;
    let dir = match resolve(s, rel, shown)? {
        Found::Dir(dir) => dir,
        Found::Disk(real) => {
            // Only on disk: a plain listing there.
            return disk_names(&real);
        }
        Found::File(..) => {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("`{shown}` is a file"),
            ));
        }
    };
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut names: BTreeMap<String, bool> = BTreeMap::new();
    let children = |keys: &mut dyn Iterator<Item = &String>, names: &mut BTreeMap<String, bool>| {
        for key in keys {
            let Some(below) = key.strip_prefix(&prefix) else {
                continue;
            };
            if below.is_empty() {
                continue;
            }
            let (name, deeper) = match below.split_once('/') {
                Some((name, _)) => (name, true),
                None => (below, false),
            };
            let entry = names.entry(name.to_string()).or_insert(false);
            *entry |= deeper;
        }
    };
    // `range` keeps this to the folder's own entries, however large the snapshot.
    children(
        &mut s
            .files
            .range(prefix.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&prefix)),
        &mut names,
    );
    children(
        &mut s
            .dirs
            .range(prefix.clone()..)
            .take_while(|k| k.starts_with(&prefix)),
        &mut names,
    );
    for (link, _) in s
        .links
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
    {
        let below = &link[prefix.len()..];
        if below.contains('/') {
            continue;
        }
        let is_dir = match resolve(s, link, shown) {
            Ok(Found::Dir(_)) => true,
            Ok(Found::Disk(p)) => p.is_dir(),
            _ => false,
        };
        names.insert(below.to_string(), is_dir);
    }
    if let Some((lower, _)) = &s.lower {
        let on_disk = lower.join(&dir);
        if let Ok(found) = disk_names(&on_disk) {
            for (name, is_dir) in found {
                let rel = format!("{prefix}{name}");
                if !s.hidden(&rel) {
                    names.entry(name).or_insert(is_dir);
                }
            }
        }
    }
    Ok(names.into_iter().collect())
}

fn disk_names(dir: &Path) -> io::Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // A link counts as what it leads to (judged when read through).
        let is_dir = entry.path().is_dir();
        out.push((name, is_dir));
    }
    out.sort();
    Ok(out)
}

/// Every file of a mounted snapshot under `dir` (repo-relative to the mount point), links
/// left out as a walker leaves them: None when `root` is not mounted.
pub(super) fn files_under(root: &Path) -> Option<Vec<String>> {
    let (m, rel) = find(root)?;
    if !rel.is_empty() {
        return None;
    }
    let s = &m.snapshot;
    let mut out: BTreeSet<String> = s.files.keys().cloned().collect();
    if let Some((lower, _)) = &s.lower {
        for e in ignore::WalkBuilder::new(lower)
            .require_git(false)
            .build()
            .flatten()
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        {
            let Ok(rel) = e.path().strip_prefix(lower) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !s.hidden(&rel) {
                out.insert(rel);
            }
        }
    }
    Some(out.into_iter().collect())
}

/// The folder holding the files of the repository at `root`: `root` itself, unless it is a
/// mounted snapshot, which is then written out into its mount point (once) for a program
/// that reads files (kustomize).
pub fn on_disk(root: &Path) -> Result<PathBuf, String> {
    let Some((m, rel)) = find(root) else {
        return Ok(root.to_path_buf());
    };
    m.spilled
        .get_or_init(|| {
            let _one_at_a_time = SPILL.lock().unwrap_or_else(|e| e.into_inner());
            spill(&m)
        })
        .clone()?;
    Ok(m.root.join(rel))
}

fn spill(m: &Mounted) -> Result<(), String> {
    let s = &m.snapshot;
    let write = |rel: &str, bytes: &[u8]| -> Result<(), String> {
        let to = m.root.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&to, bytes).map_err(|e| format!("cannot write `{}`: {e}", to.display()))
    };
    for dir in &s.dirs {
        std::fs::create_dir_all(m.root.join(dir))
            .map_err(|e| format!("cannot create `{dir}`: {e}"))?;
    }
    for (rel, content) in &s.files {
        if let Content::Bytes(bytes) = content {
            write(rel, bytes)?;
        }
    }
    #[cfg(unix)]
    for (rel, target) in &s.links {
        // Absolute targets name the machine's files: never recreated.
        if !target.starts_with('/') {
            let _ = std::os::unix::fs::symlink(target, m.root.join(rel));
        }
    }
    if let Some((lower, _)) = &s.lower {
        for e in ignore::WalkBuilder::new(lower)
            .hidden(false)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build()
            .flatten()
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        {
            let Ok(rel) = e.path().strip_prefix(lower) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if s.hidden(&rel) || s.files.contains_key(&rel) {
                continue;
            }
            let bytes = std::fs::read(e.path()).map_err(|e| format!("cannot read `{rel}`: {e}"))?;
            write(&rel, &bytes)?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn bytes(text: &str) -> Content {
        Content::Bytes(text.as_bytes().into())
    }

    /// The names `confine::read_dir` lists in a folder.
    fn names(dir: &Path) -> Vec<String> {
        crate::confine::read_dir(dir)
            .unwrap()
            .into_iter()
            .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_mounted_snapshot_reads_like_a_folder() {
        let mut s = Snapshot::new(None);
        s.add("apps/web/deploy.yaml", bytes("kind: Deployment\n"));
        s.add(
            "apps/web/kustomization.yaml",
            bytes("resources: [deploy.yaml]\n"),
        );
        s.add("big.yaml", Content::TooLarge(u64::MAX));
        let m = mount(s).unwrap();
        let root = m.root();
        assert!(crate::confine::is_dir(&root.join("apps/web")));
        assert!(crate::confine::is_file(&root.join("apps/web/deploy.yaml")));
        assert!(!crate::confine::is_file(&root.join("apps/db.yaml")));
        assert_eq!(
            crate::confine::read_to_string(root, "apps/web/deploy.yaml").unwrap(),
            "kind: Deployment\n"
        );
        assert_eq!(
            names(&root.join("apps/web")),
            ["deploy.yaml", "kustomization.yaml"]
        );
        assert_eq!(
            crate::confine::read_dir(root).unwrap(),
            [(root.join("apps"), true), (root.join("big.yaml"), false)]
        );
        let e = crate::confine::read_to_string(root, "big.yaml").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(
            crate::confine::files(root),
            [
                "apps/web/deploy.yaml",
                "apps/web/kustomization.yaml",
                "big.yaml"
            ]
        );
        // Nothing was written: the mount point is empty until something needs files.
        assert_eq!(std::fs::read_dir(root).unwrap().count(), 0);
        let path = root.to_path_buf();
        drop(m);
        assert!(!crate::confine::is_dir(&path.join("apps")));
    }

    #[test]
    fn links_are_followed_inside_and_refused_outside() {
        let mut s = Snapshot::new(None);
        s.add("base/cm.yaml", bytes("a: 1\n"));
        s.add_link("overlay/cm.yaml", "../base/cm.yaml");
        s.add_link("shared", "base");
        s.add_link("escape.yaml", "../../etc/passwd");
        s.add_link("absolute.yaml", "/etc/passwd");
        s.add_link("loop", "loop");
        s.add(".git/config", bytes("[core]\n"));
        let m = mount(s).unwrap();
        let root = m.root();
        assert_eq!(
            crate::confine::read_to_string(root, "overlay/cm.yaml").unwrap(),
            "a: 1\n"
        );
        assert_eq!(
            crate::confine::read_to_string(root, "shared/cm.yaml").unwrap(),
            "a: 1\n"
        );
        assert!(crate::confine::is_dir(&root.join("shared")));
        for bad in ["escape.yaml", "absolute.yaml", "loop", ".git/config"] {
            let e = crate::confine::read_to_string(root, bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{bad}");
            assert!(e.to_string().contains("outside the repository"), "{bad}");
        }
    }

    #[test]
    fn a_snapshot_over_a_folder_replaces_and_hides_what_it_says() {
        let disk = tempfile::tempdir().unwrap();
        let d = disk.path();
        std::fs::create_dir_all(d.join("overlays/prod")).unwrap();
        std::fs::write(d.join("overlays/prod/old.yaml"), "old\n").unwrap();
        std::fs::write(d.join("overlays/prod/kept.yaml"), "kept\n").unwrap();
        std::fs::write(d.join("platform.yaml"), "spec\n").unwrap();
        let mut s = Snapshot::new(Some(d));
        s.hide("overlays/prod/old.yaml");
        s.add("overlays/prod/new.yaml", bytes("new\n"));
        s.add("overlays/prod/kept.yaml", bytes("kept, compiled\n"));
        let m = mount(s).unwrap();
        let root = m.root();
        assert_eq!(
            crate::confine::read_to_string(root, "platform.yaml").unwrap(),
            "spec\n"
        );
        assert_eq!(
            crate::confine::read_to_string(root, "overlays/prod/kept.yaml").unwrap(),
            "kept, compiled\n"
        );
        assert!(crate::confine::read_to_string(root, "overlays/prod/old.yaml").is_err());
        assert_eq!(
            names(&root.join("overlays/prod")),
            ["kept.yaml", "new.yaml"]
        );
        assert_eq!(
            crate::confine::files(root),
            [
                "overlays/prod/kept.yaml",
                "overlays/prod/new.yaml",
                "platform.yaml"
            ]
        );
        // A program that needs files gets them written out, the snapshot winning.
        let out = on_disk(root).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("overlays/prod/kept.yaml")).unwrap(),
            "kept, compiled\n"
        );
        assert!(!out.join("overlays/prod/old.yaml").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("platform.yaml")).unwrap(),
            "spec\n"
        );
        // The disk below was never written.
        assert_eq!(
            std::fs::read_to_string(d.join("overlays/prod/kept.yaml")).unwrap(),
            "kept\n"
        );
        assert!(!d.join("overlays/prod/new.yaml").exists());
    }

    #[test]
    fn a_link_on_the_disk_below_is_judged_there() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("canary"), "secret").unwrap();
        let disk = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("canary"), disk.path().join("x.yaml"))
            .unwrap();
        let m = mount(Snapshot::new(Some(disk.path()))).unwrap();
        let e = crate::confine::read_to_string(m.root(), "x.yaml").unwrap_err();
        assert!(!e.to_string().contains("secret"));
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
    }
}
