use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};
use crate::yaml::{Node, Value};

pub const RULE: Rule = Rule {
    id: "hygiene/unstable-disk-path",
    severity: Severity::Error,
    summary: "a node disk named by an unstable path such as /dev/sdb",
    docs: r#"# hygiene/unstable-disk-path

A storage object (Mayastor/OpenEBS DiskPool and similar) names a disk by `/dev/sdX`,
`/dev/nvmeXnY` or `/dev/vdX`.

## Why
Those names follow detection order: plugging in a USB key renames the disks, and the pool
opens the wrong one (this happened).

## Bad
```yaml
spec:
  disks: [/dev/sdb]
```

## Good
```yaml
spec:
  disks: [/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNF0R123456A]
```

## Fix
Use `/dev/disk/by-id/...` (or by-uuid, by-path).
"#,
    check,
};

fn unstable(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/dev/") else {
        return false;
    };
    ["sd", "hd", "vd", "xvd", "nvme"]
        .iter()
        .any(|p| name.starts_with(p))
        && !name.contains('/')
}

fn walk(o: &ObjectRef<'_>, node: &Node, pointer: &str, out: &mut Vec<Finding>) {
    match &node.value {
        Value::Str { text, .. } if unstable(text) => {
            out.push(report(
                &RULE,
                o,
                node,
                pointer,
                format!("`{text}` can name another disk after a reboot"),
                "use /dev/disk/by-id/...",
            ));
        }
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, n)| walk(o, n, &format!("{pointer}/{i}"), out)),
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = k
                    .key_text()
                    .unwrap_or_default()
                    .replace('~', "~0")
                    .replace('/', "~1");
                walk(o, v, &format!("{pointer}/{key}"), out);
            }
        }
        _ => {}
    }
}

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    // Storage custom resources only: a Pod mounting /dev/sda on purpose is another matter.
    if o.object.api_version().is_some_and(|a| {
        a.starts_with("openebs.io/")
            || a.contains("mayastor")
            || a.starts_with("local.storage")
            || a.contains("longhorn")
    }) && let Some(spec) = o.node().get("spec")
    {
        walk(o, spec, "/spec", out);
    }
}
