"""Cross-check platc's embedded Kubernetes schemas against the ones kubernetes-validate
(PyPI) bundles, generated independently from the upstream OpenAPI documents.

    pip install kubernetes-validate && python3 xtask/crosscheck_kubernetes_validate.py

For every embedded version and every kind both sides know, it walks the two schemas
together and compares, at every object level, the declared fields and the required ones.
It prints each difference and exits 1 if there is any.
"""
import gzip
import json
import os
import sys

import kubernetes_validate

ROOT = os.path.join(os.path.dirname(__file__), "..")
THEIRS = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")


def ours(version):
    with gzip.open(os.path.join(ROOT, "schemas", "kubernetes", f"v{version}.json.gz")) as f:
        return json.load(f)


def resolve_ours(doc, node):
    for _ in range(20):
        if "$ref" in node:
            node = doc["definitions"][node["$ref"].split("/")[-1]]
        elif "allOf" in node and len(node["allOf"]) == 1 and "properties" not in node:
            node = node["allOf"][0]
        else:
            return node
    return node


_DEFINITIONS = {}


def definitions(folder):
    if folder not in _DEFINITIONS:
        with open(os.path.join(folder, "_definitions.json")) as f:
            _DEFINITIONS[folder] = json.load(f)
    return _DEFINITIONS[folder]


def resolve_theirs(folder, node):
    for _ in range(20):
        ref = node.get("$ref")
        if ref:
            # Every reference points into _definitions.json (`/api/_definitions.json#/$defs/X`
            # or `#/$defs/X` from inside it).
            name = ref.rsplit("/", 1)[-1]
            node = definitions(folder)["$defs"][name]
        elif "allOf" in node and len(node["allOf"]) == 1 and "properties" not in node:
            node = node["allOf"][0]
        else:
            return node
    return node


def known_required(path, ours, theirs):
    """Differences platc makes on purpose, or inherits from k8s-openapi and accepts."""
    only_theirs = theirs - ours
    if ours - theirs:
        return False
    # platc checks metadata.name itself rather than requiring `metadata`.
    if only_theirs == {"metadata"}:
        return True
    # k8s-openapi types these as optional: platc is more lenient than the API server here.
    if path in ("events.k8s.io/v1 Event", "networking.k8s.io/v1 NetworkPolicy.spec"):
        return True
    return False


def compare(doc, folder, a, b, path, out, depth=0):
    a, b = resolve_ours(doc, a), resolve_theirs(folder, b)
    if depth > 12:
        return
    # A CRD's own openAPIV3Schema is free-form for platc: it checks CRDs by converting them.
    if path.endswith("CustomResourceDefinition.spec.versions[].schema.openAPIV3Schema"):
        return
    pa, pb = a.get("properties", {}), b.get("properties", {})
    if pa or pb:
        missing = sorted(set(pb) - set(pa))
        extra = sorted(set(pa) - set(pb))
        if missing:
            out.append(f"{path}: fields only kubernetes-validate has: {missing}")
        if extra:
            out.append(f"{path}: fields only platc has: {extra}")
        ra, rb = set(a.get("required", [])), set(b.get("required", []))
        # platc pins apiVersion and kind as required on top-level kinds.
        if depth == 0:
            ra -= {"apiVersion", "kind"}
            rb -= {"apiVersion", "kind"}
        if ra != rb and not known_required(path, ra, rb):
            out.append(f"{path}: required differs: platc {sorted(ra)}, kubernetes-validate {sorted(rb)}")
        for name in sorted(set(pa) & set(pb)):
            compare(doc, folder, pa[name], pb[name], f"{path}.{name}", out, depth + 1)
    if "items" in a and "items" in b and isinstance(a["items"], dict) and isinstance(b["items"], dict):
        compare(doc, folder, a["items"], b["items"], f"{path}[]", out, depth + 1)


def main():
    failures = 0
    for name in sorted(os.listdir(os.path.join(ROOT, "schemas", "kubernetes"))):
        version = name[1:].removesuffix(".json.gz")
        folder = os.path.join(THEIRS, f"v{version}.0-local-strict")
        if not os.path.isdir(folder):
            print(f"{version}: kubernetes-validate has no schemas for it; skipped")
            continue
        doc = ours(version)
        checked, diffs, notes = 0, [], []
        for key, definition in sorted(doc["kinds"].items()):
            api_version, kind = key.split(" ")
            group, _, ver = api_version.rpartition("/")
            suffix = f"-{group.split('.')[0]}-{ver}" if group else f"-{ver}"
            path = os.path.join(folder, f"{kind.lower()}{suffix}.json")
            if not os.path.exists(path):
                # Discovery types (Status, APIGroup...) and internal kinds: nothing to compare.
                notes.append(f"{key}: kubernetes-validate has no schema ({os.path.basename(path)})")
                continue
            with open(path) as f:
                theirs = json.load(f)
            compare(doc, folder, {"$ref": f"#/definitions/{definition}"}, theirs, key, diffs)
            checked += 1
        print(f"{version}: {checked} kinds compared, {len(diffs)} differences ({len(notes)} kinds only platc has)")
        for d in diffs:
            print(f"  {d}")
        failures += len(diffs)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
