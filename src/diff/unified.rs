//! A unified diff of two texts (`--unified`), three lines of context, as `diff -u` prints.

/// The hunks turning `before` into `after`, without the `---`/`+++` header; empty when the
/// texts are equal.
pub fn unified(before: &str, after: &str) -> String {
    // Lines from the repository, printed on a terminal: no control character passes.
    let shown = |line: &str| crate::report::escape_control(line).into_owned();
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let ops = script(&a, &b);
    let mut out = String::new();
    const CONTEXT: usize = 3;
    // Indexes of the changed operations; hunks group those closer than 2 * CONTEXT.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    let mut i = 0;
    while i < changed.len() {
        let first = changed[i];
        let mut last = first;
        while i + 1 < changed.len() && changed[i + 1] - last <= 2 * CONTEXT {
            i += 1;
            last = changed[i];
        }
        i += 1;
        let start = first.saturating_sub(CONTEXT);
        let end = (last + CONTEXT + 1).min(ops.len());
        let (mut a_start, mut b_start) = (0, 0);
        for op in &ops[..start] {
            let (da, db) = op.advance();
            a_start += da;
            b_start += db;
        }
        let (mut a_len, mut b_len) = (0, 0);
        let mut body = String::new();
        for op in &ops[start..end] {
            let (da, db) = op.advance();
            a_len += da;
            b_len += db;
            match op {
                Op::Same(x) => body.push_str(&format!(" {}\n", shown(a[*x]))),
                Op::Del(x) => body.push_str(&format!("-{}\n", shown(a[*x]))),
                Op::Add(y) => body.push_str(&format!("+{}\n", shown(b[*y]))),
            }
        }
        let at = |start: usize, len: usize| if len == 0 { start } else { start + 1 };
        out.push_str(&format!(
            "@@ -{},{a_len} +{},{b_len} @@\n{body}",
            at(a_start, a_len),
            at(b_start, b_len)
        ));
    }
    out
}

enum Op {
    Same(usize),
    Del(usize),
    Add(usize),
}

impl Op {
    fn advance(&self) -> (usize, usize) {
        match self {
            Op::Same(_) => (1, 1),
            Op::Del(_) => (1, 0),
            Op::Add(_) => (0, 1),
        }
    }
}

/// An edit script by longest common subsequence (objects are a few hundred lines: the
/// quadratic table is small), with the common head and tail taken off first.
fn script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let (n, m) = (ma.len(), mb.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * (m + 1) + j] = if ma[i] == mb[j] {
                lcs[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
            };
        }
    }
    let mut ops: Vec<Op> = (0..head).map(Op::Same).collect();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && ma[i] == mb[j] {
            ops.push(Op::Same(head + i));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
            // Deletions first, as diff -u prints them.
            ops.push(Op::Del(head + i));
            i += 1;
        } else {
            ops.push(Op::Add(head + j));
            j += 1;
        }
    }
    ops.extend((a.len() - tail..a.len()).map(Op::Same));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_changed_line_gives_one_hunk_with_context() {
        let before = "a\nb\nc\nd\ne\nf\ng\n";
        let after = "a\nb\nc\nD\ne\nf\ng\n";
        assert_eq!(
            unified(before, after),
            "@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n"
        );
        assert_eq!(unified(before, before), "");
        assert_eq!(unified("", "x\n"), "@@ -0,0 +1,1 @@\n+x\n");
    }
}
