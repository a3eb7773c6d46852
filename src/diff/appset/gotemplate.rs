//! The subset of Go's text/template (with the sprig functions ApplicationSets use) that
//! Argo CD's `goTemplate: true` evaluates: field access, variables, pipelines, `if`/`else`,
//! `with`, `range`, and the functions listed in `call`. Anything else is an error saying so,
//! so a template this cannot evaluate never yields a wrong Application.

use std::cell::Cell;

use serde_json::{Map, Value};

/// How deep `if`/`with`/`range` blocks and `( )` may nest: past it a hostile template would
/// overflow the stack of a recursive parser.
const MAX_NESTING: usize = 64;
/// The most text one template may render, and the largest value one function may give.
const MAX_TEXT: usize = 1 << 20;
/// How deep a value a function may build (`list (list ...)`): printing it recurses.
const MAX_VALUE_DEPTH: usize = 200;
/// The widest `indent`/`nindent`.
const MAX_INDENT: i64 = 4096;
/// The work (steps, plus bytes of the values made) all the Go templates of one
/// ApplicationSet may do: ranges nested over large numbers and text doubled by `printf`
/// stop here, with a note, instead of running for hours or exhausting memory.
pub const FUEL: u64 = 5_000_000;

thread_local! {
    // One budget for every string of one ApplicationSet, without threading it through
    // every call that renders a string: `refill` starts an ApplicationSet.
    static LEFT: Cell<u64> = const { Cell::new(FUEL) };
}

/// Start the budget of one ApplicationSet's templates.
pub fn refill() {
    LEFT.with(|l| l.set(FUEL));
}

fn over_budget(what: &str) -> String {
    format!("{what}: over platc's budget for a template, not evaluated offline")
}

/// Spend `n` units of the ApplicationSet's budget.
pub fn spend(n: u64) -> Result<(), String> {
    LEFT.with(|l| {
        let left = l.get();
        if n > left {
            l.set(0);
            Err(over_budget("the template does too much work"))
        } else {
            l.set(left - n);
            Ok(())
        }
    })
}

/// The size of a value a function gave (bytes of text, one per node), paid from the budget;
/// a value too large or too deep stops the template.
fn pay_for(v: &Value) -> Result<(), String> {
    fn walk(v: &Value, depth: usize, size: &mut usize) -> Result<(), String> {
        if depth > MAX_VALUE_DEPTH {
            return Err(over_budget("a value nests too deep"));
        }
        *size += 1;
        match v {
            Value::String(s) => *size += s.len(),
            Value::Array(a) => {
                for x in a {
                    walk(x, depth + 1, size)?;
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    *size += k.len();
                    walk(x, depth + 1, size)?;
                }
            }
            _ => {}
        }
        if *size > MAX_TEXT {
            return Err(over_budget("a value is too large"));
        }
        Ok(())
    }
    let mut size = 0;
    walk(v, 0, &mut size)?;
    spend(size as u64)
}

/// Text appended to what a template renders, within the size a template may render.
fn emit(out: &mut String, s: &str) -> Result<(), String> {
    if out.len() + s.len() > MAX_TEXT {
        return Err(over_budget("the template renders too much text"));
    }
    spend(s.len() as u64 + 1)?;
    out.push_str(s);
    Ok(())
}

/// How a missing map key behaves (`goTemplateOptions: ["missingkey=error"]`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub missing_key_error: bool,
}

/// Whether an error says the template uses what this interpreter does not evaluate (every
/// such message says "offline"), rather than what Argo CD would fail too.
pub fn is_unsupported(error: &str) -> bool {
    error.contains("offline")
}

