use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, pod_spec, report};
use crate::yaml::{Node, Value};

pub const RULE: Rule = Rule {
    id: "workload/host-namespaces",
    severity: Severity::Warning,
    summary: "a pod sharing the node's network, PID or IPC namespace, or mounting a hostPath",
    docs: r#"# workload/host-namespaces

A pod uses `hostNetwork`, `hostPID` or `hostIPC`, or mounts a `hostPath` volume.

## Why
These break the isolation between pods and the node: a pod can see every process, sniff
node traffic, or read and write node files.

## Bad
```yaml
spec:
  hostNetwork: true
  volumes:
    - name: root
      hostPath: {path: /}
```

## Good
```yaml
spec:
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: data}
```

## Fix
Use Services, PVCs and ConfigMaps instead. Node agents that need host access should waive
with `platc.io/ignore: workload/host-namespaces` and a reason.
"#,
    check,
};

fn check(_: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let Some((spec, base)) = pod_spec(o) else {
        return;
    };
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if let Some(node) = spec.get(field).filter(|n| n.value == Value::Bool(true)) {
            out.push(report(
                &RULE,
                o,
                node,
                &format!("{base}/{field}"),
                format!("the pod sets {field}: true"),
                "remove it unless the pod is a node agent",
            ));
        }
    }
    for (i, v) in spec
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        if let Some(host) = v.get("hostPath") {
            let path = host.get("path").and_then(Node::as_str).unwrap_or("?");
            out.push(report(
                &RULE,
                o,
                host,
                &format!("{base}/volumes/{i}/hostPath"),
                format!("the pod mounts the node path `{path}`"),
                "use a PersistentVolumeClaim, or waive for a node agent",
            ));
        }
    }
}
