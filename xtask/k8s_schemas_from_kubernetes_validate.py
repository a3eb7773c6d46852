"""Generate platc's embedded Kubernetes schemas for the versions k8s-openapi does not cover
(1.27 to 1.32) from the upstream OpenAPI documents that kubernetes-validate (PyPI) bundles.

    pip install kubernetes-validate==1.37.0
    python3 xtask/k8s_schemas_from_kubernetes_validate.py --check    # prove it first
    python3 xtask/k8s_schemas_from_kubernetes_validate.py 1.27 1.28 1.29 1.30 1.31 1.32

The output is what `cargo run -p xtask --release -- k8s-schemas` writes from k8s-openapi
(xtask/src/main.rs): the same definitions, read the same way. The shape k8s-openapi's schemars
output has is rebuilt from the upstream document (descriptions and `x-kubernetes-*` dropped,
nullable types made plain, a property's `$ref` wrapped in `allOf`), then the post-processing
of xtask/src/main.rs is applied: `required` relaxed for `metadata` and for names "allowed to be
empty", Quantity and IntOrString typed as the API server reads them, a CRD's own schema left
free-form, objects with properties closed to unknown fields, apiVersion and kind pinned on a
copy of each kind's definition.

`--check` generates 1.33 to 1.37 this way and compares them, definition by definition, with
the committed files k8s-openapi produced: it prints every difference and exits 1 if there is
any (K8S_OPENAPI_OPTIONAL lists where k8s-openapi departs from upstream).
"""
import gzip
import json
import os
import sys

import kubernetes_validate

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "schemas", "kubernetes")
THEIRS = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")

# A Kubernetes quantity: `500m`, `1.5Gi`, `2e3`, or a plain number (as in xtask/src/main.rs).
QUANTITY_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$"

REPLACED = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {
        "anyOf": [{"type": "number"}, {"type": "string", "pattern": QUANTITY_PATTERN}]
    },
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
        "anyOf": [{"type": "integer"}, {"type": "string"}]
    },
}
FREE_FORM_PREFIX = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON"

# The scope of kinds that only versions before 1.33 have (the others are read from the
# committed 1.33+ files: a kind keeps its scope across the versions of its group).
OLDER_KINDS_NAMESPACED = {
    "networking.k8s.io/v1alpha1 ClusterCIDR": False,
    "resource.k8s.io/v1alpha2 PodSchedulingContext": True,
    "resource.k8s.io/v1alpha2 ResourceClaimParameters": True,
    "resource.k8s.io/v1alpha2 ResourceClass": False,
    "resource.k8s.io/v1alpha2 ResourceClassParameters": True,
    "resource.k8s.io/v1alpha3 PodSchedulingContext": True,
}

# Fields upstream requires that k8s-openapi types as optional (`Option`): platc is more
# lenient than the API server there, in every version alike (found by --check; also listed
# by xtask/crosscheck_kubernetes_validate.py).
K8S_OPENAPI_OPTIONAL = {
    "io.k8s.api.events.v1.Event": "eventTime",
    "io.k8s.api.networking.v1.NetworkPolicySpec": "podSelector",
}


def load_theirs(version):
    with open(os.path.join(THEIRS, f"v{version}.0-local-strict", "_definitions.json")) as f:
        return json.load(f)["$defs"]


def load_ours(version):
    with gzip.open(os.path.join(OUT, f"v{version}.json.gz")) as f:
        return json.load(f)


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def plain_type(t):
    if isinstance(t, list):
        rest = [x for x in t if x != "null"]
        return rest[0] if len(rest) == 1 else rest
    return t