/// Render `text` with `data` as dot.
pub fn render(text: &str, data: &Value, opts: Options) -> Result<String, String> {
    if !text.contains("{{") {
        return Ok(text.to_string());
    }
    let nodes = parse(text)?;
    let mut out = String::new();
    let mut vars = vec![("$".to_string(), data.clone())];
    exec(&nodes, data, &mut vars, opts, &mut out)?;
    Ok(out)
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipeline),
    If {
        branches: Vec<(Pipeline, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
    With {
        pipe: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Range {
        pipe: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

#[derive(Debug, Clone)]
struct Pipeline {
    /// `$x := ...` (one name) or `$i, $v := ...` (range).
    decl: Vec<String>,
    cmds: Vec<Vec<Arg>>,
}

#[derive(Debug, Clone)]
enum Arg {
    /// `.a.b` (empty: `.`).
    Field(Vec<String>),
    /// `$x.a.b`.
    Var(String, Vec<String>),
    Lit(Value),
    Func(String),
    /// `(pipeline).a.b`.
    Sub(Box<Pipeline>, Vec<String>),
}

// ---- lexing of the template into text and actions ----

enum Piece {
    Text(String),
    Action(String),
}

fn pieces(text: &str) -> Result<Vec<Piece>, String> {
    let mut out: Vec<Piece> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let mut before = rest[..start].to_string();
        let mut inner = &rest[start + 2..];
        if inner.starts_with("- ") || inner.starts_with("-\t") || inner.starts_with("-\n") {
            before = before.trim_end().to_string();
            inner = &inner[1..];
        }
        out.push(Piece::Text(before));
        let end = action_end(inner).ok_or("an action `{{` is not closed by `}}`")?;
        let mut body = &inner[..end];
        let mut after = &inner[end + 2..];
        if body.ends_with(" -") || body.ends_with("\t-") || body.ends_with("\n-") {
            body = &body[..body.len() - 1];
            after = after.trim_start();
        }
        out.push(Piece::Action(body.trim().to_string()));
        rest = after;
    }
    out.push(Piece::Text(rest.to_string()));
    Ok(out)
}

/// Where `}}` closes an action, past string literals.
fn action_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
            }
            b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

// ---- parsing ----

fn parse(text: &str) -> Result<Vec<Node>, String> {
    let pieces = pieces(text)?;
    let mut at = 0;
    let (nodes, end) = parse_list(&pieces, &mut at, 0)?;
    match end {
        None => Ok(nodes),
        Some(e) => Err(format!("unexpected `{{{{{e}}}}}`")),
    }
}

/// Nodes up to a closing keyword (`end`, `else...`), returned with it.
fn parse_list(
    pieces: &[Piece],
    at: &mut usize,
    depth: usize,
) -> Result<(Vec<Node>, Option<String>), String> {
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    let mut nodes = Vec::new();
    while *at < pieces.len() {
        let piece = &pieces[*at];
        *at += 1;
        let action = match piece {
            Piece::Text(t) => {
                if !t.is_empty() {
                    nodes.push(Node::Text(t.clone()));
                }
                continue;
            }
            Piece::Action(a) => a.as_str(),
        };
        if action.starts_with("/*") {
            continue;
        }
        let (word, rest) = split_word(action);
        match word {
            "end" | "else" => return Ok((nodes, Some(action.to_string()))),
            "if" => nodes.push(parse_if(rest, pieces, at, depth + 1)?),
            "with" | "range" => nodes.push(parse_with_or_range(word, rest, pieces, at, depth + 1)?),
            "define" | "template" | "block" | "break" | "continue" => {
                return Err(format!("`{word}` is not supported offline"));
            }
            _ => nodes.push(Node::Action(parse_pipeline(action, depth)?)),
        }
    }
    Ok((nodes, None))
}

/// `{{with x}}` or `{{range x}}` up to its `end`; `{{else with y}}` (Go 1.23) is
/// `{{else}}{{with y}}...{{end}}` whose `end` closes both.
fn parse_with_or_range(
    word: &str,
    head: &str,
    pieces: &[Piece],
    at: &mut usize,
    depth: usize,
) -> Result<Node, String> {
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    let pipe = parse_pipeline(head, depth)?;
    let (body, end) = parse_list(pieces, at, depth)?;
    let end = end.ok_or_else(|| format!("`{word}` is not closed by `end`"))?;
    let otherwise = if end == "end" {
        Vec::new()
    } else {
        let (_, rest) = split_word(&end);
        let (next, next_rest) = split_word(rest);
        if rest.is_empty() {
            let (o, end) = parse_list(pieces, at, depth)?;
            expect_end(end)?;
            o
        } else if word == "with" && next == "with" {
            vec![parse_with_or_range(
                "with",
                next_rest,
                pieces,
                at,
                depth + 1,
            )?]
        } else {
            return Err(format!("`{{{{{end}}}}}` cannot follow `{word}`"));
        }
    };
    Ok(if word == "with" {
        Node::With {
            pipe,
            body,
            otherwise,
        }
    } else {
        Node::Range {
            pipe,
            body,
            otherwise,
        }
    })
}

fn too_deep() -> String {
    over_budget(&format!("blocks or `(` nest deeper than {MAX_NESTING}"))
}

fn expect_end(end: Option<String>) -> Result<(), String> {
    match end.as_deref() {
        Some("end") => Ok(()),
        other => Err(format!("expected `{{{{end}}}}`, found {other:?}")),
    }
}

fn parse_if(cond: &str, pieces: &[Piece], at: &mut usize, depth: usize) -> Result<Node, String> {
    let mut branches = Vec::new();
    let mut cond = cond.to_string();
    loop {
        let pipe = parse_pipeline(&cond, depth)?;
        let (body, end) = parse_list(pieces, at, depth)?;
        branches.push((pipe, body));
        let end = end.ok_or("`if` is not closed by `end`")?;
        if end == "end" {
            return Ok(Node::If {
                branches,
                otherwise: Vec::new(),
            });
        }
        let (_, after_else) = split_word(&end);
        let (word, rest) = split_word(after_else);
        if word == "if" {
            cond = rest.to_string();
            continue;
        }
        if !after_else.is_empty() {
            // Go allows `else if` after `if`, `else with` only after `with`.
            return Err(format!("`{{{{{end}}}}}` cannot follow `if`"));
        }
        let (otherwise, end) = parse_list(pieces, at, depth)?;
        expect_end(end)?;
        return Ok(Node::If {
            branches,
            otherwise,
        });
    }
}

fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim();
    match s.find(|c: char| c.is_whitespace()) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Field(Vec<String>),
    Var(String, Vec<String>),
    Lit(Value),
    Ident(String),
    Open,
    /// `)` and the fields after it (`(...).a`).
    Close(Vec<String>),
    Pipe,
    Declare,
    Comma,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let ident_char = |c: char| c.is_alphanumeric() || c == '_';
    let fields = |i: &mut usize| -> Vec<String> {
        let mut f = Vec::new();
        while *i < chars.len() && chars[*i] == '.' {
            let start = *i + 1;
            let mut j = start;
            while j < chars.len() && ident_char(chars[j]) {
                j += 1;
            }
            if j == start {
                break;
            }
            f.push(chars[start..j].iter().collect());
            *i = j;
        }
        f
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '|' {
            out.push(Tok::Pipe);
            i += 1;
        } else if c == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            i += 1;
            out.push(Tok::Close(fields(&mut i)));
        } else if c == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else if c == ':' && chars.get(i + 1) == Some(&'=') {
            out.push(Tok::Declare);
            i += 2;
        } else if c == '=' {
            return Err("assigning a variable again is not supported offline".into());
        } else if c == '.' {
            let f = fields(&mut i);
            if f.is_empty() {
                i += 1;
            }
            out.push(Tok::Field(f));
        } else if c == '$' {
            let start = i;
            i += 1;
            while i < chars.len() && ident_char(chars[i]) {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            out.push(Tok::Var(name, fields(&mut i)));
        } else if c == '"' {
            let mut text = String::new();
            i += 1;
            loop {
                let Some(&c) = chars.get(i) else {
                    return Err("a string is not closed".into());
                };
                i += 1;
                match c {
                    '"' => break,
                    '\\' => {
                        let e = chars.get(i).copied().unwrap_or('\\');
                        i += 1;
                        text.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            other => other,
                        });
                    }
                    c => text.push(c),
                }
            }
            out.push(Tok::Lit(Value::String(text)));
        } else if c == '`' {
            let start = i + 1;
            let end = chars[start..]
                .iter()
                .position(|&c| c == '`')
                .ok_or("a raw string is not closed")?;
            out.push(Tok::Lit(Value::String(
                chars[start..start + end].iter().collect(),
            )));
            i = start + end + 1;
        } else if c == '\'' {
            let ch = chars
                .get(i + 1)
                .copied()
                .ok_or("a character is not closed")?;
            if chars.get(i + 2) != Some(&'\'') {
                return Err("a character literal is not supported offline".into());
            }
            out.push(Tok::Lit(Value::from(ch as u32)));
            i += 3;
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let value = if let Ok(n) = text.parse::<i64>() {
                Value::from(n)
            } else if let Ok(f) = text.parse::<f64>() {
                Value::from(f)
            } else {
                return Err(format!("`{text}` is not a number"));
            };
            out.push(Tok::Lit(value));
        } else if ident_char(c) {
            let start = i;
            while i < chars.len() && ident_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(match word.as_str() {
                "true" => Tok::Lit(Value::Bool(true)),
                "false" => Tok::Lit(Value::Bool(false)),
                "nil" => Tok::Lit(Value::Null),
                _ => Tok::Ident(word),
            });
        } else {
            return Err(format!("unexpected `{c}` in an action"));
        }
    }
    Ok(out)
}

