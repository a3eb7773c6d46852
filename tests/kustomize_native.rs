//! platc builds the common kustomizations in process (local resources, components, `namespace`,
//! name prefixes and suffixes, metadata `labels`, JSON 6902 patches with a target...) and
//! leaves the rest to kustomize. Whatever it
//! builds must be what `kubectl kustomize` builds: the same objects, field for field, for every
//! kustomization of the example, its generated overlays, the compile fixtures' output and the
//! lint fixtures.

mod common;

use std::path::Path;

use common::*;
use platc::kustomize::{Kustomizations, native, print};
use platc::schema::core::{self, Core};
use platc::schema::registry::Registry;

/// Objects by identity, as JSON.
fn by_id(values: Vec<serde_json::Value>) -> Vec<(String, serde_json::Value)> {
    let mut out: Vec<(String, serde_json::Value)> = values
        .into_iter()
        .map(|v| {
            let id = format!(
                "{} {} {}/{}",
                v["apiVersion"].as_str().unwrap_or(""),
                v["kind"].as_str().unwrap_or(""),
                v["metadata"]["namespace"].as_str().unwrap_or(""),
                v["metadata"]["name"].as_str().unwrap_or("")
            );
            (id, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Compare every kustomization under `root` that platc builds itself; returns how many.
fn compare_all(root: &Path, registry: &Registry) -> usize {
    let mut native_builds = 0;
    for dir in kustomize_dirs(root) {
        let rel = dir
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        // Build output and tools' caches are not the repository.
        if rel.starts_with("target/") {
            continue;
        }
        let ks = Kustomizations::read(root, &rel);
        let Some(ours) = native::build(root, &ks, registry, &rel) else {
            continue;
        };
        let printed = kubectl_kustomize(&dir)
            .unwrap_or_else(|e| panic!("{rel}: platc built it, kustomize fails: {e}"));
        // Byte for byte: what `platc kustomize build` prints is what kustomize prints.
        if let Some(at) =
            first_different_line(&print::build_output(&ours).unwrap_or_default(), &printed)
        {
            panic!("{rel}: printed differently from kubectl kustomize from line {at}");
        }
        // Text holding U+2028 or U+2029 is printed alike but read differently by platc's
        // YAML 1.2 reader (tests/kustomize_print.rs): bytes only.
        if rel.ends_with("kustomize-print/line-separators") {
            native_builds += 1;
            continue;
        }
        let theirs: Vec<serde_json::Value> = platc::manifest::read_objects("out", &printed)
            .objects
            .iter()
            .map(|o| o.node.to_json())
            .collect();
        // The objects as kustomize's printing leaves them (a U+0085 in a string folds).
        let ours = ours.iter().map(print::through_json).collect();
        let (ours, theirs) = (by_id(ours), by_id(theirs));
        assert_eq!(
            ours.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            theirs.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            "{rel}: other objects"
        );
        for ((id, a), (_, b)) in ours.iter().zip(&theirs) {
            assert_eq!(a, b, "{rel}: {id} differs");
        }
        native_builds += 1;
    }
    native_builds
}

#[test]
fn in_process_builds_are_what_kustomize_builds() {
    // tests/fixtures/kustomize-native exercises every supported field: nested folders, Lists,
    // namespaces on namespaced, cluster-scoped and unknown kinds, labels, JSON patches inline
    // and from files with each operation and selector kind, images (names with registries and
    // ports, tags, digests, containers anywhere in an object), replicas (beside objects of the
    // same name it does not scale), commonAnnotations on every kind of pod template, YAML 1.1
    // look-alikes, a suffix and a prefix with every name reference kustomize rewrites (a
    // ConfigMap in a projected volume, role bindings' subjects of any kind...), components
    // applied in order over what the kustomization accumulated, replacements (inline and from
    // files, by position, `[name=x]`, `*`, delimiters, `create`, select and reject, before a
    // parent's prefix and after its own) and vars (in args, env, annotations, with prefixes
    // and generated names).
    let registry = Registry::new(Core::load(core::newest()));
    let mut total = 0;
    // The example: the spec's kustomizations and the committed overlays.
    total += compare_all(&project_root(), &registry);
    // What each compile fixture's spec produces.
    for fixture in compile_fixtures() {
        let repo = temp_repo(&fixture);
        build(repo.path());
        total += compare_all(repo.path(), &registry);
    }
    // Hand-written repositories, mistakes included.
    assert_eq!(
        compare_all(&fixtures().join("kustomize-native"), &registry),
        38,
        "every kustomization of the kustomize-native fixture is built in process"
    );
    for dir in [
        "realistic",
        "rules/kustomize/patch-target",
        "rules/kustomize/duplicate-object",
        "rules/argocd/shared-object",
        // A Namespace object renamed by `namespace:`, placeholders overlays replace.
        "kustomize-placeholders",
    ] {
        total += compare_all(&fixtures().join(dir), &registry);
    }
    // Enough of them to matter: most overlays platc writes are built in process.
    println!("{total} kustomizations built in process, each as kustomize builds it");
    assert!(
        total >= 60,
        "only {total} kustomizations were built in process"
    );
}

#[test]
fn what_is_not_reproduced_is_left_to_kustomize() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n",
    )
    .unwrap();
    // `y` is a boolean to the API server's YAML 1.1 and a string to kustomize.
    std::fs::write(
        root.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: y, image: nginx}]\n",
    )
    .unwrap();
    // A component, a plain kustomization, and a webhook naming a Service by name and
    // namespace (a reference platc does not rewrite).
    std::fs::create_dir_all(root.join("component")).unwrap();
    std::fs::write(
        root.join("component/kustomization.yaml"),
        "kind: Component\nresources: []\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("plain")).unwrap();
    std::fs::write(root.join("plain/kustomization.yaml"), "resources: []\n").unwrap();
    std::fs::write(
        root.join("hook.yaml"),
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: h}\nwebhooks: []\n",
    )
    .unwrap();
    // One byte over platc's read limit: not read whole, left to kustomize.
    let limit = platc::limits::Limits::default().file_size.get() as usize;
    std::fs::write(root.join("big.txt"), vec![b'a'; limit + 1]).unwrap();
    std::fs::write(
        root.join("hex.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: h\n  annotations: {a: 0x1F}\n",
    )
    .unwrap();
    let registry = Registry::new(Core::load(core::newest()));
    for kustomization in [
        "resources: [pod.yaml]\n",
        "resources: [component]\n",
        "resources: [cm.yaml]\ncomponents: [plain]\n",
        "resources: [cm.yaml, hook.yaml]\nnamePrefix: prod-\n",
        // Merging into a ConfigMap the build does not have, a key kustomize refuses.
        "resources: [cm.yaml]\nconfigMapGenerator: [{name: x, behavior: merge, literals: [a=b]}]\n",
        "resources: [cm.yaml]\nconfigMapGenerator: [{name: x, literals: [a b=c]}]\n",
        "configMapGenerator: [{name: x, files: [big.txt]}]\n",
        // YAML 1.1 booleans where kustomize wants a string: its "cannot unmarshal bool".
        "configMapGenerator: [{name: y, literals: [a=b]}]\n",
        "configMapGenerator: [{name: x, behavior: on, literals: [a=b]}]\n",
        "configMapGenerator: [{name: x, literals: [a=b, y]}]\n",
        "configMapGenerator: [{name: x, literals: [a=b], options: {labels: {a: no}}}]\n",
        "generatorOptions: {annotations: {a: off}}\nsecretGenerator: [{name: x, literals: [a=b]}]\n",
        "secretGenerator: [{name: x, type: yes, literals: [a=b]}]\n",
        "secretGenerator: [{name: x, namespace: n, literals: [a=b], files: [on]}]\n",
        "resources: [cm.yaml]\ncommonLabels: {enabled: true}\n",
        "resources: [cm.yaml]\npatches: [{path: p.yaml}]\n",
        // A strategic merge patch of an object the build does not have (kustomize's error),
        // and a directive platc does not apply.
        "resources: [cm.yaml]\npatches: [{patch: '{apiVersion: v1, kind: ConfigMap, metadata: {name: other}}'}]\n",
        "resources: [cm.yaml]\npatches: [{patch: '{apiVersion: v1, kind: ConfigMap, metadata: {name: web}, $retainKeys: [data]}'}]\n",
        "resources: [https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.5.0]\n",
        "resources: [cm.yaml, cm.yaml]\n",
        "resources: [cm.yaml]\nimages: [{name: nginx, newTag: 1.10}]\n",
        "resources: [cm.yaml]\ncommonAnnotations: {enabled: true}\n",
        "resources: [cm.yaml]\nreplicas: [{name: web, count: 2}]\n",
        "resources: [cm.yaml]\nreplicas: [{name: nothing, count: 2}]\n",
        // JSON 6902 operations in YAML flow syntax: kustomize decodes `[` as JSON and fails.
        "resources: [cm.yaml]\npatches: [{target: {kind: ConfigMap}, patch: '[{op: add, path: /data, value: {}}]'}]\n",
        // `patchesJson6902` without a target name, or with both `path` and `patch`:
        // kustomize refuses them.
        "resources: [cm.yaml]\npatchesJson6902: [{target: {kind: ConfigMap}, patch: '[]'}]\n",
        "resources: [cm.yaml]\npatchesJson6902: [{target: {name: web}, patch: '[]', path: p.yaml}]\n",
        // Transformer configs platc does not model (written as block text: a flow scalar
        // at the margin would make the kustomization unreadable, and decline for that): a
        // plugin, an option it does not reproduce (`unsetOnly`), replicas for no object
        // (kustomize's error), a prefix on the names of one kind only.
        "resources: [cm.yaml]\ntransformers:\n  - |\n    {apiVersion: example.com/v1, kind: Tshirt, metadata: {name: t}}\n",
        "resources: [cm.yaml]\ntransformers:\n  - |\n    {apiVersion: builtin, kind: NamespaceTransformer, metadata: {name: t, namespace: x}, unsetOnly: true}\n",
        "resources: [cm.yaml]\ntransformers:\n  - |\n    {apiVersion: builtin, kind: ReplicaCountTransformer, metadata: {name: t}, replica: {name: web, count: 2}, fieldSpecs: [{path: spec/replicas, kind: Deployment}]}\n",
        "resources: [cm.yaml]\ntransformers:\n  - |\n    {apiVersion: builtin, kind: PrefixSuffixTransformer, metadata: {name: t}, prefix: a-, fieldSpecs: [{path: metadata/name, kind: ConfigMap}]}\n",
        // An annotation whose text a JSON 6902 patch would re-encode (`0x1F` as `31`).
        "resources: [hex.yaml]\n",
    ] {
        std::fs::write(root.join("kustomization.yaml"), kustomization).unwrap();
        let ks = Kustomizations::read(root, "");
        assert!(
            native::build(root, &ks, &registry, "").is_none(),
            "{kustomization}"
        );
    }
}

#[test]
fn replacement_and_var_errors_are_left_to_kustomize() {
    // What kustomize refuses is never built here: the build declines, naming kustomize's
    // error, and kustomize (which the caller then runs) fails and says why.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("objects.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {host: db, list: 'a,b'}\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: nginx, args: [x]}]\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 1}\n",
    )
    .unwrap();
    let registry = Registry::new(Core::load(core::newest()));
    let target = "targets: [{select: {kind: Deployment, name: web}, fieldPaths: [spec.template.spec.containers.0.args.0]}]";
    for kustomization in [
        // A source that matches no object, and one that matches two.
        format!("replacements: [{{source: {{kind: ConfigMap, name: nope}}, {target}}}]"),
        format!("replacements: [{{source: {{kind: Deployment}}, {target}}}]"),
        // A source field that is missing; an index past the pieces of its text.
        format!("replacements: [{{source: {{kind: ConfigMap, fieldPath: data.port}}, {target}}}]"),
        format!("replacements: [{{source: {{kind: ConfigMap, fieldPath: data.list, options: {{delimiter: ',', index: 2}}}}, {target}}}]"),
        // Target fields that are missing without `create`, a position past the end.
        "replacements: [{source: {kind: ConfigMap}, targets: [{select: {name: api}, fieldPaths: [spec.paused]}]}]".into(),
        "replacements: [{source: {kind: ConfigMap}, targets: [{select: {name: web}, fieldPaths: [spec.template.spec.containers.0.args.3], options: {create: true}}]}]".into(),
        // A var given twice, one whose objref has no version (so no object), one whose field
        // is missing.
        "vars: [{name: A, objref: {kind: ConfigMap, name: settings, apiVersion: v1}}, {name: A, objref: {kind: Deployment, name: web, apiVersion: apps/v1}}]".into(),
        "vars: [{name: A, objref: {kind: ConfigMap, name: settings}}]".into(),
        "vars: [{name: A, objref: {kind: ConfigMap, name: settings, apiVersion: v1}, fieldref: {fieldpath: data.port}}]".into(),
    ] {
        let text = format!("resources: [objects.yaml]\n{kustomization}\n");
        std::fs::write(root.join("kustomization.yaml"), &text).unwrap();
        let ks = Kustomizations::read(root, "");
        let why = native::try_build(root, &ks, &registry, "").expect_err(&text);
        assert!(why.reason.contains("kustomize's error"), "{text}: {why}");
        assert!(kubectl_kustomize(root).is_err(), "kustomize builds {text}");
    }
}

