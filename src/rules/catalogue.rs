//! Every finding id platc emits, with what it means and what to do: the lint rules (their
//! docs live with each rule) and the ids of the other checks (spec, build, config, schema,
//! metadata, YAML, kustomize builds, secrets), documented here. `platc explain` and
//! `platc rules` read this catalogue, and `.platc.yaml` and `platc.io/ignore` are checked
//! against it. `tests/cli.rs` greps `src/` for emitted ids so none stays undocumented.

use crate::report::Severity;

/// The check that emits an id: a waiver is judged only by a command that ran it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Loading and compiling the platform spec, and `build --check` (build, check).
    Build,
    /// Reading `.platc.yaml`: every command that applies the policy.
    Config,
    /// Reading manifest files and building kustomizations (validate, lint, check).
    Files,
    /// Schema and metadata validation (validate, check).
    Schema,
    /// The lint rules (lint, check).
    Lint,
    /// The secret scan (secrets, check).
    Secrets,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Build => "build",
            Check::Config => "config",
            Check::Files => "files",
            Check::Schema => "validate",
            Check::Lint => "lint",
            Check::Secrets => "secrets",
        }
    }

    /// The commands that run this check, for the docs.
    pub fn commands(self) -> &'static str {
        match self {
            Check::Build => "build, check, generate",
            Check::Config => "every command that reads .platc.yaml",
            Check::Files => "validate, lint, check",
            Check::Schema => "validate, check",
            Check::Lint => "lint, check",
            Check::Secrets => "secrets, check",
        }
    }
}

/// One documented id.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub id: &'static str,
    pub check: Check,
    /// The severity it is reported with by default.
    pub severity: Severity,
    /// One line for `platc rules`.
    pub summary: &'static str,
    /// `platc explain`: what it means and what to do (Markdown).
    pub docs: Docs,
}

