//! docs/rules.md is generated from the rules' own docs and kept current.

mod common;

use common::*;

fn generated() -> String {
    let mut out = String::from(
        "# platc lint rules\n\nGenerated from the rules' docs (`src/rules/`); `platc explain RULE` prints one.\n\n| rule | default | what it finds |\n|---|---|---|\n",
    );
    for r in platc::rules::RULES {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            r.id,
            r.id.replace('/', ""),
            r.severity.as_str(),
            r.summary.replace('|', "\\|")
        ));
    }
    for r in platc::rules::RULES {
        out.push('\n');
        out.push_str(r.docs.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn the_rules_doc_is_current() {
    let path = project_root().join("docs/rules.md");
    let want = generated();
    if std::env::var_os("PLATC_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run `PLATC_BLESS=1 cargo test --test rules_doc` and commit it"
    );
}
