//! The fast YAML reader (`src/yaml/fast.rs`) against saphyr: wherever the fast reader gives an
//! answer, it must be saphyr's, to the spans and duplicate keys. Over hand-written cases of
//! every construct it reads (and of the ones it must leave to saphyr), over every YAML file
//! of this project, and (`.ci/run`, `PLATC_CORPUS`) over the real repositories.

mod common;

use std::path::{Path, PathBuf};

use platc::yaml::{Node, Span, Stream, Value, parse_fast_only, parse_saphyr_only};

/// What the comparison of one text found.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Both readers agree.
    Same,
    /// The fast reader left the text to saphyr.
    LeftToSaphyr,
    /// They disagree: a bug in the fast reader.
    Differs(String),
}

fn compare(text: &str) -> Outcome {
    let Some(fast) = parse_fast_only(text) else {
        return Outcome::LeftToSaphyr;
    };
    match parse_saphyr_only(text) {
        Err(e) => Outcome::Differs(format!("saphyr refuses it: {e}")),
        Ok(slow) => {
            let (f, s) = (flatten(&fast), flatten(&slow));
            match f.iter().zip(&s).position(|(a, b)| a != b) {
                None if f.len() == s.len() => Outcome::Same,
                at => {
                    let at = at.unwrap_or(f.len().min(s.len()));
                    let show = |l: &[String]| l.get(at).cloned().unwrap_or_else(|| "(none)".into());
                    Outcome::Differs(format!("fast:   {}\nsaphyr: {}", show(&f), show(&s)))
                }
            }
        }
    }
}

/// A stream as one line per node (depth, span, value), and its duplicate keys.
fn flatten(stream: &Stream) -> Vec<String> {
    fn walk(node: &Node, depth: usize, out: &mut Vec<String>) {
        let Span { start, end } = node.span;
        let what = match &node.value {
            Value::Seq(items) => format!("seq of {}", items.len()),
            Value::Map(entries) => format!("map of {}", entries.len()),
            Value::Float(f) if f.is_nan() => "NaN".to_string(),
            other => format!("{other:?}"),
        };
        out.push(format!("{depth} {start}-{end} {what}"));
        match &node.value {
            Value::Seq(items) => items.iter().for_each(|n| walk(n, depth + 1, out)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                walk(k, depth + 1, out);
                walk(v, depth + 1, out);
            }),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for doc in &stream.documents {
        out.push("document".to_string());
        walk(doc, 0, &mut out);
    }
    for d in &stream.duplicates {
        out.push(format!("duplicate {d:?}"));
    }
    out
}

fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(root)
        .hidden(false)
        .build()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path.to_path_buf());
        }
    }
    out.sort();
    out
}

/// Compare every YAML file under `root`: (files read fast, files left to saphyr, failures).
fn compare_tree(root: &Path) -> (usize, usize, Vec<String>) {
    let (mut fast, mut left, mut failures) = (0, 0, Vec::new());
    for path in yaml_files(root) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match compare(&text) {
            Outcome::Same => fast += 1,
            Outcome::LeftToSaphyr => {
                left += 1;
                if std::env::var_os("PLATC_YAML_FAST_LEFT").is_some() {
                    eprintln!("left to saphyr: {}", path.display());
                }
            }
            Outcome::Differs(why) => failures.push(format!("{}:\n{why}", path.display())),
        }
    }
    (fast, left, failures)
}