/// Where an entry's documentation comes from.
#[derive(Clone, Copy, Debug)]
pub enum Docs {
    /// A lint rule's own documentation.
    Rule(&'static str),
    /// What to do about it (the summary says what it means).
    Fix(&'static str),
}

impl Entry {
    /// The documentation `platc explain` prints.
    pub fn text(&self) -> String {
        match self.docs {
            Docs::Rule(docs) => docs.to_string(),
            Docs::Fix(fix) => format!(
                "# {}\n\nReported by: {} ({} by default).\n\n{}\n\n## Fix\n\n{}\n",
                self.id,
                self.check.commands(),
                self.severity.as_str(),
                self.summary,
                fix
            ),
        }
    }
}

const SECRET_FIX: &str = "Remove the credential and rotate it: it is compromised once pushed. Keep it in a secret store (an ExternalSecret, VaultSecret or SealedSecret references it). If the value is not a credential (a made-up test value), add `# platc:allow secrets/ID` on its line or the line above, or accept today's findings with `platc secrets --write-baseline`.";

macro_rules! entries {
    ($( $id:literal, $check:ident, $sev:ident, $summary:literal, $fix:expr; )*) => {
        &[$( Entry {
            id: $id,
            check: Check::$check,
            severity: Severity::$sev,
            summary: $summary,
            docs: Docs::Fix($fix),
        }, )*]
    };
}

/// The ids that are not lint rules.
pub const OTHER: &[Entry] = entries![
    // The platform spec (platc build, check, generate).
    "spec/unreadable", Build, Error, "The platform spec, or a file it references, cannot be read.", "Run platc inside the repository (it finds the root by walking up to `.git`, `.platc.yaml` or the spec), pass `-C DIR`, or point `--spec` at the spec file.";
    "spec/yaml", Build, Error, "The platform spec is not valid YAML.", "Fix the syntax at the position shown.";
    "spec/duplicate-key", Build, Error, "A key is given twice in one mapping of the spec.", "Keep one of them: YAML parsers disagree on which one wins.";
    "spec/empty", Build, Error, "The spec, or a field that needs a value, is empty.", "Fill in the field, or remove it.";
    "spec/multiple-documents", Build, Error, "The platform spec holds more than one YAML document.", "Keep one document (remove the extra `---`).";
    "spec/invalid", Build, Error, "A field of the spec has the wrong type, or an unknown name.", "Follow the message (and its did-you-mean); `platc schemas spec` prints the spec's JSON schema.";
    "spec/api-version", Build, Error, "The spec's apiVersion is not one platc reads.", "Write `apiVersion: platc.io/v1alpha1`.";
    "spec/kind", Build, Error, "The spec's kind is not `Platform`.", "Write `kind: Platform`.";
    "spec/invalid-name", Build, Error, "A name is not a valid Kubernetes name (DNS label).", "Use lowercase letters, digits and `-`, starting and ending with a letter or digit.";
    "spec/invalid-url", Build, Error, "A URL is not one Argo CD can use (a git URL, a cluster server with its scheme).", "Write the full URL with its scheme, such as `https://git.example.org/org/repo.git`.";
    "spec/invalid-sync-option", Build, Error, "A sync option is not written `Name=value`.", "Write it as Argo CD expects, such as `CreateNamespace=true`.";
    "spec/no-environments", Build, Error, "The platform declares no environments.", "Declare at least one environment under `spec.environments`.";
    "spec/reserved-name", Build, Error, "A name platc reserves for the generated tree is used.", "Choose another name (`base` holds the shared folder).";
    "spec/duplicate-name", Build, Error, "A name is declared twice where names must be unique.", "Rename or remove one of them; the message points at both.";
    "spec/duplicate-value", Build, Error, "A parameter that must be unique across instances repeats a value.", "Give each instance its own value.";
    "spec/conflict", Build, Error, "Two settings of the spec cannot be used together.", "Keep one of them, as the message says.";
    "spec/invalid-version", Build, Error, "A version is not what the field expects (a Kubernetes minor version, a pinned chart version).", "Write the exact version, such as `1.33` or `4.11.3`.";
    "spec/unknown-project", Build, Error, "A component or tenant names a project the spec does not declare.", "Declare the project, or fix the name (see the did-you-mean).";
    "spec/unknown-environment", Build, Error, "An environment is named that the spec does not declare.", "Fix the name, or declare the environment.";
    "spec/self-dependency", Build, Error, "A component depends on itself.", "Remove it from its own `dependsOn`.";
    "spec/unknown-reference", Build, Error, "A dependency or blueprint is named that the spec does not declare.", "Fix the name (see the did-you-mean), or declare it.";
    "spec/dependency-cycle", Build, Error, "Components depend on each other in a cycle, so no sync order exists.", "Break the cycle: remove one `dependsOn` entry of the loop shown.";
    "spec/invalid-path", Build, Error, "A path is absolute, leaves the repository, or is not the kind of file expected.", "Write a path relative to the spec's folder, inside the repository.";
    "spec/missing-path", Build, Error, "A path the spec names does not exist.", "Create the file or fix the path (see the did-you-mean).";
    "spec/invalid-patch", Build, Error, "A patch is not valid YAML, or gives both or neither of `path` and `patch`.", "Give exactly one of `path` and `patch`, with valid YAML.";
    "spec/empty-component", Build, Error, "A component deploys nothing (no chart, git path or resources).", "Give it a `helm` chart, a `git` path or `resources`, or remove it.";
    "spec/invalid-pattern", Build, Error, "A parameter's `pattern` is not a valid regular expression.", "Fix the regular expression.";
    "spec/invalid-param", Build, Error, "A parameter value does not satisfy its declaration (type, pattern, length, allowed values).", "Change the value to one the blueprint accepts.";
    "spec/unknown-param", Build, Error, "A tenant gives a parameter its blueprint does not declare.", "Remove it, fix its name, or declare it in the blueprint.";
    "spec/missing-param", Build, Error, "A required blueprint parameter is not given.", "Give the parameter a value.";
    "spec/invalid-members", Build, Error, "A members file is not a list of members with names.", "Write `- name: alice` entries, one per member.";
    "spec/output-conflict", Build, Error, "Two parts of the spec would write the same generated file.", "Rename one of them so their outputs differ.";
    "spec/template", Build, Error, "A blueprint template fails to render.", "Fix the template at the position shown (an undefined variable, a syntax error).";
    "spec/duplicate-application", Build, Error, "Two Applications would have the same name in one Argo CD (an environment with its own Argo CD, or the environments that share one).", "Use `{name}-{env}` names, a component's `applicationName`, or `ownArgocd: true` on environments with an Argo CD of their own.";
    "spec/invalid-name-template", Build, Error, "A name template uses a placeholder it cannot be given.", "Use the placeholders the message lists: `{name}`, `{env}`, `{project}` for Applications; `{project}`, `{env}` for projects; `{platform}`, `{env}` for the root.";
    "spec/sync-wave-order", Build, Error, "An explicit `syncWave` would sync a component before, or with, something it depends on.", "Give it a wave above its dependencies', or leave `syncWave` out to have it computed from `dependsOn`.";
    "spec/head-revision", Build, Warning, "A production environment or component tracks `HEAD` or no pinned revision, so any push deploys.", "Pin a branch, tag or commit (`revision`).";
    "spec/patch-target", Build, Error, "A patch's target selects no object of the component's local resources, so it changes nothing.", "Fix the target (kind, name, namespace, selectors) to match an object of the component.";
    "spec/project-destination", Build, Error, "A component goes to a namespace or cluster, or reads a repository, that its external project (as declared in the spec) does not allow: Argo CD would refuse the sync.", "Add the destination or repository to the project (and to its declaration in the spec), or deploy the component elsewhere.";
    "spec/unpinned-chart", Build, Error, "A chart version is a range or a wildcard: Argo CD resolves it at each sync, so the same commit can deploy another chart.", "Pin the exact chart version.";
    // platc build --check (build, check).
    "build/missing", Build, Error, "A file the spec produces is missing from overlays/.", "Run `platc build` and commit the result.";
    "build/stale", Build, Error, "A generated file differs from what the spec produces.", "Run `platc build` and commit the result.";
    "build/hand-edited", Build, Error, "A generated file was edited by hand.", "Make the change in the spec (or the component's files), then run `platc build`: a hand edit is lost at the next build.";
    "build/orphaned", Build, Error, "overlays/ holds a generated file the spec no longer produces.", "Run `platc build`: it deletes generated files the spec no longer produces.";
    "build/link", Build, Error, "overlays/ (or a folder or file in it) is a symbolic link. A write through it could land outside the repository, so `platc build` refuses to write.", "Replace the link with a real folder or file, or delete it; then run `platc build`.";
    "build/interrupted", Build, Error, "overlays/ holds a temporary file of a build that was killed before it finished: some files may be old and others new.", "Run `platc build`: it removes the temporary files and writes the whole tree.";
    "build/too-large", Build, Error, "The build would generate a file over `limits.renderedFileSize` (8 MiB by default), or more than `limits.renderedTotalSize` (256 MiB) in all; nothing was written.", "Look for a blueprint or a copied file far larger than meant; if the size is genuine, raise the limit named in the message under `limits:` in `.platc.yaml`.";
    "build/foreign", Build, Error, "overlays/ holds a file platc did not generate.", "Move it out of overlays/ (into the component's folder, referenced by the spec), or delete it.";
    // .platc.yaml.
    "config/yaml", Config, Error, "`.platc.yaml` is not valid YAML.", "Fix the syntax at the position shown.";
    "config/invalid", Config, Error, "`.platc.yaml` holds an unknown key, a wrong type or an invalid pattern.", "Follow the message and its did-you-mean; the README documents the file.";
    "config/unknown-rule", Config, Error, "A rule id in `.platc.yaml` (an override or a waiver) or in a `platc.io/ignore` annotation is not one platc emits.", "Fix the id (see the did-you-mean); `platc rules --all` lists them, `family/*` names a whole family.";
    "config/waiver-expired", Config, Error, "A waiver's `expires` date has passed.", "Fix what it waived, or extend `expires` if its reason still holds.";
    "config/waiver-unused", Config, Warning, "A waiver suppresses no finding of the checks this command ran.", "Remove it if what it waived is gone. Only commands that run the waived rule judge a waiver.";
    // Reading manifests (validate, lint, check).
    "yaml/syntax", Files, Error, "A file is not valid YAML.", "Fix the syntax at the position shown.";
    "yaml/duplicate-key", Files, Error, "A key is given twice in one mapping.", "Keep one of them: Kubernetes and kubectl disagree on which wins.";
    "io/unreadable", Files, Error, "A file could not be read or decoded (permission, invalid UTF-8, a NUL byte), or it is over a limit of `.platc.yaml` (`limits.fileSize`, 8 MiB by default; `limits.yamlNodes`, 2,000,000; `limits.objectsPerFile`, 10,000), so nothing in it was checked.", "Make it readable, or save it as UTF-8 (UTF-16 with a byte order mark is read too); exclude it in .platc.yaml if it holds no manifests. Over a limit, split the file, or raise the limit the message names under `limits:` in `.platc.yaml`.";
    "yaml/template", Files, Info, "A file holds template syntax (Helm, Jinja), so it is not YAML until rendered; it was skipped.", "Nothing to do; to validate it, render it first and check the output.";
    "kustomize/build-failed", Files, Error, "A kustomization fails to build.", "Run `kustomize build` on the folder to see the full error, and fix the kustomization.";
    "kustomize/not-built", Files, Info, "A kustomization was not built because its build needs what is not at hand: a remote base or resource (offline), an exec or KRM plugin (ksops, a function config), `helm` for `helmCharts`; or it is a Component no checked kustomization lists. Its files were checked on their own.", "Nothing to fix in the repository. Pass `--network` to fetch remote bases and charts, install `helm` for `helmCharts`; list a Component in an overlay's `components:` to check it there.";
    "kustomize/not-found", Files, Info, "Neither kustomize nor kubectl is installed; kustomizations platc cannot build in process were not built.", "Install kustomize or kubectl (or pass `--kustomize BIN`), or pass `--no-build`.";
    // Schema validation (validate, check).
    "schema/removed-api", Schema, Error, "The object's apiVersion was removed from Kubernetes at or before the version validated against.", "Move to the replacement API the message names (and its field changes), or validate with the Kubernetes version the cluster runs.";
    "schema/invalid", Schema, Error, "An object does not match its schema.", "Follow the message; the schema comes from the Kubernetes version in use or the CRD.";
    "schema/invalid-value", Schema, Error, "A field's value is not one its schema allows.", "Use one of the values the message lists.";
    "schema/missing-field", Schema, Error, "A required field is missing.", "Add the field the message names.";
    "schema/unknown-field", Schema, Error, "A field is not in the object's schema (a typo, or a field of another version).", "Fix the name (see the did-you-mean) or remove it: the API server drops or rejects it.";
    "schema/catalog-version", Schema, Warning, "A field unknown to the schema, or a required field missing, on a kind whose only schema is platc's CRD catalog, which pins one upstream version of each CRD: the repository may be written for another version (Crossplane v1 compositions against the v2 schema). Typos, misplaced fields and every other violation stay errors; against a CRD the repository or `--schemas` gives, these are errors too.", "If the cluster runs the version named, fix the object. If it runs another, give platc that CRD: commit it in the repository, or `kubectl get crd NAME -o yaml | platc schemas import -` (or `--schemas DIR`), and the object is checked against it.";
    "schema/wrong-type", Schema, Error, "A field has the wrong type (a number quoted as a string, a list for a map).", "Write the value with the type the schema expects.";
    "schema/missing", Schema, Info, "No schema is known for the object's kind: it is not a built-in kind, platc's CRD catalog (cert-manager, prometheus-operator, Gateway API, Flux, Istio, Kyverno... see schemas/crd-catalog/SOURCES.md) does not have it, and no CRD in the repository or `--schemas` defines it.", "Import its CustomResourceDefinition with `platc schemas import`, or pass `--schemas DIR`; `--strict-missing` makes this an error.";
    "schema/pattern-unsupported", Schema, Info, "A CRD's `pattern` keyword is not a regular expression platc can compile (the API server compiles patterns with Go's RE2); that one keyword is left out and the rest of the schema is checked. One finding per keyword, at the CRD.", "Nothing to do for the objects; to have the field checked, write the pattern in the RE2 subset both engines read (no look-around, no backreferences).";
    "schema/broken", Schema, Error, "The schema of the object's kind cannot be used.", "Re-import the CRD (`platc schemas import`), or fix the JSON schema file.";
    "schema/invalid-crd", Files, Error, "A CustomResourceDefinition cannot be turned into a schema.", "Fix the CRD's openAPIV3Schema; `kubectl apply --dry-run=server` shows what the API server says.";
    "schema/kubernetes-version", Files, Info, "The Kubernetes version asked for has no embedded schemas; the nearest were used.", "Pass a version platc embeds (`--kubernetes-version`), or set the environments' `kubernetesVersion`.";
    "schema/secret-data", Schema, Error, "A Secret's `data` value is not valid base64.", "Encode the value in base64, or move it to `stringData`.";
    "metadata/missing-name", Schema, Error, "An object has no `metadata.name`.", "Give it a name (or `generateName`).";
    "metadata/invalid-name", Schema, Error, "`metadata.name` is not valid for the kind.", "Use lowercase letters, digits, `-` and `.`, within the length limit.";
    "metadata/invalid-namespace", Schema, Error, "`metadata.namespace` is not a valid namespace name.", "Use a DNS label: lowercase letters, digits and `-`.";
    "metadata/namespace-on-cluster-scoped", Schema, Warning, "A cluster-scoped object sets `metadata.namespace`.", "Remove the namespace: the API server ignores it, and tools disagree about it.";
    "metadata/label", Schema, Error, "A label key or value is not valid.", "Keys are `prefix/name` (name of 63 characters at most), values 63 characters of letters, digits, `-`, `_` and `.`.";
    "metadata/annotation", Schema, Error, "An annotation key is not valid, or annotations are too large.", "Fix the key (`prefix/name`), and keep annotations under 256 KiB.";
    // The secret scan (secrets, check).
    "secrets/private-key", Secrets, Error, "A private key (PEM, OpenSSH, PGP).", SECRET_FIX;
    "secrets/gcp-service-account", Secrets, Error, "A GCP service account key (JSON).", SECRET_FIX;
    "secrets/generic-secret", Secrets, Error, "A value assigned to a key named like a credential (password, token, secret...).", SECRET_FIX;
    "secrets/weak-password", Secrets, Error, "A password anyone can guess, given to a key named for a password (`DB_PASSWORD`, `spring.datasource.password`, `adminPassword`, a Secret's `password`, a `--password=` flag): `password` and its leetspeak (`Pa55w0rd`, `P@ssw0rd`), `admin`, `root`, `secret`, `dummy_password`, `changeit`, `123456`, such words with a short number (`admin123`, `Password1!`), or the name of the service (`KAFKA_PASSWORD=kafka`). A service given one is open to whoever tries the usual list, without reading the repository. Placeholders that say they must be replaced (`changeme`, `REPLACE_ME`, `<your-password>`, `xxxx`, `${VAR}`, `example`) are not reported, nor the words tests fill in (`foo`, `test`).", "Generate a long random password (`openssl rand -base64 24`), keep it in a secret store (an ExternalSecret, VaultSecret or SealedSecret references it) and change the one in use. If no service ever runs with the value (a test fixture), add `# platc:allow secrets/weak-password` on its line or the line above.";
    "secrets/docker-registry-auth", Secrets, Error, "Container registry credentials in a dockerconfigjson.", SECRET_FIX;
    "secrets/kubernetes-secret", Secrets, Error, "A credential in a Kubernetes Secret committed in the repository: a value under a credential's key (password, token, api-key...) or one that looks generated. Placeholders, references, paths, file names, host names, usernames and versions are not; configuration files held in a Secret are scanned as files.", SECRET_FIX;
    "secrets/committed-secret", Secrets, Warning, "A Kubernetes Secret committed with values of its own (once per object): whoever reads the repository reads them, and a placeholder today is a credential after the next edit.", "Keep the Secret out of git: commit a SealedSecret (kubeseal), an ExternalSecret or a Vault agent template that references a secret store, or encrypt the file with SOPS. If its values are filled in at deploy time, waive it with `# platc:allow secrets/committed-secret` or in `.platc.yaml`.";
    "secrets/password-hash", Secrets, Warning, "A password hash (htpasswd, bcrypt, `$apr1$`, crypt, argon2, `{SHA}`, a hex digest under a password key): not the password, but found from it offline by trying words, quickly for fast hashes and weak passwords.", "Keep it in a secret store like the password itself, and change the password if it is weak or the hash fast (`{SHA}`, MD5). If it is not a real account's, add `# platc:allow secrets/password-hash` on its line.";
    "secrets/command-line-secret", Secrets, Error, "A credential passed on a command line (`--cookie-secret=`, `--password=`, `--token=`, `curl -u user:pass`, `mysql -pPASS`) in container args or a script: it is in the manifest, and in the process list at run time.", SECRET_FIX;
    "secrets/github-token", Secrets, Error, "A GitHub token.", SECRET_FIX;
    "secrets/github-fine-grained-token", Secrets, Error, "A GitHub fine-grained personal access token.", SECRET_FIX;
    "secrets/gitlab-token", Secrets, Error, "A GitLab token.", SECRET_FIX;
    "secrets/aws-access-key-id", Secrets, Error, "An AWS access key id.", SECRET_FIX;
    "secrets/aws-secret-access-key", Secrets, Error, "An AWS secret access key.", SECRET_FIX;
    "secrets/google-oauth-client-secret", Secrets, Error, "A Google OAuth client secret.", SECRET_FIX;
    "secrets/google-api-key", Secrets, Error, "A Google API key.", SECRET_FIX;
    "secrets/azure-storage-key", Secrets, Error, "An Azure storage account key.", SECRET_FIX;
    "secrets/azure-client-secret", Secrets, Error, "An Azure client secret.", SECRET_FIX;
    "secrets/azure-sas-token", Secrets, Error, "An Azure shared access signature.", SECRET_FIX;
    "secrets/slack-token", Secrets, Error, "A Slack token.", SECRET_FIX;
    "secrets/slack-webhook", Secrets, Error, "A Slack webhook URL.", SECRET_FIX;
    "secrets/stripe-key", Secrets, Error, "A Stripe secret key.", SECRET_FIX;
    "secrets/vault-token", Secrets, Error, "A HashiCorp Vault token.", SECRET_FIX;
    "secrets/terraform-cloud-token", Secrets, Error, "A Terraform Cloud token.", SECRET_FIX;
    "secrets/npm-token", Secrets, Error, "An npm token.", SECRET_FIX;
    "secrets/pypi-token", Secrets, Error, "A PyPI token.", SECRET_FIX;
    "secrets/sendgrid-key", Secrets, Error, "A SendGrid API key.", SECRET_FIX;
    "secrets/twilio-key", Secrets, Error, "A Twilio API key.", SECRET_FIX;
    "secrets/telegram-bot-token", Secrets, Error, "A Telegram bot token.", SECRET_FIX;
    "secrets/discord-webhook", Secrets, Error, "A Discord webhook URL.", SECRET_FIX;
    "secrets/discord-bot-token", Secrets, Error, "A Discord bot token.", SECRET_FIX;
    "secrets/openai-key", Secrets, Error, "An OpenAI API key.", SECRET_FIX;
    "secrets/anthropic-key", Secrets, Error, "An Anthropic API key.", SECRET_FIX;
    "secrets/digitalocean-token", Secrets, Error, "A DigitalOcean token.", SECRET_FIX;
    "secrets/grafana-token", Secrets, Error, "A Grafana token.", SECRET_FIX;
    "secrets/age-secret-key", Secrets, Error, "An age secret key.", SECRET_FIX;
    "secrets/jwt", Secrets, Error, "A JSON Web Token.", SECRET_FIX;
    "secrets/connection-string-password", Secrets, Error, "A password in a database connection string.", SECRET_FIX;
    "secrets/url-token", Secrets, Error, "A token in a URL's query string.", SECRET_FIX;
    "secrets/authorization-header", Secrets, Error, "A credential in an Authorization header.", SECRET_FIX;
    "secrets/url-password", Secrets, Error, "A password in a URL (`scheme://user:password@host`).", SECRET_FIX;
];

/// Every documented id: the lint rules first, in `platc rules` order, then the others.
pub fn entries() -> impl Iterator<Item = Entry> {
    super::RULES
        .iter()
        .map(|r| Entry {
            id: r.id,
            check: Check::Lint,
            severity: r.severity,
            summary: r.summary,
            docs: Docs::Rule(r.docs),
        })
        .chain(OTHER.iter().copied())
}

pub fn find(id: &str) -> Option<Entry> {
    entries().find(|e| e.id == id)
}

/// Every id, for did-you-mean.
pub fn ids() -> Vec<&'static str> {
    entries().map(|e| e.id).collect()
}

/// Whether `id` names a documented id, or `family/*` a family of them.
pub fn is_known(id: &str) -> bool {
    match id.strip_suffix("/*") {
        Some(family) => entries().any(|e| e.id.split_once('/').is_some_and(|(f, _)| f == family)),
        None => find(id).is_some(),
    }
}

/// The checks that emit `id` (or, for `family/*`, any id of the family).
pub fn checks_of(id: &str) -> Vec<Check> {
    let mut out: Vec<Check> = match id.strip_suffix("/*") {
        Some(family) => entries()
            .filter(|e| e.id.split_once('/').is_some_and(|(f, _)| f == family))
            .map(|e| e.check)
            .collect(),
        None => find(id).map(|e| e.check).into_iter().collect(),
    };
    out.dedup();
    out
}

/// The documented id (or `family/*`) closest to an unknown one.
pub fn suggestion(id: &str) -> Option<&'static str> {
    match id.strip_suffix("/*") {
        Some(family) => {
            let families = FAMILY_GLOBS.iter().filter_map(|g| g.strip_suffix("/*"));
            let f = crate::suggest::did_you_mean(family, families)?;
            FAMILY_GLOBS
                .iter()
                .copied()
                .find(|g| g.strip_suffix("/*") == Some(f))
        }
        None => crate::suggest::did_you_mean(id, ids()),
    }
}