fn parse_pipeline(s: &str, depth: usize) -> Result<Pipeline, String> {
    let toks = lex(s)?;
    let mut at = 0;
    let pipe = pipeline_of(&toks, &mut at, depth)?;
    if at < toks.len() {
        return Err(format!("unexpected {:?} in `{s}`", toks[at]));
    }
    Ok(pipe)
}

fn pipeline_of(toks: &[Tok], at: &mut usize, depth: usize) -> Result<Pipeline, String> {
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    let mut decl = Vec::new();
    // `$x :=` or `$i, $v :=`.
    let mut look = *at;
    let mut names = Vec::new();
    while let Some(Tok::Var(name, f)) = toks.get(look) {
        if !f.is_empty() {
            break;
        }
        names.push(name.clone());
        look += 1;
        match toks.get(look) {
            Some(Tok::Comma) => look += 1,
            Some(Tok::Declare) => {
                decl = names.clone();
                *at = look + 1;
                break;
            }
            _ => break,
        }
    }
    let mut cmds = Vec::new();
    let mut cmd = Vec::new();
    while let Some(tok) = toks.get(*at) {
        match tok {
            Tok::Close(_) => break,
            Tok::Pipe => {
                if cmd.is_empty() {
                    return Err("an empty command in a pipeline".into());
                }
                cmds.push(std::mem::take(&mut cmd));
                *at += 1;
            }
            Tok::Open => {
                *at += 1;
                let inner = pipeline_of(toks, at, depth + 1)?;
                let Some(Tok::Close(fields)) = toks.get(*at) else {
                    return Err("`(` is not closed".into());
                };
                cmd.push(Arg::Sub(Box::new(inner), fields.clone()));
                *at += 1;
            }
            Tok::Field(f) => {
                cmd.push(Arg::Field(f.clone()));
                *at += 1;
            }
            Tok::Var(n, f) => {
                cmd.push(Arg::Var(n.clone(), f.clone()));
                *at += 1;
            }
            Tok::Lit(v) => {
                cmd.push(Arg::Lit(v.clone()));
                *at += 1;
            }
            Tok::Ident(name) => {
                cmd.push(Arg::Func(name.clone()));
                *at += 1;
            }
            Tok::Declare | Tok::Comma => return Err("unexpected `:=` or `,`".into()),
        }
    }
    if !cmd.is_empty() {
        cmds.push(cmd);
    }
    if cmds.is_empty() {
        return Err("an empty action".into());
    }
    Ok(Pipeline { decl, cmds })
}

// ---- evaluation ----

type Vars = Vec<(String, Value)>;