def convert(node, is_property=False):
    """An upstream schema node in the shape k8s-openapi's schemars output has."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = {"$ref": f"#/definitions/{ref_name(node['$ref'])}"}
        # schemars wraps a field's reference in allOf to carry the field's description.
        return {"allOf": [ref]} if is_property and len(node) > 1 else ref
    out = {}
    if "type" in node:
        out["type"] = plain_type(node["type"])
    if "format" in node:
        out["format"] = node["format"]
    if "items" in node:
        out["items"] = convert(node["items"])
    if "properties" in node:
        out["properties"] = {k: convert(v, True) for k, v in sorted(node["properties"].items())}
    if "required" in node:
        # schemars lists required fields in field order, which k8s-openapi keeps sorted.
        out["required"] = sorted(node["required"])
    if isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = convert(node["additionalProperties"])
    return out


def relax_required(schema):
    """As xtask/src/main.rs: `metadata` is checked by platc itself; a reference's `name`
    documented as "allowed to be empty" is optional upstream."""
    if "required" not in schema:
        return schema
    name = schema.get("properties", {}).get("name", {})
    optional_name = "allowed to be empty" in name.get("description", "")
    required = [r for r in schema["required"] if r != "metadata" and not (optional_name and r == "name")]
    if required:
        schema["required"] = required
    else:
        del schema["required"]
    return schema


def close(node):
    """convert_with(BUILT_IN) for this vocabulary: an object with properties rejects unknown
    fields; one without (a free-form object such as FieldsV1) stays open."""
    if isinstance(node, dict):
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                close(node[key])
        for v in node.get("properties", {}).values():
            close(v)
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
    return node


def definition(name, upstream):
    if name in REPLACED:
        return json.loads(json.dumps(REPLACED[name]))
    if name.startswith(FREE_FORM_PREFIX):
        return {}
    # relax_required reads descriptions, so it runs on the upstream node's properties.
    relaxed = relax_required(json.loads(json.dumps(upstream)))
    if name in K8S_OPENAPI_OPTIONAL and "required" in relaxed:
        relaxed["required"] = [r for r in relaxed["required"] if r != K8S_OPENAPI_OPTIONAL[name]]
        if not relaxed["required"]:
            del relaxed["required"]
    return close(convert(relaxed))


# The discovery documents k8s-openapi also models as `v1` resources.
META_KINDS = ["APIGroup", "APIGroupList", "APIResourceList", "APIVersions", "Status"]


def kinds_of(theirs):
    """`apiVersion Kind` -> definition name, for what k8s-openapi calls a resource: a
    definition with one group-version-kind, not a list, not a status or an option."""
    kinds = {f"v1 {k}": f"io.k8s.apimachinery.pkg.apis.meta.v1.{k}" for k in META_KINDS}
    for name, d in theirs.items():
        gvks = d.get("x-kubernetes-group-version-kind", [])
        if len(gvks) != 1:
            continue
        g = gvks[0]
        if g["kind"].endswith("List") or g["kind"] in ("Status", "DeleteOptions", "WatchEvent"):
            continue
        if not name.startswith("io.k8s.api.") and not name.startswith("io.k8s.kube-aggregator") and not name.startswith("io.k8s.apiextensions-apiserver"):
            continue
        api_version = f"{g['group']}/{g['version']}" if g["group"] else g["version"]
        kinds[f"{api_version} {g['kind']}"] = name
    return kinds


def reachable(theirs, roots):
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in theirs:
            continue
        seen.add(name)

        def refs(n):
            if isinstance(n, dict):
                for k, v in n.items():
                    if k == "$ref" and isinstance(v, str):
                        todo.append(ref_name(v))
                    else:
                        refs(v)
            elif isinstance(n, list):
                for v in n:
                    refs(v)

        refs(theirs[name])
    return seen


def group_kind(key):
    api_version, kind = key.split(" ")
    group = api_version.rpartition("/")[0]
    return f"{group} {kind}"


def known_scopes():
    """Whether each kind of the committed k8s-openapi files is namespaced, by `apiVersion
    Kind` and by `group Kind` (a kind keeps its scope across versions of its group)."""
    scopes = {}
    for name in sorted(os.listdir(OUT)):
        doc = load_ours(name[1:].removesuffix(".json.gz"))
        if not doc["source"].startswith("k8s-openapi"):
            continue
        namespaced = set(doc["namespaced"])
        for key in doc["kinds"]:
            scopes[key] = key in namespaced
            scopes[group_kind(key)] = key in namespaced
    return scopes


def scope_of(key, scopes):
    for candidate in (key, group_kind(key)):
        if candidate in scopes:
            return scopes[candidate]
    return OLDER_KINDS_NAMESPACED.get(key)


def generate(version, scopes):
    theirs = load_theirs(version)
    kinds = kinds_of(theirs)
    names = reachable(theirs, kinds.values())
    definitions = {name: definition(name, theirs[name]) for name in sorted(names)}
    pinned = {}
    namespaced = []
    for key, name in sorted(kinds.items()):
        api_version, kind = key.split(" ")
        d = json.loads(json.dumps(definitions[name]))
        d.setdefault("properties", {})
        d["properties"]["apiVersion"] = {"const": api_version}
        d["properties"]["kind"] = {"const": kind}
        required = d.setdefault("required", [])
        for field in ("apiVersion", "kind"):
            if field not in required:
                required.append(field)
        definitions[f"{name}.Kind"] = d
        pinned[key] = f"{name}.Kind"
        scope = scope_of(key, scopes)
        if scope is None:
            sys.exit(f"{version}: the scope of {key} is unknown: add it to OLDER_KINDS_NAMESPACED")
        if scope:
            namespaced.append(key)
    return {
        "kubernetesVersion": version,
        "source": "kubernetes-validate 1.37.0 (the upstream OpenAPI documents), post-processed by xtask/k8s_schemas_from_kubernetes_validate.py as xtask does",
        "kinds": pinned,
        "namespaced": namespaced,
        "definitions": definitions,
    }


def write(doc):
    path = os.path.join(OUT, f"v{doc['kubernetesVersion']}.json.gz")
    data = json.dumps(doc, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        # mtime 0 and no file name: the same input gives the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as gz:
            gz.write(data)
    print(f"{path}: {len(doc['kinds'])} kinds, {len(doc['definitions'])} definitions")


def vocabulary(node, out, in_properties=False):
    """The schema keywords a document uses (property names aside)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if in_properties:
                vocabulary(v, out)
            else:
                out.add(k)
                vocabulary(v, out, k in ("properties", "$defs"))
    elif isinstance(node, list):
        for v in node:
            vocabulary(v, out)
    return out


