//! Snapshots of the tree each small compile fixture produces: reviewing a compiler change is
//! reading a snapshot diff.

mod common;

use common::*;

fn tree_text(repo: &std::path::Path) -> String {
    let overlays = repo.join("overlays");
    let mut out = String::new();
    for file in files_under(&overlays) {
        out.push_str(&format!("=== {file}\n"));
        out.push_str(&std::fs::read_to_string(overlays.join(&file)).unwrap());
    }
    out
}

#[test]
fn compile_fixture_snapshots() {
    for fixture in compile_fixtures() {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let repo = temp_repo(&fixture);
        platc()
            .arg("-C")
            .arg(repo.path())
            .args(["build", "-q"])
            .assert()
            .success();
        insta::assert_snapshot!(format!("compile_{name}"), tree_text(repo.path()));
    }
}