fn exec(
    nodes: &[Node],
    dot: &Value,
    vars: &mut Vars,
    opts: Options,
    out: &mut String,
) -> Result<(), String> {
    for node in nodes {
        spend(1)?;
        match node {
            Node::Text(t) => emit(out, t)?,
            Node::Action(p) => {
                let v = eval_pipeline(p, dot, vars, opts)?;
                if p.decl.is_empty() {
                    emit(out, &print(&v))?;
                }
            }
            Node::If {
                branches,
                otherwise,
            } => {
                let depth = vars.len();
                let mut done = false;
                for (cond, body) in branches {
                    if truthy(&eval_pipeline(cond, dot, vars, opts)?) {
                        exec(body, dot, vars, opts, out)?;
                        done = true;
                        break;
                    }
                }
                if !done {
                    exec(otherwise, dot, vars, opts, out)?;
                }
                vars.truncate(depth);
            }
            Node::With {
                pipe,
                body,
                otherwise,
            } => {
                let depth = vars.len();
                let v = eval_pipeline(pipe, dot, vars, opts)?;
                if truthy(&v) {
                    exec(body, &v, vars, opts, out)?;
                } else {
                    exec(otherwise, dot, vars, opts, out)?;
                }
                vars.truncate(depth);
            }
            Node::Range {
                pipe,
                body,
                otherwise,
            } => {
                let depth = vars.len();
                let undeclared = Pipeline {
                    decl: Vec::new(),
                    cmds: pipe.cmds.clone(),
                };
                let v = eval_pipeline(&undeclared, dot, vars, opts)?;
                let items: Vec<(Value, Value)> = match &v {
                    Value::Array(a) => a
                        .iter()
                        .enumerate()
                        .map(|(i, x)| (Value::from(i), x.clone()))
                        .collect(),
                    Value::Object(m) => {
                        // Go ranges over a map in key order.
                        let mut keys: Vec<&String> = m.keys().collect();
                        keys.sort();
                        keys.into_iter()
                            .map(|k| (Value::String(k.clone()), m[k].clone()))
                            .collect()
                    }
                    Value::Null => Vec::new(),
                    Value::Number(n) => {
                        let n = n.as_i64().ok_or("range over a non-integer")?;
                        // Paid before the numbers are made: `range 9223372036854775807`.
                        spend(n.max(0) as u64)?;
                        (0..n.max(0))
                            .map(|i| (Value::from(i), Value::from(i)))
                            .collect()
                    }
                    _ => return Err(format!("range cannot iterate over {}", print(&v))),
                };
                if items.is_empty() {
                    exec(otherwise, dot, vars, opts, out)?;
                }
                for (k, x) in items {
                    match pipe.decl.as_slice() {
                        [] => {}
                        [v] => vars.push((v.clone(), x.clone())),
                        [i, v] => {
                            vars.push((i.clone(), k));
                            vars.push((v.clone(), x.clone()));
                        }
                        _ => return Err("too many range variables".into()),
                    }
                    exec(body, &x, vars, opts, out)?;
                    vars.truncate(depth);
                }
            }
        }
    }
    Ok(())
}

fn eval_pipeline(
    p: &Pipeline,
    dot: &Value,
    vars: &mut Vars,
    opts: Options,
) -> Result<Value, String> {
    let mut piped: Option<Value> = None;
    for cmd in &p.cmds {
        piped = Some(eval_cmd(cmd, dot, vars, opts, piped)?);
    }
    let v = piped.unwrap_or(Value::Null);
    for name in &p.decl {
        vars.push((name.clone(), v.clone()));
    }
    Ok(v)
}

fn eval_cmd(
    cmd: &[Arg],
    dot: &Value,
    vars: &mut Vars,
    opts: Options,
    piped: Option<Value>,
) -> Result<Value, String> {
    if let Some(Arg::Func(name)) = cmd.first() {
        if name == "and" || name == "or" {
            return and_or(name == "or", &cmd[1..], dot, vars, opts, piped);
        }
        let mut args = Vec::new();
        for a in &cmd[1..] {
            args.push(eval_arg(a, dot, vars, opts)?);
        }
        if let Some(p) = piped {
            args.push(p);
        }
        let v = call(name, args)?;
        pay_for(&v)?;
        return Ok(v);
    }
    if cmd.len() > 1 || piped.is_some() {
        return Err("only a function takes arguments".into());
    }
    eval_arg(&cmd[0], dot, vars, opts)
}

/// `and`/`or` as Go evaluates them since 1.18: the arguments in turn, stopping at the first
/// that decides (falsy for `and`, truthy for `or`), which is the value; else the last one
/// (the piped value, if any, comes last and is already evaluated).
fn and_or(
    or: bool,
    args: &[Arg],
    dot: &Value,
    vars: &mut Vars,
    opts: Options,
    piped: Option<Value>,
) -> Result<Value, String> {
    let name = if or { "or" } else { "and" };
    if args.is_empty() && piped.is_none() {
        return Err(format!(
            "wrong number of args for {name}: want at least 1 got 0"
        ));
    }
    let mut last = Value::Null;
    for a in args {
        last = eval_arg(a, dot, vars, opts)?;
        if truthy(&last) == or {
            return Ok(last);
        }
    }
    Ok(piped.unwrap_or(last))
}

fn eval_arg(a: &Arg, dot: &Value, vars: &mut Vars, opts: Options) -> Result<Value, String> {
    let v = match a {
        // Dot is a value as found (a `null` list item is Go's nil interface).
        Arg::Field(f) => fields(Some(dot), f, opts)?,
        Arg::Var(name, f) => {
            let v = vars
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("undefined variable `{name}`"))?;
            fields(pipeline_result(v), f, opts)?
        }
        Arg::Lit(v) => v.clone(),
        Arg::Func(name) => call(name, Vec::new())?,
        Arg::Sub(p, f) => {
            let depth = vars.len();
            let v = eval_pipeline(p, dot, vars, opts)?;
            vars.truncate(depth);
            fields(pipeline_result(&v), f, opts)?
        }
    };
    // A copy of a large parameter made in a long range costs as much as making it.
    pay_for(&v)?;
    Ok(v)
}

/// A pipeline's value as Go holds it: a nil interface (`null`, or a missing key) becomes
/// the invalid value, which a field of gives `<no value>` rather than an error.
fn pipeline_result(v: &Value) -> Option<&Value> {
    (!v.is_null()).then_some(v)
}

