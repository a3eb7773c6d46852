//! `--format text`: the changes per Application for a terminal (coloured on a TTY unless
//! NO_COLOR is set).

use std::fmt::Write;

use super::compare::FieldChange;
use super::{Diff, Status};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn add(&self, t: &str) -> String {
        self.wrap("32", t)
    }
    fn del(&self, t: &str) -> String {
        self.wrap("31", t)
    }
    fn change(&self, t: &str) -> String {
        self.wrap("33", t)
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
}

/// Longer values are cut in the listing (`--unified` or `--format json` show them whole).
const LONGEST_VALUE: usize = 160;

/// Text from the repository (names, paths, notes): no control character reaches the terminal.
fn esc(text: &str) -> String {
    crate::report::escape_control_in_message(text).replace('\n', "\\n")
}

pub fn shorten(value: &str) -> String {
    // One line, and no control character from the repository (a value or name holding an
    // escape sequence must not reach the terminal).
    let one_line = crate::report::escape_control(value).into_owned();
    if one_line.chars().count() <= LONGEST_VALUE {
        return one_line;
    }
    let cut: String = one_line.chars().take(LONGEST_VALUE).collect();
    format!("{cut}…")
}

/// `path: before → after`, `path: + value`, `path: - value`.
pub fn field_line(f: &FieldChange) -> String {
    let secret = if f.redacted { "  (redacted)" } else { "" };
    let path = crate::report::escape_control(&f.path);
    match (&f.before, &f.after) {
        (Some(b), Some(a)) => format!("{path}: {} → {}{secret}", shorten(b), shorten(a)),
        (None, Some(a)) => format!("{path}: + {}{secret}", shorten(a)),
        (Some(b), None) => format!("{path}: - {}{secret}", shorten(b)),
        (None, None) => path.into_owned(),
    }
}

pub fn render(diff: &Diff, color: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    for app in &diff.applications {
        let status = match app.status {
            Status::Added => p.add("added"),
            Status::Removed => p.del("removed"),
            Status::Changed => p.change("changed"),
        };
        let _ = writeln!(
            out,
            "{} {} ({}, {}): {status}",
            p.bold(&esc(&format!("{}/{}", app.environment, app.name))),
            esc(&app.kind_shown()),
            esc(&app.file),
            counts(app)
        );
        for s in &app.sources {
            let _ = writeln!(out, "  {} [{}]", esc(&s.label), esc(&s.at));
            for f in &s.fields {
                let _ = writeln!(out, "    {}", field_line(f));
            }
        }
        for o in &app.added {
            let _ = writeln!(out, "  {}", p.add(&format!("+ {}", o.describe())));
        }
        for o in &app.removed {
            let _ = writeln!(out, "  {}", p.del(&format!("- {}", o.describe())));
        }
        for c in &app.changed {
            let _ = writeln!(out, "  {}", p.change(&format!("~ {}", c.object.describe())));
            for f in &c.fields {
                let _ = writeln!(out, "      {}", field_line(f));
            }
            if let Some(u) = &c.unified {
                for line in u.lines() {
                    let painted = match line.chars().next() {
                        Some('+') => p.add(line),
                        Some('-') => p.del(line),
                        Some('@') => p.wrap("36", line),
                        _ => line.to_string(),
                    };
                    let _ = writeln!(out, "      {painted}");
                }
            }
        }
        for n in &app.notes {
            let _ = writeln!(out, "  note: {}", esc(n));
        }
        for e in &app.errors {
            let _ = writeln!(out, "  {}: {}", p.del("error"), esc(e));
        }
    }
    if !diff.applications.is_empty() {
        let _ = writeln!(out, "{}", totals(diff));
    }
    out
}

/// `1 added, 2 changed, 0 removed objects`.
pub fn counts(app: &super::AppChange) -> String {
    let mut parts = vec![format!(
        "{} added, {} changed, {} removed",
        app.added.len(),
        app.changed.len(),
        app.removed.len()
    )];
    if !app.sources.is_empty() {
        parts.push(format!(
            "{} source{} changed",
            app.sources.len(),
            if app.sources.len() == 1 { "" } else { "s" }
        ));
    }
    parts.join(", ")
}

/// The last line: how many Applications change, per environment.
pub fn totals(diff: &Diff) -> String {
    let mut per_env: std::collections::BTreeMap<&str, usize> = Default::default();
    for a in &diff.applications {
        *per_env.entry(a.environment.as_str()).or_default() += 1;
    }
    let envs: Vec<String> = per_env.iter().map(|(e, n)| format!("{e}: {n}")).collect();
    format!(
        "{} Application{} change ({}) against {} ({})",
        diff.applications.len(),
        if diff.applications.len() == 1 {
            ""
        } else {
            "s"
        },
        envs.join(", "),
        diff.base.name,
        super::side::short(&diff.base.commit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_names_never_carry_control_characters() {
        assert_eq!(shorten("b\u{1b}[31m\nc"), "b\\u{1b}[31m\\nc");
        assert_eq!(esc("evil\u{1b}]0;T\u{7}"), "evil\\u{1b}]0;T\\u{7}");
    }
}