/// docs/findings.md: every id that is not a lint rule, with what it means and what to do
/// (docs/rules.md documents the lint rules).
pub fn markdown() -> String {
    let mut out = String::from(
        "# platc findings besides the lint rules\n\nGenerated from `src/rules/catalogue.rs`; `platc explain ID` prints one, `platc rules --all` lists them all. The lint rules are in [rules.md](rules.md).\n\n| id | reported by | default | what it means | what to do |\n|---|---|---|---|---|\n",
    );
    for e in OTHER {
        let Docs::Fix(fix) = e.docs else { continue };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            e.id,
            e.check.commands(),
            e.severity.as_str(),
            e.summary.replace('|', "\\|"),
            fix.replace('|', "\\|")
        ));
    }
    out
}

/// `family/*` for each family, for suggestions.
const FAMILY_GLOBS: &[&str] = &[
    "argocd/*",
    "build/*",
    "config/*",
    "deprecated/*",
    "hygiene/*",
    "io/*",
    "kustomize/*",
    "metadata/*",
    "schema/*",
    "secrets/*",
    "spec/*",
    "workload/*",
    "yaml/*",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for e in entries() {
            assert!(seen.insert(e.id), "{} twice", e.id);
            let (family, _) = e.id.split_once('/').expect("family/name");
            assert!(
                FAMILY_GLOBS.contains(&format!("{family}/*").as_str()),
                "{}",
                e.id
            );
            assert!(e.text().contains("## Fix"), "{}", e.id);
        }
    }

    #[test]
    fn families_and_suggestions() {
        assert!(is_known("secrets/*"));
        assert!(is_known("schema/unknown-field"));
        assert!(!is_known("schema/unknown-feild"));
        assert!(!is_known("secret/*"));
        assert_eq!(
            suggestion("workload/image-tags"),
            Some("workload/image-tag")
        );
        assert_eq!(suggestion("secret/*"), Some("secrets/*"));
        assert_eq!(checks_of("kustomize/*"), vec![Check::Lint, Check::Files]);
    }
}
