//! List every Kubernetes resource type of the enabled k8s-openapi version, so that the
//! generator can ask schemars for each. The list comes from the crate's own source: each
//! resource implements `crate::Resource`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const K8S_OPENAPI: &str = "k8s-openapi-0.29.0";

fn version() -> Option<&'static str> {
    ["v1_33", "v1_34", "v1_35", "v1_36", "v1_37"]
        .into_iter()
        .find(|v| std::env::var_os(format!("CARGO_FEATURE_{}", v.to_uppercase())).is_some())
}

fn crate_source() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let registry = home.join("registry/src");
    for index in std::fs::read_dir(&registry).expect("the cargo registry") {
        let candidate = index.unwrap().path().join(K8S_OPENAPI);
        if candidate.is_dir() {
            return candidate;
        }
    }
    panic!("{K8S_OPENAPI} is not in {}", registry.display());
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("resources.rs");
    let Some(version) = version() else {
        std::fs::write(
            &out,
            "macro_rules! for_each_resource { ($m:ident) => {}; }\n",
        )
        .unwrap();
        return;
    };
    let root = crate_source().join("src").join(version);
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut list = String::from("macro_rules! for_each_resource { ($m:ident) => {\n");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("impl crate::Resource for ") else {
                continue;
            };
            let name = rest.trim_end_matches(" {").trim();
            let module: Vec<String> = file
                .strip_prefix(&root)
                .unwrap()
                .parent()
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            writeln!(list, "    $m!(k8s_openapi::{}::{name});", module.join("::")).unwrap();
        }
    }
    list.push_str("}; }\n");
    std::fs::write(&out, list).unwrap();
}