/// `configurations` kustomize refuses are never built here, and those platc does not model
/// (a reference by name and namespace, a second prefix on names) decline with the reason;
/// so does `openapi`, which platc does not read.
#[test]
fn configurations_beyond_the_model_are_left_to_kustomize() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(
        root.join("app/objects.yaml"),
        "apiVersion: example.com/v1\nkind: Bee\nmetadata: {name: b}\n\
         spec: {ref: {name: cm, namespace: x}, image: {name: nginx}, config: cm}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
    )
    .unwrap();
    std::fs::write(root.join("above.yaml"), "images: []\n").unwrap();
    std::fs::write(
        root.join("app/loop.json"),
        r#"{"a.T": {"Schema": {"properties": {"apiVersion": {}, "kind": {}, "metadata": {}, "next": {"$ref": "a.T"}}}}}"#,
    )
    .unwrap();
    let registry = Registry::new(Core::load(core::newest()));
    let build = |config: &str, extra: &str| {
        std::fs::write(root.join("app/config.yaml"), config).unwrap();
        // `extra` may name other configuration files.
        let own = if extra.starts_with("configurations:") {
            ""
        } else {
            "configurations: [config.yaml]\n"
        };
        std::fs::write(
            root.join("app/kustomization.yaml"),
            format!("resources: [objects.yaml]\n{own}namePrefix: p-\nnamespace: hive\n{extra}"),
        )
        .unwrap();
        let ks = Kustomizations::read(root, "app");
        native::try_build(root, &ks, &registry, "app")
    };
    // What kustomize refuses: it fails, and says why.
    for (config, extra, why) in [
        ("foo: []\n", "", "unknown field `foo`"),
        (
            "images:\n- {path: spec/image, bogus: 1}\n",
            "",
            "unknown field `bogus`",
        ),
        // `create` other than the built-in spec's: "conflicting fieldspecs".
        (
            "commonLabels:\n- {path: metadata/labels}\n",
            "",
            "conflicting",
        ),
        (
            "images:\n- {path: spec/image, kind: Bee}\n",
            "images: [{name: nginx, newTag: '2'}]\n",
            "an `images` entry",
        ),
        (
            "namespace:\n- {path: spec/ref, kind: Bee}\n",
            "",
            "`namespace`",
        ),
        (
            "images: []\n",
            "configurations: [../above.yaml]\n",
            "above the kustomization",
        ),
        // A `crds` file that is not there, one whose types nest without end.
        (
            "images: []\n",
            "crds: [crd.json]\n",
            "`crds` file `crd.json`",
        ),
        ("images: []\n", "crds: [loop.json]\n", "nested without end"),
    ] {
        let text = format!("{config}/{extra}");
        let declined = build(config, extra).expect_err(&text);
        assert!(declined.reason.contains(why), "{text}: {declined}");
        assert!(
            kubectl_kustomize(&root.join("app")).is_err(),
            "kustomize builds {text}"
        );
    }
    // What kustomize builds its own way: left to it, with the reason.
    for (config, extra, why) in [
        (
            "nameReference:\n- kind: ConfigMap\n  fieldSpecs:\n  - {path: spec/ref, kind: Bee}\n",
            "",
            "name reference",
        ),
        (
            "namePrefix:\n- {path: metadata/name, kind: Bee}\n",
            "",
            "`namePrefix`",
        ),
        ("images: []\n", "openapi: {path: schema.json}\n", "OpenAPI"),
    ] {
        let text = format!("{config}/{extra}");
        let declined = build(config, extra).expect_err(&text);
        assert!(declined.reason.contains(why), "{text}: {declined}");
    }
    // The same kustomization with a configuration platc models is built here.
    let ours = build(
        "nameReference:\n- kind: ConfigMap\n  fieldSpecs:\n  - {path: spec/config, kind: Bee}\n",
        "",
    )
    .unwrap();
    assert_eq!(ours[0]["spec"]["config"], "p-cm");
}