def check(scopes):
    failures = 0
    checked_vocabulary = set()
    generated = []
    for name in sorted(os.listdir(OUT)):
        version = name[1:].removesuffix(".json.gz")
        ours = load_ours(version)
        if not ours["source"].startswith("k8s-openapi"):
            generated.append(version)
            continue
        vocabulary(load_theirs(version), checked_vocabulary, True)
        mine = generate(version, scopes)
        diffs = []
        if set(mine["kinds"]) != set(ours["kinds"]):
            diffs.append(f"kinds only generated: {sorted(set(mine['kinds']) - set(ours['kinds']))}")
            diffs.append(f"kinds only committed: {sorted(set(ours['kinds']) - set(mine['kinds']))}")
        if set(mine["namespaced"]) != set(ours["namespaced"]):
            diffs.append(f"namespaced differs: {sorted(set(mine['namespaced']) ^ set(ours['namespaced']))}")
        a, b = mine["definitions"], ours["definitions"]
        for d in sorted(set(a) | set(b)):
            if a.get(d) != b.get(d):
                diffs.append(f"{d}:\n      generated {json.dumps(a.get(d), sort_keys=True)[:600]}\n      committed {json.dumps(b.get(d), sort_keys=True)[:600]}")
        print(f"{version}: {len(a)} definitions generated, {len(diffs)} differences")
        for line in diffs:
            print(f"  {line}")
        failures += len(diffs)
    # The conversion is proven on 1.33+: the older documents must use nothing else.
    for version in generated:
        extra = vocabulary(load_theirs(version), set(), True) - checked_vocabulary
        print(f"{version}: keywords the checked versions do not use: {sorted(extra) or 'none'}")
        failures += len(extra)
    sys.exit(1 if failures else 0)


def main():
    scopes = known_scopes()
    args = sys.argv[1:]
    if args == ["--check"]:
        check(scopes)
    elif args and all(a.startswith("1.") for a in args):
        for version in args:
            write(generate(version, scopes))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