/// A chain of fields, as Go's evalField walks it: `None` is Go's invalid value (what a
/// missing map key gives), whose fields are missing too (an error only with
/// `missingkey=error`); a `null` found in the chain is a nil interface, whose fields are
/// always an error.
fn fields(start: Option<&Value>, path: &[String], opts: Options) -> Result<Value, String> {
    let mut v = start;
    for name in path {
        v = match v {
            None if opts.missing_key_error => {
                return Err(format!("nil data; no entry for key \"{name}\""));
            }
            None => None,
            Some(Value::Object(m)) => match m.get(name) {
                Some(x) => Some(x),
                None if opts.missing_key_error => {
                    return Err(format!("map has no entry for key \"{name}\""));
                }
                None => None,
            },
            Some(Value::Null) => {
                return Err(format!("nil pointer evaluating interface {{}}.{name}"));
            }
            Some(other) => {
                return Err(format!("can't evaluate field {name} in {}", print(other)));
            }
        };
    }
    Ok(v.cloned().unwrap_or(Value::Null))
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// How Go's fmt prints a value (`%v`).
pub fn print(v: &Value) -> String {
    match v {
        Value::Null => "<no value>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(inner).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", inner(&m[*k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

fn inner(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        other => print(other),
    }
}

fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        other => print(other),
    }
}

fn int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or_else(|| format!("{n} is not an integer")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an integer")),
        other => Err(format!("{} is not an integer", print(other))),
    }
}

fn arity(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!("{name} takes {n} arguments, {} given", args.len()))
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Result<std::cmp::Ordering, String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .ok_or_else(|| "numbers that do not compare".to_string()),
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        _ => Err(format!(
            "incompatible types for comparison: {} and {}",
            print(a),
            print(b)
        )),
    }
}

/// sprig's `quote`: Go's `%q`.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Argo CD's (and Kubernetes') name sanitising: lower case, `[^-a-z0-9.]` to `-`, at most
/// 253 characters, no leading or trailing `-` or `.`.
pub fn sanitize_name(name: &str) -> String {
    let lowered: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(253)
        .collect();
    lowered.trim_matches(|c| c == '-' || c == '.').to_string()
}

fn printf(args: &[Value]) -> Result<String, String> {
    let format = args.first().map(text).unwrap_or_default();
    let mut rest = args.iter().skip(1);
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(v @ ('s' | 'v' | 'd' | 'q')) => {
                let arg = rest.next().ok_or("printf: too few arguments")?;
                match v {
                    'q' => out.push_str(&go_quote(&print(arg))),
                    'd' => out.push_str(&int(arg)?.to_string()),
                    _ => out.push_str(&print(arg)),
                }
            }
            other => {
                return Err(format!(
                    "printf verb %{} is not supported offline",
                    other.unwrap_or(' ')
                ));
            }
        }
    }
    Ok(out)
}