/// Links inside a kustomization's folder are read as kustomize reads them; a file link
/// leading above the folder, or out of the repository, is kustomize's to refuse.
#[cfg(unix)]
#[test]
fn links_are_followed_as_kustomize_follows_them() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cm = |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
    for d in ["app", "common/base"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("common/cm.yaml"), cm("shared")).unwrap();
    std::fs::write(root.join("common/base/cm.yaml"), cm("in-base")).unwrap();
    std::fs::write(
        root.join("common/base/kustomization.yaml"),
        "resources: [cm.yaml]\n",
    )
    .unwrap();
    std::fs::write(root.join("app/real.yaml"), cm("local")).unwrap();
    std::fs::write(outside.path().join("cm.yaml"), cm("outside")).unwrap();
    std::fs::write(
        root.join("app/patch.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\ndata: {patched: \"yes\"}\n",
    )
    .unwrap();
    symlink("real.yaml", root.join("app/linked.yaml")).unwrap();
    symlink("patch.yaml", root.join("app/linked-patch.yaml")).unwrap();
    symlink("../common/cm.yaml", root.join("app/up.yaml")).unwrap();
    symlink("../common/base", root.join("app/base")).unwrap();
    symlink(outside.path().join("cm.yaml"), root.join("app/out.yaml")).unwrap();
    symlink(outside.path(), root.join("app/out-dir")).unwrap();
    let registry = Registry::new(Core::load(core::newest()));
    let build = |kustomization: &str| {
        std::fs::write(root.join("app/kustomization.yaml"), kustomization).unwrap();
        let ks = Kustomizations::read(root, "app");
        native::try_build(root, &ks, &registry, "app")
    };
    // A file link beside the kustomization, a folder link, a patch through a link.
    for kustomization in [
        "resources: [linked.yaml]\n",
        "resources: [base, real.yaml]\n",
        "resources: [real.yaml]\npatches: [{path: linked-patch.yaml}]\n",
    ] {
        let ours = build(kustomization).unwrap_or_else(|why| panic!("{kustomization}: {why}"));
        let theirs = kubectl_kustomize(&root.join("app")).unwrap();
        let theirs: Vec<serde_json::Value> = platc::manifest::read_objects("out", &theirs)
            .objects
            .iter()
            .map(|o| o.node.to_json())
            .collect();
        assert_eq!(by_id(ours), by_id(theirs), "{kustomization}");
    }
    // A file link above the folder, links out of the repository: kustomize refuses them.
    for (kustomization, why) in [
        ("resources: [up.yaml]\n", "resource file above"),
        ("resources: [out.yaml]\n", "leading out of the repository"),
        ("resources: [out-dir]\n", "leading out of the repository"),
        ("resources: [missing.yaml]\n", "a missing resource"),
    ] {
        let declined = build(kustomization).expect_err(kustomization);
        assert!(declined.reason.contains(why), "{kustomization}: {declined}");
        if !kustomization.contains("out") {
            assert!(
                kubectl_kustomize(&root.join("app")).is_err(),
                "{kustomization}"
            );
        }
    }
}

