//! The one result type every check produces.

use serde::Serialize;

use crate::yaml::Pos;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A second place a finding refers to ("first defined here").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Related {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// One problem found in the repository, pointing at where a person should look.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The commit that added it (history scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// Where the offending text ends, for underlining it (not part of reports).
    #[serde(skip)]
    pub end: Option<Pos>,
}

impl Finding {
    pub fn new(rule: impl Into<String>, severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            file: None,
            line: None,
            column: None,
            object: None,
            commit: None,
            path: None,
            message: message.into(),
            help: None,
            related: Vec::new(),
            end: None,
        }
    }

    pub fn error(rule: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(rule, Severity::Error, message)
    }

    pub fn at(mut self, file: impl Into<String>, pos: Option<Pos>) -> Finding {
        self.file = Some(file.into());
        if let Some(pos) = pos {
            self.line = Some(pos.line);
            self.column = Some(pos.col);
        }
        self
    }

    /// Point at a whole node.
    pub fn at_span(mut self, file: impl Into<String>, span: Option<crate::yaml::Span>) -> Finding {
        self = self.at(file, span.map(|s| s.start));
        self.end = span
            .map(|s| s.end)
            .filter(|end| end.line == self.line.unwrap_or(0));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn with_path(mut self, pointer: impl Into<String>) -> Finding {
        self.path = Some(pointer.into());
        self
    }

    pub fn with_object(mut self, object: impl Into<String>) -> Finding {
        self.object = Some(object.into());
        self
    }

    pub fn with_related(
        mut self,
        file: impl Into<String>,
        pos: Pos,
        message: impl Into<String>,
    ) -> Finding {
        self.related.push(Related {
            file: file.into(),
            line: pos.line,
            column: pos.col,
            message: message.into(),
        });
        self
    }

    pub fn pos(&self) -> Option<Pos> {
        Some(Pos {
            line: self.line?,
            col: self.column.unwrap_or(1),
        })
    }

    /// The order findings are reported in: by file, position, then rule.
    pub fn sort_key(&self) -> (Option<&str>, u32, u32, &str, &str) {
        (
            self.file.as_deref(),
            self.line.unwrap_or(0),
            self.column.unwrap_or(0),
            &self.rule,
            &self.message,
        )
    }
}