/// Whether a text of `len` bytes may be made (checked before it is).
fn fits(len: usize) -> Result<(), String> {
    if len > MAX_TEXT {
        Err(over_budget("a value is too large"))
    } else {
        Ok(())
    }
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The functions Argo CD's ApplicationSets use (Go's builtins and sprig's).
fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
    let s = |i: usize| args.get(i).map(text).unwrap_or_default();
    let last = || args.last().map(text).unwrap_or_default();
    Ok(match name {
        "index" => {
            let mut v = args.first().cloned().ok_or("index needs a value")?;
            for k in &args[1..] {
                v = match (&v, k) {
                    (Value::Object(m), _) => m.get(&text(k)).cloned().unwrap_or(Value::Null),
                    (Value::Array(a), _) => {
                        let i = int(k)?;
                        a.get(usize::try_from(i).map_err(|_| "index out of range")?)
                            .cloned()
                            .ok_or_else(|| format!("index out of range: {i}"))?
                    }
                    (Value::String(st), _) => {
                        let i = int(k)?;
                        Value::from(
                            *st.as_bytes()
                                .get(usize::try_from(i).map_err(|_| "index out of range")?)
                                .ok_or_else(|| format!("index out of range: {i}"))?,
                        )
                    }
                    (Value::Null, _) => return Err("index of untyped nil".into()),
                    (other, _) => return Err(format!("can't index item of {}", print(other))),
                };
            }
            v
        }
        "len" => {
            arity(name, &args, 1)?;
            Value::from(match &args[0] {
                Value::String(x) => x.len(),
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                other => return Err(format!("len of {}", print(other))),
            })
        }
        "not" => {
            arity(name, &args, 1)?;
            Value::Bool(!truthy(&args[0]))
        }
        "eq" => {
            let first = args.first().ok_or("eq needs arguments")?;
            Value::Bool(args[1..].iter().any(|b| equal(first, b)))
        }
        "ne" => {
            arity(name, &args, 2)?;
            Value::Bool(!equal(&args[0], &args[1]))
        }
        "lt" | "le" | "gt" | "ge" => {
            arity(name, &args, 2)?;
            let o = compare(&args[0], &args[1])?;
            Value::Bool(match name {
                "lt" => o.is_lt(),
                "le" => o.is_le(),
                "gt" => o.is_gt(),
                _ => o.is_ge(),
            })
        }
        "print" => Value::String(args.iter().map(print).collect::<Vec<_>>().join("")),
        "println" => Value::String(format!(
            "{}\n",
            args.iter().map(print).collect::<Vec<_>>().join(" ")
        )),
        "printf" => Value::String(printf(&args)?),
        "lower" => Value::String(last().to_lowercase()),
        "upper" => Value::String(last().to_uppercase()),
        "title" => Value::String(
            last()
                .split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default()
                })
                .collect::<Vec<String>>()
                .join(" "),
        ),
        "trim" => Value::String(last().trim().to_string()),
        "replace" => {
            arity(name, &args, 3)?;
            let (from, to, x) = (s(0), s(1), s(2));
            // Sized before it is built: `replace "" <a long text>` multiplies.
            let times = if from.is_empty() {
                x.chars().count() + 1
            } else {
                x.matches(from.as_str()).count()
            };
            fits(x.len().saturating_add(times.saturating_mul(to.len())))?;
            Value::String(x.replace(&from, &to))
        }
        "trimPrefix" => {
            arity(name, &args, 2)?;
            let (p, x) = (s(0), s(1));
            Value::String(x.strip_prefix(p.as_str()).unwrap_or(&x).to_string())
        }
        "trimSuffix" => {
            arity(name, &args, 2)?;
            let (p, x) = (s(0), s(1));
            Value::String(x.strip_suffix(p.as_str()).unwrap_or(&x).to_string())
        }
        "trimAll" => {
            arity(name, &args, 2)?;
            let cut: Vec<char> = s(0).chars().collect();
            Value::String(s(1).trim_matches(|c| cut.contains(&c)).to_string())
        }
        "trunc" => {
            arity(name, &args, 2)?;
            let n = int(&args[0])?;
            let x: Vec<char> = s(1).chars().collect();
            let len = x.len() as i64;
            Value::String(if n >= 0 {
                x[..n.min(len) as usize].iter().collect()
            } else {
                x[(len + n).max(0) as usize..].iter().collect()
            })
        }
        "default" => {
            if args.len() == 1 {
                args[0].clone()
            } else {
                arity(name, &args, 2)?;
                if truthy(&args[1]) {
                    args[1].clone()
                } else {
                    args[0].clone()
                }
            }
        }
        "empty" => {
            arity(name, &args, 1)?;
            Value::Bool(!truthy(&args[0]))
        }
        "coalesce" => args
            .iter()
            .find(|v| truthy(v))
            .cloned()
            .unwrap_or(Value::Null),
        "ternary" => {
            arity(name, &args, 3)?;
            if truthy(&args[2]) {
                args[0].clone()
            } else {
                args[1].clone()
            }
        }
        "quote" => Value::String(
            args.iter()
                .filter(|v| !v.is_null())
                .map(|v| go_quote(&print(v)))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "squote" => Value::String(
            args.iter()
                .filter(|v| !v.is_null())
                .map(|v| format!("'{}'", print(v)))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "contains" => {
            arity(name, &args, 2)?;
            Value::Bool(s(1).contains(&s(0)))
        }
        "hasPrefix" => {
            arity(name, &args, 2)?;
            Value::Bool(s(1).starts_with(&s(0)))
        }
        "hasSuffix" => {
            arity(name, &args, 2)?;
            Value::Bool(s(1).ends_with(&s(0)))
        }
        "toString" => {
            arity(name, &args, 1)?;
            Value::String(print(&args[0]))
        }
        "list" => Value::Array(args),
        "dict" => {
            let mut m = Map::new();
            for pair in args.chunks(2) {
                m.insert(text(&pair[0]), pair.get(1).cloned().unwrap_or(Value::Null));
            }
            Value::Object(m)
        }
        "join" => {
            arity(name, &args, 2)?;
            let sep = s(0);
            match &args[1] {
                Value::Array(a) => {
                    fits(sep.len().saturating_mul(a.len()))?;
                    Value::String(a.iter().map(text).collect::<Vec<_>>().join(&sep))
                }
                other => Value::String(text(other)),
            }
        }
        "splitList" => {
            arity(name, &args, 2)?;
            Value::Array(
                s(1).split(s(0).as_str())
                    .map(|p| Value::String(p.into()))
                    .collect(),
            )
        }
        "first" => {
            arity(name, &args, 1)?;
            args[0]
                .as_array()
                .and_then(|a| a.first())
                .cloned()
                .unwrap_or(Value::Null)
        }
        "last" => {
            arity(name, &args, 1)?;
            args[0]
                .as_array()
                .and_then(|a| a.last())
                .cloned()
                .unwrap_or(Value::Null)
        }
        "base" => Value::String(last().rsplit('/').next().unwrap_or_default().to_string()),
        "normalize" => Value::String(sanitize_name(&last())),
        "indent" | "nindent" => {
            arity(name, &args, 2)?;
            let width = int(&args[0])?;
            if width > MAX_INDENT {
                return Err(over_budget(&format!(
                    "{name} {width} is wider than {MAX_INDENT}"
                )));
            }
            let width = usize::try_from(width).unwrap_or(0);
            let lines = s(1).matches('\n').count() + 1;
            fits(s(1).len() + lines * width)?;
            let pad = " ".repeat(width);
            let body = s(1)
                .split('\n')
                .map(|l| format!("{pad}{l}"))
                .collect::<Vec<_>>()
                .join("\n");
            Value::String(if name == "nindent" {
                format!("\n{body}")
            } else {
                body
            })
        }
        "int" | "atoi" | "int64" => {
            arity(name, &args, 1)?;
            Value::from(int(&args[0]).unwrap_or(0))
        }
        "add" | "sub" | "mul" => {
            arity(name, &args, 2)?;
            let (a, b) = (int(&args[0])?, int(&args[1])?);
            Value::from(match name {
                "add" => a.wrapping_add(b),
                "sub" => a.wrapping_sub(b),
                _ => a.wrapping_mul(b),
            })
        }
        "add1" => {
            arity(name, &args, 1)?;
            Value::from(int(&args[0])?.wrapping_add(1))
        }
        "b64enc" => {
            use base64::Engine;
            arity(name, &args, 1)?;
            Value::String(base64::engine::general_purpose::STANDARD.encode(s(0)))
        }
        "toJson" => {
            arity(name, &args, 1)?;
            let mut out = String::new();
            crate::gojson::write(&args[0], &mut out, number);
            Value::String(out)
        }
        "toYaml" => {
            arity(name, &args, 1)?;
            // Go's maps marshal with their keys sorted.
            Value::String(
                crate::yaml::emit::to_yaml(&sorted(&args[0]))
                    .trim_end_matches('\n')
                    .to_string(),
            )
        }
        "fromYaml" | "fromJson" => {
            arity(name, &args, 1)?;
            let stream = crate::yaml::parse_stream(&s(0)).map_err(|e| e.to_string())?;
            stream
                .documents
                .first()
                .map(crate::yaml::Node::to_json)
                .unwrap_or(Value::Object(Map::new()))
        }
        other => return Err(format!("the function `{other}` is not evaluated offline")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(t: &str, data: Value) -> Result<String, String> {
        render(t, &data, Options::default())
    }

    #[test]
    fn fields_index_and_pipelines() {
        let data =
            json!({"path": {"segments": ["apps", "web"], "basename": "Web_App"}, "name": "ana"});
        assert_eq!(run("{{.path.basename}}", data.clone()).unwrap(), "Web_App");
        assert_eq!(
            run("{{ index .path.segments 1 }}", data.clone()).unwrap(),
            "web"
        );
        assert_eq!(
            run(
                "{{ .path.basename | lower | replace \"_\" \"-\" }}",
                data.clone()
            )
            .unwrap(),
            "web-app"
        );
        assert_eq!(
            run("{{ .name | upper | trunc 2 }}-x", data.clone()).unwrap(),
            "AN-x"
        );
        assert_eq!(
            run("{{ .missing | default \"d\" }}", data.clone()).unwrap(),
            "d"
        );
        assert_eq!(run("{{ .name | quote }}", data.clone()).unwrap(), "\"ana\"");
        assert_eq!(
            run(
                "{{ trimPrefix \"ap\" (index .path.segments 0) }}",
                data.clone()
            )
            .unwrap(),
            "ps"
        );
        assert_eq!(
            run("{{ printf \"%s-%d\" .name 3 }}", data.clone()).unwrap(),
            "ana-3"
        );
        assert_eq!(
            run("a:{{ toYaml .path | nindent 2 }}", data.clone()).unwrap(),
            "a:\n  basename: Web_App\n  segments:\n  - apps\n  - web"
        );
        assert_eq!(run("{{ add 1 (len .path.segments) }}", data).unwrap(), "3");
    }

    #[test]
    fn conditions_and_ranges() {
        let data = json!({"env": "prod", "list": ["a", "b"], "n": 0});
        let t = "{{- if eq .env \"prod\" -}} p {{- else if .n -}} n {{- else -}} o {{- end }}";
        assert_eq!(run(t, data.clone()).unwrap(), "p");
        assert_eq!(
            run("{{if .n}}x{{else}}y{{end}}", data.clone()).unwrap(),
            "y"
        );
        assert_eq!(
            run(
                "{{range $i, $v := .list}}{{$i}}={{$v}};{{end}}",
                data.clone()
            )
            .unwrap(),
            "0=a;1=b;"
        );
        assert_eq!(
            run("{{range .list}}[{{.}}]{{end}}", data.clone()).unwrap(),
            "[a][b]"
        );
        assert_eq!(
            run("{{with .env}}{{.}}{{end}}", data.clone()).unwrap(),
            "prod"
        );
        assert_eq!(
            run("{{ $x := .env }}{{ $x }}/{{ $.env }}", data).unwrap(),
            "prod/prod"
        );
    }

    #[test]
    fn and_or_stop_at_the_deciding_argument() {
        let data = json!({"a": {"k": "v"}, "e": ""});
        let strict = Options {
            missing_key_error: true,
        };
        // Without `a`, `index .a "k"` would fail: Go never evaluates it.
        assert_eq!(
            render(
                "{{ if and .a (index .a \"k\") }}y{{ else }}n{{ end }}",
                &json!({}),
                Options::default()
            )
            .unwrap(),
            "n"
        );
        assert_eq!(
            render("{{ or .e \"d\" .nope }}", &data, strict).unwrap(),
            "d"
        );
        assert!(render("{{ or .e .nope }}", &data, strict).is_err());
        assert_eq!(
            run("{{ and .a (index .a \"k\") }}", data.clone()).unwrap(),
            "v"
        );
        assert_eq!(
            run("{{ and 1 0 2 }}|{{ or 0 \"\" }}", data.clone()).unwrap(),
            "0|"
        );
        assert_eq!(
            run("{{ .e | or 0 }}|{{ 3 | and 1 }}", data.clone()).unwrap(),
            "|3"
        );
        assert!(run("{{ and }}", data).is_err());
    }

    #[test]
    fn missing_keys_as_go_treats_them() {
        let data = json!({"a": {"b": "c"}});
        assert_eq!(run("{{.x}}", data.clone()).unwrap(), "<no value>");
        let strict = Options {
            missing_key_error: true,
        };
        let err = render("{{.a.x}}", &data, strict).unwrap_err();
        assert!(err.contains("no entry for key \"x\""), "{err}");
        // A field of a missing key is missing too (Go's invalid value), not an error...
        assert_eq!(run("{{.x.y}}", data.clone()).unwrap(), "<no value>");
        assert_eq!(
            run("{{.x.y.z | default \"d\"}}", data.clone()).unwrap(),
            "d"
        );
        assert_eq!(run("{{(.x).y}}", data.clone()).unwrap(), "<no value>");
        assert_eq!(
            run("{{$v := .x}}{{$v.y}}", data.clone()).unwrap(),
            "<no value>"
        );
        // ...unless missing keys are errors.
        let err = render("{{.x.y}}", &data, strict).unwrap_err();
        assert!(err.contains("no entry for key \"x\""), "{err}");
        let err = render("{{(.a.x).y}}", &json!({"a": {"x": null}}), strict).unwrap_err();
        assert!(err.contains("nil data; no entry for key \"y\""), "{err}");
        // A key whose value is null is a nil interface: its fields are an error either way.
        let nulled = json!({"n": null, "list": [null]});
        assert_eq!(run("{{.n}}", nulled.clone()).unwrap(), "<no value>");
        let err = run("{{.n.y}}", nulled.clone()).unwrap_err();
        assert!(err.contains("nil pointer evaluating"), "{err}");
        let err = run("{{range .list}}{{.y}}{{end}}", nulled.clone()).unwrap_err();
        assert!(err.contains("nil pointer evaluating"), "{err}");
        assert!(run("{{.a.b.c}}", data.clone()).is_err());
        assert!(
            run("{{ nosuchfunc .a }}", data.clone())
                .unwrap_err()
                .contains("not evaluated offline")
        );
        assert!(run("{{ .a", data).is_err());
    }

    /// An error that says the template is over budget (a note, not a failure of Argo CD's).
    fn over(r: Result<String, String>) -> String {
        let e = r.expect_err("over budget");
        assert!(is_unsupported(&e) && e.contains("budget"), "{e}");
        e
    }

    #[test]
    fn hostile_templates_stop_within_a_budget() {
        let data = json!({"a": "x"});
        // A width that would overflow the allocation.
        over(run("{{ indent 9223372036854775807 \"x\" }}", data.clone()));
        over(run("{{ nindent 5000 \"x\" }}", data.clone()));
        assert_eq!(run("{{ indent 2 \"x\" }}", data.clone()).unwrap(), "  x");
        // Nesting that would overflow the stack of the parser.
        let parens = format!("{{{{ {}1{} }}}}", "(".repeat(10_000), ")".repeat(10_000));
        over(run(&parens, data.clone()));
        let ifs = format!("{}x{}", "{{if 1}}".repeat(10_000), "{{end}}".repeat(10_000));
        over(run(&ifs, data.clone()));
        let fine = format!("{}x{}", "{{if 1}}".repeat(60), "{{end}}".repeat(60));
        assert_eq!(run(&fine, data.clone()).unwrap(), "x");
        // Work without end, and text or values doubled past any sane size.
        // (Most of the budget spent first, for a quick test.)
        spend(FUEL - 100_000).unwrap();
        over(run(
            "{{range 100000}}{{range 100000}}{{end}}{{end}}",
            data.clone(),
        ));
        refill();
        over(run("{{range 9223372036854775807}}{{end}}", data.clone()));
        refill();
        let doubling = format!(
            "{{{{$a := \"0123456789\"}}}}{}{{{{$a}}}}",
            "{{$a := printf \"%s%s\" $a $a}}".repeat(40)
        );
        over(run(&doubling, data.clone()));
        refill();
        let nested = format!("{{{{$a := list 1}}}}{}", "{{$a := list $a $a}}".repeat(40));
        over(run(&nested, data.clone()));
        refill();
        let deep = format!(
            "{{{{$a := list 1}}}}{}{{{{$a}}}}",
            "{{$a := list $a}}".repeat(5000)
        );
        over(run(&deep, data.clone()));
        refill();
        over(run(
            "{{$a := printf \"%s%s%s%s\" .a .a .a .a}}{{$a := replace \"\" $a $a}}{{$a := replace \"\" $a $a}}{{$a := replace \"\" $a $a}}{{$a := replace \"\" $a $a}}",
            data.clone(),
        ));
        refill();
        // One budget for all the strings of an ApplicationSet: what one render spent is
        // gone for the next.
        spend(FUEL - 5).unwrap();
        over(run("{{range 10}}{{end}}", data.clone()));
        refill();
        assert_eq!(run("{{range 3}}{{.}}{{end}}", data).unwrap(), "012");
    }

    #[test]
    fn else_with_and_to_json_as_go_does() {
        let data = json!({"a": "", "b": "B", "m": {"z": "<&>", "a": [1, "\u{2028}\t"]}});
        let t = "{{with .a}}a{{else with .b}}{{.}}{{else}}none{{end}}";
        assert_eq!(run(t, data.clone()).unwrap(), "B");
        let t = "{{with .a}}a{{else with .nope}}{{.}}{{else with .nope}}x{{else}}none{{end}}";
        assert_eq!(run(t, data.clone()).unwrap(), "none");
        // `else with` only follows `with`; `else if` only `if`.
        assert!(run("{{if .a}}a{{else with .b}}b{{end}}", data.clone()).is_err());
        assert!(run("{{with .a}}a{{else if .b}}b{{end}}", data.clone()).is_err());
        assert!(run("{{range .a}}a{{else with .b}}b{{end}}", data.clone()).is_err());
        assert_eq!(
            run("{{ toJson .m }}", data).unwrap(),
            r#"{"a":[1,"\u2028\t"],"z":"\u003c\u0026\u003e"}"#
        );
    }

    #[test]
    fn names_normalized_as_argo_cd_does() {
        assert_eq!(sanitize_name("-My_Cluster.Prod-"), "my-cluster.prod");
    }
}
