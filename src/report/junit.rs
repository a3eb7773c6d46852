//! JUnit XML, for CI systems that show test reports: one test case per finding, failed when
//! its severity fails the run (errors; warnings too with `--fail-on warning`). The others
//! pass, with the finding in `<system-out>` so it stays visible.

use super::{Report, Severity};

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report<'_>) -> String {
    let failures = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info && f.severity >= report.fail_on)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"platc\" tests=\"{}\" failures=\"{failures}\" time=\"{:.3}\">\n",
        report.findings.len(),
        report.elapsed.as_secs_f64()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"platc\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
        report.findings.len()
    ));
    for f in &report.findings {
        let place = match (&f.file, f.line) {
            (Some(file), Some(line)) => format!("{file}:{line}:{}", f.column.unwrap_or(1)),
            (Some(file), None) => file.clone(),
            _ => "repository".into(),
        };
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(&f.rule),
            escape(&place)
        ));
        if f.severity == Severity::Info {
            out.push_str("/>\n");
            continue;
        }
        let failed = f.severity >= report.fail_on;
        let mut body = f.message.clone();
        if let Some(object) = &f.object {
            body.push_str(&format!("\nobject: {object}"));
        }
        if let Some(help) = &f.help {
            body.push_str(&format!("\nhelp: {help}"));
        }
        if !failed {
            out.push_str(&format!(
                ">\n      <system-out>{}: {}</system-out>\n    </testcase>\n",
                f.severity.as_str(),
                escape(&body)
            ));
            continue;
        }
        out.push_str(&format!(
            ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
            f.severity.as_str(),
            escape(&f.message),
            escape(&body)
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