/// A transformer config that renames or moves objects is built at the top of a build; below
/// it, the kustomizations above would match patch targets against names it changed: left to
/// kustomize, saying so.
#[test]
fn renaming_transformers_below_the_top_are_left_to_kustomize() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("base")).unwrap();
    std::fs::create_dir_all(root.join("overlay")).unwrap();
    std::fs::write(
        root.join("base/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("overlay/kustomization.yaml"),
        "resources: [../base]\n",
    )
    .unwrap();
    let registry = Registry::new(Core::load(core::newest()));
    for transformer in [
        "{apiVersion: builtin, kind: PrefixSuffixTransformer, metadata: {name: t}, prefix: a-, fieldSpecs: [{path: metadata/name}]}",
        "{apiVersion: builtin, kind: NamespaceTransformer, metadata: {name: t, namespace: team}}",
    ] {
        std::fs::write(
            root.join("base/kustomization.yaml"),
            format!("resources: [cm.yaml]\ntransformers:\n  - |\n    {transformer}\n"),
        )
        .unwrap();
        // At the top of its own build, the base is built here.
        let ks = Kustomizations::read(root, "base");
        native::try_build(root, &ks, &registry, "base").unwrap();
        let ks = Kustomizations::read(root, "overlay");
        let declined = native::try_build(root, &ks, &registry, "overlay").unwrap_err();
        assert!(declined.reason.contains("below the top"), "{declined}");
        assert!(kubectl_kustomize(&root.join("overlay")).is_ok());
    }
}

