//! `--format markdown`: a pull-request comment. A summary table (per environment and
//! Application), then one folded `<details>` per Application, within GitHub's comment size
//! limit (65,536 characters): what does not fit is left out with a note saying so.

use std::fmt::Write;

use super::text::field_line;
use super::{AppChange, Diff, Status};

/// GitHub refuses longer comments.
pub const LIMIT: usize = 65_536;

/// Table cells hold text with `|` and newlines escaped (and nothing that markdown or HTML
/// would read: names and paths come from the pull request).
fn cell(text: &str) -> String {
    inline(text)
}

/// Text from the repository shown as itself in markdown: HTML and markdown punctuation
/// escaped, one line, so that a crafted path cannot close the `<details>`, add a heading or
/// an image to the comment.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in html(text).chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A code fence longer than any run of backticks in `body`.
fn fence(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

pub fn render(diff: &Diff) -> String {
    render_within(diff, LIMIT)
}

pub fn render_within(diff: &Diff, limit: usize) -> String {
    if diff.applications.is_empty() {
        return String::new();
    }
    let mut head = String::new();
    let _ = writeln!(
        head,
        "### platc diff against `{}` ({})\n",
        diff.base.name,
        super::side::short(&diff.base.commit)
    );
    let _ = writeln!(
        head,
        "| Environment | Application | Status | Added | Changed | Removed | Charts |"
    );
    let _ = writeln!(head, "|---|---|---|--:|--:|--:|---|");
    let mut rows = Vec::new();
    for app in &diff.applications {
        rows.push(format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&app.environment),
            cell(&app.name_shown()),
            status(app),
            app.added.len(),
            app.changed.len(),
            app.removed.len(),
            cell(&app.chart_bumps().join(", "))
        ));
    }
    let sections: Vec<String> = diff.applications.iter().map(details).collect();
    let total = diff.applications.len();
    let mut out = head;
    // Reserve room for the note about what is left out.
    let room = limit.saturating_sub(400);
    let mut shown_rows = 0;
    for row in &rows {
        if out.len() + row.len() > room / 2 {
            break;
        }
        out.push_str(row);
        shown_rows += 1;
    }
    out.push('\n');
    let mut shown = 0;
    for s in &sections {
        if out.len() + s.len() > room {
            break;
        }
        out.push_str(s);
        shown += 1;
    }
    if shown_rows < total || shown < total {
        let _ = writeln!(
            out,
            "\n> [!NOTE]\n> Cut to fit a GitHub comment ({limit} characters): {} of {total} Applications in the table, {shown} of {total} detailed. `platc diff --format json` has everything.",
            shown_rows
        );
    }
    out
}

fn status(app: &AppChange) -> &'static str {
    if !app.errors.is_empty() {
        return "⚠️ incomplete";
    }
    match app.status {
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Changed => "changed",
    }
}

fn details(app: &AppChange) -> String {
    let mut body = String::new();
    for s in &app.sources {
        let _ = writeln!(body, "{} [{}]", s.label, s.at);
        for f in &s.fields {
            let _ = writeln!(body, "    {}", field_line(f));
        }
    }
    for o in &app.added {
        let _ = writeln!(body, "+ {}", o.describe());
    }
    for o in &app.removed {
        let _ = writeln!(body, "- {}", o.describe());
    }
    for c in &app.changed {
        let _ = writeln!(body, "~ {}", c.object.describe());
        for f in &c.fields {
            let _ = writeln!(body, "    {}", field_line(f));
        }
        if let Some(u) = &c.unified {
            for line in u.lines() {
                let _ = writeln!(body, "    {line}");
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<details><summary><b>{} / {}</b> ({}): {}</summary>\n",
        html(&app.environment),
        html(&app.name_shown()),
        html(&app.file),
        super::text::counts(app)
    );
    if !body.is_empty() {
        let f = fence(&body);
        let _ = writeln!(out, "{f}diff\n{body}{f}\n");
    }
    for n in &app.notes {
        let _ = writeln!(out, "- note: {}", inline(n));
    }
    for e in &app.errors {
        let _ = writeln!(out, "- ⚠️ error: {}", inline(e));
    }
    if !app.notes.is_empty() || !app.errors.is_empty() {
        out.push('\n');
    }
    out.push_str("</details>\n\n");
    out
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_text_cannot_shape_the_comment() {
        let crafted = "nope</details>\n\n# Approved ![x](https://evil.example/p.png)";
        let shown = inline(crafted);
        assert!(!shown.contains("</details>"), "{shown}");
        assert!(!shown.contains('\n'));
        assert!(shown.contains("\\# Approved \\!\\[x\\]\\(https://evil.example/p.png\\)"));
        assert_eq!(cell("a|b"), "a\\|b");
    }
}