#[test]
#[ignore = "reads the real repositories named by PLATC_CORPUS (.ci/run)"]
fn the_fast_reader_agrees_with_saphyr_on_the_real_repositories() {
    let root = std::env::var_os("PLATC_CORPUS").expect("PLATC_CORPUS");
    let (fast, left, failures) = compare_tree(Path::new(&root));
    eprintln!(
        "fast reader: {fast} files read fast, {left} left to saphyr, {} differ",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Texts the fast reader must read itself, each agreeing with saphyr.
const READ_FAST: &[(&str, &str)] = &[
    (
        "nested mappings",
        "a: 1\nb:\n  c: hello world\n  d:\n    e: f\ng: last\n",
    ),
    (
        "indentless sequences",
        "k:\n- a\n- b: 1\n  c: 2\n-\n- - x\n  - y\nz: 1\n",
    ),
    (
        "indented sequences",
        "k:\n  - a\n  -   b\n  - c: 1\n    d: [x]\n  -\n    e: 1\n",
    ),
    (
        "a root sequence",
        "- a\n- - b\n  - c\n-\n- d: 1\n  e: 2\n-   # c\n  x: 1\n",
    ),
    (
        "empty values",
        "a:\nb:   # c\nc:\n\n  # only a comment\nd: ~\ne: null\n",
    ),
    (
        "comments and blank lines",
        "# head\n\na: 1 # one\n  # indented comment\n\nb: 'x' # two\nc: [a] # three\n",
    ),
    (
        "documents",
        "---\na: 1\n--- # a comment\nb: 2\n---\n---\nc: 3\n---\n",
    ),
    ("no final line break", "a: 1\nb: x  # c"),
    (
        "non-ASCII columns",
        "name: café\nkey: élan\nx: 日本語\ny: \"ü\" # ö\nz: [ä, b]\n",
    ),
    (
        "multi-line plain",
        "d: one\n  two\n\n  three\n\n\n  four - five [x] *y &z !t `q` ?w\ne: 1\n",
    ),
    (
        "plain on the next line",
        "d:\n  one\n  two\nitems:\n- first\n  second\n",
    ),
    (
        "single quotes",
        "a: 'it''s'\nb: ''\nc: 'x\n  y\n\n  z'\n'quoted key': 1\n",
    ),
    (
        "double quotes",
        "a: \"t\\tb\\n\\\"q\\\" \\u00e9 \\x41 \\U0001F600 \\\\ \\/\"\nb: \"one\n  two  \n\n  three\"\nc: \"joined\\\n    here\"\n\"key\": 2\n",
    ),
    (
        "quoted with trailing comments",
        "a: \"x\"   # c\nb: 'y' # d\nc: [ \"p\" , 'q' ] # e\n",
    ),
    (
        "literal block scalars",
        "a: |\n  x\n   y\n\n  z\nb: |-\n  s\n\n\nc: |+\n  k\n\nd: |2\n    two more\n  base\ne: |\n\n  after a blank\n# a comment ends it\nf: last\n",
    ),
    (
        "folded block scalars",
        "a: >\n  x\n  y\n\n  z\n    w\n  v\nb: >-\n  one\n  two\nc: >+\n  kept\n\nd: 1\n",
    ),
    (
        "block scalars in sequences",
        "k:\n- |\n  script\n- >\n  folded\n  text\nl:\n  - |-\n    x\n  - y\n",
    ),
    ("an empty block scalar", "a: |\nb: |-\n\nc: 1\n"),
    ("a block scalar at the end", "a:\n  b: |\n    last\n"),
    (
        "flow collections",
        "a: []\nb: {}\nc: [1, two, \"three\", 'four', [5, [6]], {k: v}]\nd: {cpu: 100m, memory: \"1Gi\", nested: {x: [1]}}\ne: [http://x.org/a, a:b]\n",
    ),
    (
        "YAML 1.1 scalars",
        "a: on\nb: 0644\nc: 1_000\nd: 0x1F\ne: 1e3\nf: .inf\ng: yes\n'h': 'on'\non: key\n",
    ),
    (
        "duplicate and merge keys",
        "a: 1\nb: 2\na: 3\nm:\n  <<: {x: 1, y: 2}\n  y: 3\n",
    ),
    (
        "odd plain text",
        "a: x#y\nb: a:b\nc: -x\nd: ?y\ne: =\nf: x]\ng: \"# not a comment\"\nh: 100%\n",
    ),
    (
        "keys with odd characters",
        "a b: 1\n-x: 2\nx.y/z: 3\n\"k: v\": 4\n'#': 5\n",
    ),
    ("indented root", "  a: 1\n  b:\n    c: 2\n"),
    (
        "non-ASCII keys, quoted scalars, comments and flow collections",
        "é: 1\nké y: 'ö' # ü\n'é': [ü, \"ö\"] # ä\nx: {é: ü}\n",
    ),
    (
        "quoted folding: trailing spaces, blank lines, escapes at line ends",
        "a: 'x  \n\n  y  '\nb: \"x\\t  \n  y\"\nc: \"x\\ \n  y\"\nd: \"\\\n  y\"\ne: 'x\n  #y'\n",
    ),
    (
        "plain continuation lines starting with indicators",
        "a: x\n  - y\n  [z] {w} |v >u 'q \"r ! & * , ] } ? ---\n  ...\n",
    ),
    (
        "indentation indicators in sequences and compact mappings",
        "s:\n- |2\n   x\n- a: |2\n     x\nk:\n  - |1\n     x\n",
    ),
    (
        "block scalars on the line after their key",
        "a:\n  |\n   x\nb:\n  >1\n   y\n",
    ),
    (
        "keep and strip with blank lines and lines of spaces",
        "a: |+\n  x\n \n\nb: |-\n  x\n \n\nc: >+\n  x\n\n\nd: 1\n",
    ),
    (
        "folded more-indented lines",
        "a: >\n  x\n   y\n\n  z\nb: >1\n  x\n y\n",
    ),
    (
        "# lines inside block scalars and less indented after them",
        "a: |\n  # not a comment\n  x\n# c\nb:\n  c: |\n # c\n  d: 1\n",
    ),
    (
        "block scalars ending at a document marker",
        "a: |\n  x\n---\nb: >\n  y\n",
    ),
    (
        "empty values before comment lines, a dedent and the end",
        "a:\n  b:\n    # c\nd:\n  # e\nf:",
    ),
    ("null items", "- \n-\n- # c\n-   a\n    b\n"),
    (
        "indentless sequences of block scalars, sequences and nulls",
        "k:\n- |\n  x\n- - a\n  - b\n-\nz: 1\n",
    ),
    (
        "document markers with comments, empty documents, a last `--- `",
        "--- # c\n# d\n---\n---\na: 1\n--- ",
    ),
    (
        "flow collections without spaces, nested, quoted keys, comments after",
        "a: [a,b]\nb: [ a , 'b' ] # c\nc: {a: [b], 'c': \"d\" }\nd: [[]]\ne: [-a, :b, ?c, a:b]\n",
    ),
    (
        "keys ending in spaces, with colons, quoted with escapes, merge keys",
        "a b  : 1\nx:y: 2\nx:: 3\n:x: 4\n'a''b': 5\n\"a\\\"b\\\\\": 6\n<<: {m: 1}\n",
    ),
    (
        "indicators inside plain text",
        "a: x@y\nb: x`y\nc: x%y\nd: x!y&z*w|v>u\n",
    ),
];

/// Texts the fast reader must leave to saphyr: YAML it does not read, and errors.
const LEFT_TO_SAPHYR: &[(&str, &str)] = &[
    ("an anchor", "a: &x 1\nb: *x\n"),
    ("a tag", "a: !!str 1\n"),
    ("a tab", "a:\tb\n"),
    ("a carriage return", "a: 1\r\nb: 2\r\n"),
    ("a multi-line flow sequence", "a: [\n  1,\n  2\n]\n"),
    ("an explicit key", "? a\n: 1\n"),
    ("a document end", "a: 1\n...\n"),
    ("a directive", "%YAML 1.2\n---\na: 1\n"),
    ("a root scalar", "just text\n"),
    ("a root flow mapping", "{a: 1}\n"),
    ("a value that is a key", "a: b: c\n"),
    ("a bad indentation", "a:\n  b: 1\n c: 2\n"),
    ("an unclosed quote", "a: \"open\nb: 1\n"),
    ("text after a quote", "a: \"x\" y\n"),
    ("a comment without a blank", "a: [x]#c\n"),
    ("two roots", "a: 1\n- b\n"),
    ("a trailing comma", "a: [1, 2, ]\n"),
    ("a dash before a comma in a flow sequence", "a: [x -, y]\n"),
    ("a single-pair mapping in a flow sequence", "a: [k: v]\n"),
    (
        "a blank line of spaces in a block scalar",
        "a: |\n  x\n     \n  y\n",
    ),
    (
        "a block scalar ending the text without a line break",
        "a: |\n  x",
    ),
    ("a byte order mark", "\u{feff}a: 1\n"),
    ("a NUL", "a: 1\u{0}\n"),
    ("a continuation after a comment", "a: x # c\n  y\n"),
    ("a zero indentation indicator", "a: |0\n  x\n"),
    ("a comment touching a block scalar header", "a: |#c\n  x\n"),
    ("a space before a flow mapping's colon", "a: {a : b}\n"),
    ("a JSON-like flow key", "a: {\"a\":b}\n"),
    ("a plain scalar starting with | in flow", "a: [|a]\n"),
    ("a comment inside a flow collection", "a: [a #c]\n"),
    ("a value starting with @", "a: @x\n"),
    ("a value starting with a backtick", "a: `x\n"),
    ("an empty kept block scalar", "a: |+\n\nb: 1\n"),
    (
        "a line of spaces longer than a block scalar's first line",
        "a: |\n    \n  x\n",
    ),
    (
        "a wrongly indented line in a block scalar",
        "a:\n  b: |\n    x\n   y\n",
    ),
    ("a continuation line starting with a colon", "a: x\n  :y\n"),
    (
        "a quoted continuation at its mapping's indentation",
        "a:\n  b: 'x\n  y'\n",
    ),
    ("text after a flow collection", "a: [a, b]x\n"),
];

#[test]
fn the_fast_reader_reads_what_manifests_are_made_of_as_saphyr_does() {
    let mut failures = Vec::new();
    for (what, text) in READ_FAST {
        match compare(text) {
            Outcome::Same => {}
            Outcome::LeftToSaphyr => failures.push(format!("{what}: left to saphyr:\n{text}")),
            Outcome::Differs(why) => failures.push(format!("{what}: differs:\n{why}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_fast_reader_leaves_the_rest_to_saphyr() {
    for (what, text) in LEFT_TO_SAPHYR {
        assert_eq!(compare(text), Outcome::LeftToSaphyr, "{what}");
        // And the whole reader still answers as saphyr does.
        let whole = platc::yaml::parse_stream(text).map(|s| flatten(&s));
        let saphyr = parse_saphyr_only(text).map(|s| flatten(&s));
        assert_eq!(whole, saphyr, "{what}");
    }
}

#[test]
fn the_fast_reader_agrees_with_saphyr_on_every_file_of_the_project() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut totals = (0, 0, Vec::new());
    for dir in [
        root.join("tests/fixtures"),
        root.join("platform"),
        root.join("overlays"),
        common::upstream_crds(),
    ] {
        let (fast, left, failures) = compare_tree(&dir);
        totals.0 += fast;
        totals.1 += left;
        totals.2.extend(failures);
    }
    let (fast, left, failures) = totals;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Most files are plain manifests: the fast reader takes nearly all of them (the rest
    // are templates, anchors and deliberately broken fixtures).
    assert!(
        fast > 900 && fast > 9 * left,
        "{fast} read fast, {left} left to saphyr"
    );
}

/// Keys at YAML's 1,024-character limit on implicit keys: read up to it, left to saphyr past it.
#[test]
fn the_fast_reader_reads_keys_up_to_the_length_limit() {
    let key = |n: usize| "k".repeat(n);
    for text in [
        format!("{}: 1\n", key(1024)),
        format!("'{}': 1\n", key(1022)),
        format!("{}  : 1\n", key(1022)),
        format!("a:\n  {}: 1\n", key(1024)),
        format!("- {}: 1\n", key(1024)),
        format!("a: {{{}: 1}}\n", key(1025)),
    ] {
        assert_eq!(compare(&text), Outcome::Same, "{text}");
    }
    for text in [
        format!("{}: 1\n", key(1025)),
        format!("'{}': 1\n", key(1024)),
        format!("{}: 1\n", "é".repeat(513)),
    ] {
        assert_eq!(compare(&text), Outcome::LeftToSaphyr, "{text}");
    }
}

/// Hostile nesting and non-ASCII text cut at odd places: no panic, no endless recursion.
#[test]
fn the_fast_reader_survives_hostile_input() {
    let mut texts = vec![
        format!("a: {}\n", "[".repeat(100_000)),
        format!("a: {}\n", "{a: ".repeat(100_000)),
        format!("a: {}{}\n", "[".repeat(40), "]".repeat(40)),
        format!("{}a\n", "- ".repeat(5_000)),
        (0..300).map(|i| format!("{}a:\n", " ".repeat(i))).collect(),
    ];
    for cut in [
        "a: [é",
        "a: \"\\é",
        "-é",
        "a: |é",
        "a: |2é",
        "--- é",
        "a: 'é",
        "a: [é:",
        "a: \"\\xé\"",
        "a: \"\\u00é\"",
        "a: |\n é\n  x",
        "a: é\\",
        "a:é",
        "a: [é]é",
        "  é: 1\n é: 2",
    ] {
        texts.push(cut.to_string());
        texts.push(format!("{cut}\n"));
    }
    for text in &texts {
        assert!(
            !matches!(compare(text), Outcome::Differs(_)),
            "{}",
            &text[..text.len().min(80)]
        );
    }
}

/// Disagreements a review found by reading `fast.rs` against saphyr's scanner, each once
/// read fast and answered otherwise than saphyr does: now they agree (or are left to it).
#[test]
fn found_in_review() {
    let cases = [
        // A last line that is a comment without a line break, less indented than an open
        // collection: saphyr ends that collection on the comment's line, at its end (3:2),
        // not on the line after (4:1).
        "a:\n  b: 1\n#",
        "a:\n    b: 1\n  #",
        "a:\n  - b\n#",
        "- - a\n#",
        // An indentless sequence whose first `-` has nothing after it but the next line has
        // the item: saphyr starts the sequence at the end of the `-` line (2:2, after spaces
        // and a comment), not at the item (3:3).
        "k:\n-\n  a\n",
        "k:\n- # c\n  a: 1\n",
        "k:\n-   \n  - a\n",
        // An empty block scalar with an indentation indicator, at the end of the text: saphyr
        // starts it at its `|` (1:4), not at the end of the stream (2:1).
        "k: |2\n",
        "- >1\n\n",
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|text| match compare(text) {
            Outcome::Differs(why) => Some(format!("{text:?}:\n{why}")),
            _ => None,
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_long_line_of_non_ascii_text_is_counted_once() {
    // Columns count characters: counted from the line start at every node, this line would
    // take minutes (20,000 nodes times 80,000 characters).
    let items: Vec<String> = (0..20_000).map(|i| format!("é{i}")).collect();
    let text = format!("a: [{}]\n", items.join(", "));
    assert_eq!(compare(&text), Outcome::Same);
}

#[test]
fn parse_stream_takes_the_fast_path_and_leaves_the_rest_to_saphyr() {
    let before = platc::yaml::fast_reads();
    let fast = platc::yaml::parse_stream("a: 1\nb: [x]\n").unwrap();
    assert_eq!(platc::yaml::fast_reads(), before + 1);
    let anchored = platc::yaml::parse_stream("a: &x 1\nb: *x\n").unwrap();
    assert_eq!(platc::yaml::fast_reads(), before + 1);
    assert_eq!(fast.documents.len(), 1);
    assert_eq!(anchored.documents[0].get("b").unwrap().value, Value::Int(1));
}