/// A resource folder holding the kustomization that lists it (`..`) is kustomize's "cycle
/// detected", even where that folder's kustomization builds.
#[test]
fn a_folder_holding_the_kustomization_is_left_to_kustomize() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("app/overlay")).unwrap();
    std::fs::write(
        root.join("app/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app/kustomization.yaml"),
        "resources: [cm.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app/overlay/kustomization.yaml"),
        "resources: [..]\nnamePrefix: o-\n",
    )
    .unwrap();
    let registry = Registry::new(Core::load(core::newest()));
    let ks = Kustomizations::read(root, "app/overlay");
    let declined = native::try_build(root, &ks, &registry, "app/overlay").unwrap_err();
    assert!(declined.reason.contains("a cycle"), "{declined}");
    assert!(kubectl_kustomize(&root.join("app/overlay")).is_err());
}

/// The corpus of real repositories, named by $PLATC_CORPUS (the tests never look for it
/// themselves: they run on a clone of the project alone); None when it is not set.
fn corpus() -> Option<std::path::PathBuf> {
    let dir = std::path::PathBuf::from(std::env::var_os("PLATC_CORPUS")?);
    dir.is_dir().then_some(dir)
}

/// The census of issue 12: over every kustomization of the real repositories (each its own
/// root), how many platc builds in process, whether each is what kustomize builds, and for
/// the rest what makes it fall back and whether kubectl itself can build it (the issue's
/// target counts only those it can). Reads the shared corpus, so it runs only when asked:
/// `PLATC_CORPUS=DIR cargo test --test kustomize_native -- --ignored --nocapture corpus_census`.
#[test]
#[ignore]
fn corpus_census() {
    let Some(corpus) = corpus() else {
        println!("PLATC_CORPUS names no folder: no census");
        return;
    };
    let registry = Registry::new(Core::load(core::newest()));
    let mut repos: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let (mut total, mut native, mut identical, mut bytes, mut unbuildable) = (0, 0, 0, 0, 0);
    let mut printed_differently = Vec::new();
    let mut reasons: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut differences = Vec::new();
    for repo in &repos {
        let name = repo.file_name().unwrap().to_string_lossy().into_owned();
        let mut dirs: Vec<String> = files_under(repo)
            .into_iter()
            .filter(|f| platc::kustomize::is_kustomization(f) && !f.starts_with(".git/"))
            .map(|f| {
                f.rsplit_once('/')
                    .map_or(String::new(), |(d, _)| d.to_string())
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        for rel in dirs {
            let ks = Kustomizations::read(repo, &rel);
            // Components are built within the kustomizations that list them.
            if ks.in_dir(&rel).is_some_and(|k| k.is_component()) {
                continue;
            }
            total += 1;
            match native::try_build(repo, &ks, &registry, &rel) {
                Ok(ours) => {
                    native += 1;
                    let dir = if rel.is_empty() {
                        repo.clone()
                    } else {
                        repo.join(&rel)
                    };
                    let difference = match kubectl_kustomize(&dir) {
                        Err(_) => Some("kustomize fails".to_string()),
                        Ok(printed) => {
                            match first_different_line(
                                &print::build_output(&ours).unwrap_or_default(),
                                &printed,
                            ) {
                                None => bytes += 1,
                                Some(at) => {
                                    printed_differently.push(format!("{name}/{rel}: line {at}"))
                                }
                            }
                            let theirs: Vec<serde_json::Value> =
                                platc::manifest::read_objects("out", &printed)
                                    .objects
                                    .iter()
                                    .map(|o| o.node.to_json())
                                    .collect();
                            let ours = ours.iter().map(print::through_json).collect();
                            first_difference(&by_id(ours), &by_id(theirs))
                        }
                    };
                    match difference {
                        None => identical += 1,
                        Some(d) => differences.push(format!("{name}/{rel}: {d}")),
                    }
                }
                Err(why) => {
                    // What kubectl itself cannot build (plugins disabled, no network,
                    // missing files) is not the in-process builder's to reach.
                    let dir = if rel.is_empty() {
                        repo.clone()
                    } else {
                        repo.join(&rel)
                    };
                    let buildable = kubectl_kustomize(&dir).is_ok();
                    if !buildable {
                        unbuildable += 1;
                    }
                    let mark = if buildable {
                        ""
                    } else {
                        ", kubectl cannot build it"
                    };
                    reasons
                        .entry(why.reason.clone())
                        .or_default()
                        .push(format!("{name}/{rel} ({}{mark})", why.dir));
                }
            }
        }
    }
    let mut by_count: Vec<_> = reasons.into_iter().collect();
    by_count.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    for (reason, dirs) in &by_count {
        println!("{:4}  {reason}", dirs.len());
        for d in dirs {
            println!("        {d}");
        }
    }
    for d in &differences {
        println!("DIFFERS {d}");
    }
    for d in &printed_differently {
        println!("PRINTED DIFFERENTLY {d}");
    }
    println!(
        "in process: {native} / {total}; identical to kubectl kustomize: {identical} / {total}; byte-identical: {bytes} / {total}"
    );
    // The issue's measure: over what kubectl builds here.
    let buildable = total - unbuildable;
    let percent = |n: usize| 100.0 * n as f64 / buildable.max(1) as f64;
    println!("kubectl cannot build: {unbuildable}");
    println!(
        "of the {buildable} kubectl builds: in process {native} ({:.1}%), identical {identical} ({:.1}%), byte-identical {bytes} ({:.1}%)",
        percent(native),
        percent(identical),
        percent(bytes)
    );
    assert!(
        differences.is_empty(),
        "in-process builds differ: {differences:?}"
    );
    assert!(
        printed_differently.is_empty(),
        "in-process builds printed differently: {printed_differently:?}"
    );
}

/// Where two builds first differ: an object's id and a JSON pointer, never a value (it
/// could be a Secret's).
fn first_difference(
    ours: &[(String, serde_json::Value)],
    theirs: &[(String, serde_json::Value)],
) -> Option<String> {
    let ids = |b: &[(String, serde_json::Value)]| b.iter().map(|(id, _)| id.clone()).collect();
    let (a, b): (Vec<String>, Vec<String>) = (ids(ours), ids(theirs));
    if a != b {
        let only_ours: Vec<_> = a.iter().filter(|id| !b.contains(id)).collect();
        let only_theirs: Vec<_> = b.iter().filter(|id| !a.contains(id)).collect();
        return Some(format!(
            "only here {only_ours:?}, only in kustomize {only_theirs:?}"
        ));
    }
    fn walk(a: &serde_json::Value, b: &serde_json::Value, at: String) -> Option<String> {
        use serde_json::Value::{Array, Object};
        match (a, b) {
            (Object(x), Object(y)) => {
                // Each key once (a key of both is walked once, not twice per level).
                let extra = y.keys().filter(|k| !x.contains_key(*k));
                for key in x.keys().chain(extra) {
                    let (p, q) = (x.get(key), y.get(key));
                    let next = format!("{at}/{key}");
                    match (p, q) {
                        (Some(p), Some(q)) => {
                            if let Some(d) = walk(p, q, next) {
                                return Some(d);
                            }
                        }
                        _ => return Some(next),
                    }
                }
                None
            }
            (Array(x), Array(y)) if x.len() == y.len() => {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    if let Some(d) = walk(p, q, format!("{at}/{i}")) {
                        return Some(d);
                    }
                }
                None
            }
            _ if a == b => None,
            _ => Some(at),
        }
    }
    ours.iter()
        .zip(theirs)
        .find_map(|((id, a), (_, b))| walk(a, b, String::new()).map(|p| format!("{id} at {p}")))
}

/// The first line (1-based) where two printed builds differ, or None when the bytes are the
/// same. A line number, never the line: it could hold a Secret's value.
fn first_different_line(ours: &str, theirs: &str) -> Option<usize> {
    if ours == theirs {
        return None;
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.split('\n').collect(), theirs.split('\n').collect());
    Some(
        a.iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()))
            + 1,
    )
}

/// What kustomize refuses, or prints in a way platc does not reproduce, is never built here:
/// a key given twice, objects a namespace makes one, a label path through a scalar, a
/// number a prefix would respell, a reference kustomize resolves by code for a target a
/// configuration adds, OpenAPI definitions Go would decode otherwise.
#[test]
fn builds_kustomize_refuses_or_spells_otherwise_are_left_to_it() {
    let registry = Registry::new(Core::load(core::newest()));
    let config_map = |name: &str, ns: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {ns}}}\n")
    };
    // What it is, its files, and whether kustomize fails on it.
    type Case = (&'static str, Vec<(&'static str, String)>, bool);
    let cases: Vec<Case> = vec![
        (
            "a key given twice",
            vec![
                ("objects.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '1'}\ndata: {y: '2'}\n".into()),
                ("kustomization.yaml", "resources: [objects.yaml]\n".into()),
            ],
            true,
        ),
        (
            "one name in two namespaces made one",
            vec![
                ("objects.yaml", format!("{}---\n{}", config_map("a", "x"), config_map("a", "y"))),
                ("kustomization.yaml", "resources: [objects.yaml]\nnamespace: z\n".into()),
            ],
            true,
        ),
        (
            "a label path through a scalar",
            vec![
                ("objects.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: all\n  template: {spec: {containers: [{name: a, image: nginx}]}}\n".into()),
                ("kustomization.yaml", "resources: [objects.yaml]\ncommonLabels: {app: web}\n".into()),
            ],
            true,
        ),
        (
            "a number a prefix would respell",
            vec![
                ("objects.yaml", "apiVersion: example.com/v1\nkind: Bee\nmetadata: {name: b}\nspec: {tag: 1.50}\n".into()),
                ("config.yaml", "namePrefix: [{path: spec/tag, kind: Bee}]\n".into()),
                ("kustomization.yaml", "resources: [objects.yaml]\nnamePrefix: p-\nconfigurations: [config.yaml]\n".into()),
            ],
            false,
        ),
        (
            "a role's resource names naming a ServiceAccount",
            vec![
                ("objects.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules: [{apiGroups: [''], resources: [serviceaccounts], verbs: [get], resourceNames: [sa]}]\n".into()),
                ("config.yaml", "nameReference: [{kind: ServiceAccount, fieldSpecs: [{path: rules/resourceNames, kind: Role}]}]\n".into()),
                ("kustomization.yaml", "resources: [objects.yaml]\nnamePrefix: p-\nconfigurations: [config.yaml]\n".into()),
            ],
            false,
        ),
        (
            "a definition that is not a map",
            vec![
                ("objects.yaml", config_map("a", "x")),
                ("crd.json", r#"{"a.B": 5}"#.into()),
                ("kustomization.yaml", "resources: [objects.yaml]\ncrds: [crd.json]\n".into()),
            ],
            true,
        ),
    ];
    for (what, files, kustomize_fails) in cases {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (name, text) in &files {
            std::fs::write(root.join(name), text).unwrap();
        }
        let ks = Kustomizations::read(root, "");
        let why = native::try_build(root, &ks, &registry, "");
        assert!(why.is_err(), "{what}: built in process");
        assert_eq!(
            kubectl_kustomize(root).is_err(),
            kustomize_fails,
            "{what}: kustomize's verdict"
        );
    }
}

/// A generator platc leaves to kustomize is named in the reason, with the input it could not
/// read (what `check --verbose` prints).
#[test]
fn a_declined_generator_is_named_with_its_missing_input() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("kustomization.yaml"),
        "configMapGenerator:\n- name: scripts\n  files: [run.sh=./scripts/run.sh]\n",
    )
    .unwrap();
    let registry = Registry::new(Core::load(core::newest()));
    let ks = Kustomizations::read(root, "");
    let why = native::try_build(root, &ks, &registry, "").unwrap_err();
    assert_eq!(
        why.reason,
        "`configMapGenerator` entry `scripts`: its input `./scripts/run.sh` is missing or above the kustomization"
    );
}
