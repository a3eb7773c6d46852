//! A labelled corpus, generated at test time from a seeded generator (so no credential-like
//! string is committed): positives for every family, in the contexts they appear in, and the
//! traps that make other scanners noisy. Prints recall and precision per family and holds
//! both to 0.98. Also proves no output format ever carries a full secret.

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use common::*;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick(&mut self, alphabet: &str, n: usize) -> String {
        let a: Vec<char> = alphabet.chars().collect();
        (0..n)
            .map(|_| a[(self.next() % a.len() as u64) as usize])
            .collect()
    }
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const HEX: &str = "0123456789abcdef";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// (family, file name, text, line of the secret) for one positive.
fn positives(r: &mut Rng) -> Vec<(&'static str, String, String, u32)> {
    let mut out = Vec::new();
    let mut add = |family: &'static str, name: &str, text: String, line: u32| {
        out.push((family, name.to_string(), text, line))
    };
    for i in 0..3 {
        add(
            "github",
            &format!("gh{i}.yaml"),
            format!("ci:\n  token: ghp_{}\n", r.pick(ALNUM, 36)),
            2,
        );
        add(
            "github",
            &format!("ghf{i}.env"),
            format!(
                "GITHUB_TOKEN=github_pat_{}_{}\n",
                r.pick(ALNUM, 22),
                r.pick(ALNUM, 59)
            ),
            1,
        );
        add(
            "github",
            &format!("gho{i}.json"),
            format!("{{\"oauth\": \"gho_{}\"}}\n", r.pick(ALNUM, 36)),
            1,
        );
        add(
            "gitlab",
            &format!("gl{i}.yaml"),
            format!("gitlab:\n  deployToken: glpat-{}\n", r.pick(B64URL, 20)),
            2,
        );
        add(
            "aws",
            &format!("aws{i}.ini"),
            format!(
                "[default]\naws_access_key_id = AKIA{}\n",
                r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
            ),
            2,
        );
        add(
            "aws",
            &format!("awss{i}.ini"),
            format!("[default]\naws_secret_access_key = {}\n", r.pick(B64, 40)),
            2,
        );
        add(
            "google-api-key",
            &format!("gapi{i}.yaml"),
            format!("maps:\n  key: AIza{}\n", r.pick(B64URL, 35)),
            2,
        );
        add(
            "azure",
            &format!("az{i}.env"),
            format!(
                "STORAGE=DefaultEndpointsProtocol=https;AccountName=club{i};AccountKey={}==;EndpointSuffix=core.windows.net\n",
                r.pick(B64, 86)
            ),
            1,
        );
        add(
            "slack",
            &format!("sl{i}.yaml"),
            format!(
                "slack:\n  botToken: xoxb-{}-{}-{}\n",
                r.pick("0123456789", 12),
                r.pick("0123456789", 13),
                r.pick(ALNUM, 24)
            ),
            2,
        );
        add(
            "slack",
            &format!("slw{i}.yaml"),
            format!(
                "alertmanager:\n  url: https://hooks.slack.com/services/T{}/B{}/{}\n",
                r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8),
                r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10),
                r.pick(ALNUM, 24)
            ),
            2,
        );
        add(
            "stripe",
            &format!("st{i}.env"),
            format!("STRIPE_KEY=sk_live_{}\n", r.pick(ALNUM, 24)),
            1,
        );
        add(
            "vault",
            &format!("vt{i}.hcl"),
            format!("token = \"hvs.{}\"\n", r.pick(ALNUM, 90)),
            1,
        );
        add(
            "terraform-cloud",
            &format!("tf{i}.tfrc"),
            format!(
                "credentials \"app.terraform.io\" {{\n  token = \"{}.atlasv1.{}\"\n}}\n",
                r.pick(ALNUM, 14),
                r.pick(ALNUM, 67)
            ),
            2,
        );
        add(
            "npm",
            &format!("npm{i}.npmrc"),
            format!(
                "//registry.npmjs.org/:_authToken=npm_{}\n",
                r.pick(ALNUM, 36)
            ),
            1,
        );
        add(
            "pypi",
            &format!("pypi{i}.pypirc"),
            format!(
                "[pypi]\npassword = pypi-AgEIcHlwaS5vcmc{}\n",
                r.pick(B64URL, 70)
            ),
            2,
        );
        let auth = b64(&format!("robot:{}", r.pick(ALNUM, 32)));
        let config = b64(&format!(
            "{{\"auths\":{{\"ghcr.io\":{{\"auth\":\"{auth}\"}}}}}}"
        ));
        add(
            "docker",
            &format!("dk{i}.yaml"),
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: pull}}\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {config}\n"
            ),
            6,
        );
        add(
            "sendgrid",
            &format!("sg{i}.env"),
            format!(
                "SENDGRID_API_KEY=SG.{}.{}\n",
                r.pick(B64URL, 22),
                r.pick(B64URL, 43)
            ),
            1,
        );
        add(
            "twilio",
            &format!("tw{i}.yaml"),
            format!("twilio:\n  apiKey: SK{}\n", r.pick(HEX, 32)),
            2,
        );
        add(
            "twilio",
            &format!("twa{i}.env"),
            format!("TWILIO_AUTH_TOKEN={}\n", r.pick(HEX, 32)),
            1,
        );
        add(
            "generic",
            &format!("genh{i}.yaml"),
            format!("mailgun:\n  apiKey: {}\n", r.pick(HEX, 40)),
            2,
        );
        add(
            "telegram",
            &format!("tg{i}.env"),
            format!("BOT={}:AA{}\n", r.pick("123456789", 9), r.pick(B64URL, 33)),
            1,
        );
        add(
            "discord",
            &format!("dc{i}.yaml"),
            format!(
                "notify:\n  webhook: https://discord.com/api/webhooks/{}/{}\n",
                r.pick("0123456789", 18),
                r.pick(B64URL, 68)
            ),
            2,
        );
        add(
            "openai",
            &format!("oa{i}.env"),
            format!("OPENAI_API_KEY=sk-proj-{}\n", r.pick(B64URL, 120)),
            1,
        );
        add(
            "anthropic",
            &format!("an{i}.env"),
            format!("ANTHROPIC_API_KEY=sk-ant-api03-{}AA\n", r.pick(B64URL, 93)),
            1,
        );
        add(
            "digitalocean",
            &format!("do{i}.env"),
            format!("DO_TOKEN=dop_v1_{}\n", r.pick(HEX, 64)),
            1,
        );
        add(
            "grafana",
            &format!("gf{i}.yaml"),
            format!(
                "grafana:\n  serviceAccountToken: glsa_{}_{}\n",
                r.pick(ALNUM, 32),
                r.pick(HEX, 8)
            ),
            2,
        );
        add(
            "age",
            &format!("age{i}.txt"),
            format!(
                "# created: 2026-01-01\nAGE-SECRET-KEY-1{}\n",
                r.pick("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)
            ),
            2,
        );
        add(
            "jwt",
            &format!("jwt{i}.yaml"),
            format!(
                "auth:\n  bearer: eyJ{}.eyJ{}.{}\n",
                r.pick(B64URL, 30),
                r.pick(B64URL, 60),
                r.pick(B64URL, 43)
            ),
            2,
        );
        let body: Vec<String> = (0..20).map(|_| r.pick(B64, 64)).collect();
        add(
            "private-key",
            &format!("key{i}.yaml"),
            format!(
                "tls:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    {}\n    -----END RSA PRIVATE KEY-----\n",
                body.join("\n    ")
            ),
            3,
        );
        add(
            "private-key",
            &format!("ssh{i}"),
            format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
                body.join("\n")
            ),
            1,
        );
        add(
            "gcp-service-account",
            &format!("sa{i}.json"),
            format!(
                "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"club\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n\"\n}}\n",
                r.pick(HEX, 40),
                body.join("\\n")
            ),
            5,
        );
        add(
            "url-password",
            &format!("redis{i}.yaml"),
            format!(
                "cache:\n  url: redis://:{}@redis.cache.svc:6379/0\n",
                r.pick(ALNUM, 24)
            ),
            2,
        );
        add(
            "url-password",
            &format!("db{i}.yaml"),
            format!(
                "database:\n  url: postgres://grafana:{}@db.example.org:5432/grafana\n",
                r.pick(ALNUM, 20)
            ),
            2,
        );
        add(
            "generic",
            &format!("gen{i}.yaml"),
            format!("oauth:\n  clientSecret: {}\n", r.pick(ALNUM, 40)),
            2,
        );
        add(
            "generic",
            &format!("genp{i}.properties"),
            format!("db.password={}\n", r.pick(ALNUM, 18)),
            1,
        );
        add(
            "kubernetes-secret",
            &format!("ks{i}.yaml"),
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: vendor}}\ndata:\n  deploy-key: {}\n",
                b64(&format!("vk-{}", r.pick(ALNUM, 30)))
            ),
            5,
        );
        add(
            "kubernetes-secret",
            &format!("kss{i}.yaml"),
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: smtp}}\nstringData:\n  smtp-password: mailer-{}\n",
                r.pick(ALNUM, 12)
            ),
            5,
        );
        // The same families in the other places they turn up.
        let aws_secret = r.pick(B64, 40);
        add(
            "aws",
            &format!("deploy{i}.sh"),
            format!(
                "#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY={aws_secret}\naws s3 sync site/ s3://club\n"
            ),
            2,
        );
        add(
            "aws",
            &format!("awsenv{i}.yaml"),
            format!(
                "containers:\n  - name: backup\n    env:\n      - name: AWS_SECRET_ACCESS_KEY\n        value: {}\n",
                r.pick(B64, 40)
            ),
            5,
        );
        add(
            "aws",
            &format!("Dockerfile.aws{i}"),
            format!(
                "FROM alpine:3.20\nENV AWS_SECRET_ACCESS_KEY=\"{}\"\n",
                r.pick(B64, 40)
            ),
            2,
        );
        add(
            "generic",
            &format!("envpair{i}.yaml"),
            format!(
                "spec:\n  containers:\n    - name: app\n      env:\n        - name: DB_PASSWORD\n          value: \"{}\"\n",
                r.pick(ALNUM, 20)
            ),
            6,
        );
        add(
            "generic",
            &format!("flow{i}.yaml"),
            format!(
                "smtp: {{host: mail.example.org, username: club, password: {}}}\n",
                r.pick(ALNUM, 16)
            ),
            1,
        );
        add(
            "generic",
            &format!("settings{i}.py"),
            format!(
                "import os\nAPI_TOKEN = \"{}\"\nDEBUG = False\n",
                r.pick(ALNUM, 32)
            ),
            2,
        );
        add(
            "generic",
            &format!("compose{i}.yaml"),
            format!(
                "services:\n  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_PASSWORD={}\n",
                r.pick(ALNUM, 18)
            ),
            5,
        );
        add(
            "generic",
            &format!("oneline{i}.json"),
            format!(
                "{{\"user\": \"club\", \"apiSecret\": \"{}\", \"region\": \"ca\"}}\n",
                r.pick(ALNUM, 30)
            ),
            1,
        );
        add(
            "npm",
            &format!("legacy{i}.npmrc"),
            format!(
                "//registry.npmjs.org/:_authToken={}-{}-4{}-a{}-{}\n",
                r.pick(HEX, 8),
                r.pick(HEX, 4),
                r.pick(HEX, 3),
                r.pick(HEX, 3),
                r.pick(HEX, 12)
            ),
            1,
        );
        add(
            "azure",
            &format!("sb{i}.env"),
            format!(
                "BUS=Endpoint=sb://club{i}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={}=\n",
                r.pick(B64, 43)
            ),
            1,
        );
        add(
            "azure",
            &format!("azkey{i}.yaml"),
            format!("backup:\n  storageAccountKey: {}==\n", r.pick(B64, 86)),
            2,
        );
        add(
            "gitlab",
            &format!("runner{i}.toml"),
            format!(
                "[[runners]]\n  token = \"GR1348941{}\"\n",
                r.pick(B64URL, 20)
            ),
            2,
        );
        add(
            "grafana",
            &format!("gfl{i}.yaml"),
            format!(
                "dashboards:\n  apiKey: {}\n",
                b64(&format!(
                    "{{\"k\":\"{}\",\"n\":\"ci\",\"id\":1}}",
                    r.pick(ALNUM, 32)
                ))
            ),
            2,
        );
        add(
            "url-password",
            &format!("jdbc{i}.properties"),
            format!(
                "spring.datasource.url=jdbc:postgresql://db:5432/app?user=app&password={}\n",
                r.pick(ALNUM, 16)
            ),
            1,
        );
        add(
            "url-password",
            &format!("ado{i}.json"),
            format!(
                "{{\n  \"ConnectionStrings\": {{\n    \"Default\": \"Server=db;Database=app;User Id=sa;Password={};\"\n  }}\n}}\n",
                r.pick(ALNUM, 14)
            ),
            3,
        );
        let pem = format!(
            "-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n",
            body[..3].join("\n")
        );
        add(
            "private-key",
            &format!("kubeconfig{i}"),
            format!(
                "apiVersion: v1\nkind: Config\nusers:\n  - name: admin\n    user:\n      client-key-data: {}\n",
                b64(&pem)
            ),
            6,
        );
        add(
            "private-key",
            &format!("pgp{i}.asc"),
            format!(
                "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n{}\n=Ab3x\n-----END PGP PRIVATE KEY BLOCK-----\n",
                body.join("\n")
            ),
            1,
        );
        add(
            "generic",
            &format!("settings{i}.xml"),
            format!(
                "<settings>\n  <servers>\n    <server>\n      <id>club-releases</id>\n      <username>deploy</username>\n      <password>{}</password>\n    </server>\n  </servers>\n</settings>\n",
                r.pick(ALNUM, 24)
            ),
            6,
        );
        add(
            "generic",
            &format!("terraform{i}.tfstate"),
            format!(
                "{{\n  \"version\": 4,\n  \"resources\": [{{\"instances\": [{{\"attributes\": {{\n    \"administrator_login_password\": \"{}\"\n  }}}}]}}]\n}}\n",
                r.pick(ALNUM, 24)
            ),
            4,
        );
        add(
            "stripe",
            &format!("whsec{i}.env"),
            format!("STRIPE_WEBHOOK_SECRET=whsec_{}\n", r.pick(ALNUM, 32)),
            1,
        );
        add(
            "google-oauth",
            &format!("dex{i}.yaml"),
            format!(
                "connectors:\n  - type: google\n    config:\n      clientID: 1234-abc.apps.googleusercontent.com\n      clientSecret: GOCSPX-{}\n",
                r.pick(B64URL, 28)
            ),
            5,
        );
        add(
            "azure",
            &format!("entra{i}.md"),
            format!(
                "Registered the app; its secret is {}8Q~{} (expires 2027).\n",
                r.pick(ALNUM, 3),
                r.pick(ALNUM, 34)
            ),
            1,
        );
        add(
            "url-token",
            &format!("webhook{i}.yaml"),
            format!(
                "alerting:\n  url: https://api.statuspage.example.org/v1/incidents?api_key={}&page=club\n",
                r.pick(ALNUM, 32)
            ),
            2,
        );
        add(
            "authorization-header",
            &format!("smoke{i}.sh"),
            format!(
                "#!/bin/sh\ncurl -fsS -H \"Authorization: Bearer {}\" https://api.example.org/health\n",
                r.pick(B64URL, 40)
            ),
            2,
        );
        add(
            "generic",
            &format!("netrc{i}/.netrc"),
            format!(
                "machine git.example.org\n  login ci-bot\n  password {}\n",
                r.pick(ALNUM, 24)
            ),
            3,
        );
        add(
            "generic",
            &format!("home{i}/.bashrc"),
            format!(
                "alias k=kubectl\nexport CLOUDFLARE_API_TOKEN={}\n",
                r.pick(ALNUM, 40)
            ),
            2,
        );
        add(
            "generic",
            &format!("pg{i}/.pgpass"),
            format!(
                "# host:port:database:user:password\ndb.example.org:5432:grafana:grafana:{}\n",
                r.pick(ALNUM, 20)
            ),
            2,
        );
        add(
            "generic",
            &format!("s3{i}/.s3cfg"),
            format!(
                "[default]\nhost_base = s3.example.org\nsecret_key = {}\n",
                r.pick(B64, 40)
            ),
            3,
        );
        // Password hashes: warnings, in htpasswd files, values and Secrets alike.
        let salt = r.pick(
            "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            8,
        );
        let crypt = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        add(
            "password-hash",
            &format!("auth{i}/.htpasswd"),
            format!("admin:$apr1${salt}${}\n", r.pick(crypt, 22)),
            1,
        );
        add(
            "password-hash",
            &format!("argocd-secret{i}.yaml"),
            format!(
                "configs:\n  secret:\n    argocdServerAdminPassword: \"$2a$10${}\"\n",
                r.pick(crypt, 53)
            ),
            3,
        );
        add(
            "password-hash",
            &format!("users{i}.yaml"),
            format!(
                "users:\n  - {{name: alice, hashed_password: \"$argon2id$v=19$m=65536,t=3,p=4${}${}\"}}\n",
                r.pick(B64.trim_end_matches('/'), 16),
                r.pick(B64.trim_end_matches('/'), 32)
            ),
            2,
        );
        add(
            "password-hash",
            &format!("clickhouse{i}.yaml"),
            format!(
                "users:\n  default:\n    password_sha256_hex: {}\n    networks: {{ip: 0.0.0.0/0}}\n",
                r.pick(HEX, 64)
            ),
            3,
        );
        let basic_auth = b64(&format!("ops:{{SHA}}{}=", r.pick(B64, 27)));
        add(
            "password-hash",
            &format!("basic-auth{i}.yaml"),
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: basic-auth}}\ntype: Opaque\ndata:\n  auth: {basic_auth}\n"
            ),
            6,
        );
        // Environment literals under credential names: leaks whatever their entropy.
        let weak = ["postgres", "kafka", "admin1", "letmein", "grafana"][i % 5];
        add(
            "env-literal",
            &format!("deploy-env{i}.yaml"),
            format!(
                "spec:\n  containers:\n    - name: app\n      env:\n        - name: KAFKA_CLUSTER_PASSWORD\n          value: \"{weak}{}\"\n",
                r.pick("0123456789", 2)
            ),
            6,
        );
        add(
            "env-literal",
            &format!("sso{i}.yaml"),
            format!(
                "env:\n  - name: SSO_SECRET\n    value: {weak}\n  - name: LOG_LEVEL\n    value: info\n"
            ),
            3,
        );
        add(
            "env-literal",
            &format!("compose-weak{i}.yaml"),
            format!("services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={weak}\n"),
            4,
        );
        add(
            "env-literal",
            &format!("app{i}.env"),
            format!(
                "LOG_LEVEL=info\nDB_PASSWORD={weak}{}\n",
                r.pick("0123456789", 3)
            ),
            2,
        );
        // Guessable default passwords, in leetspeak and with a short number, where a service
        // is given them: the placeholder rules read these words as stand-ins.
        let base = [
            "password",
            "admin",
            "root",
            "secret",
            "dummy_password",
            "guest",
        ][(r.next() % 6) as usize];
        let leet: String = base
            .chars()
            .map(|c| match (c, r.next() % 3) {
                ('a', 0) => '@',
                ('o', 0) => '0',
                ('s', 0) => '5',
                ('e', 0) => '3',
                (c, 1) => c.to_ascii_uppercase(),
                (c, _) => c,
            })
            .collect();
        let digits = (r.next() % 4) as usize;
        let default = format!("{leet}{}", r.pick("0123456789", digits));
        add(
            "weak-password",
            &format!("weak-env{i}.yaml"),
            format!(
                "env:\n  - name: MYSQL_ROOT_PASSWORD\n    value: \"{default}\"\n  - name: LOG_LEVEL\n    value: info\n"
            ),
            3,
        );
        add(
            "weak-password",
            &format!("weak-secret{i}.yaml"),
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: db}}\ndata:\n  username: {}\n  password: {}\n",
                b64("root"),
                b64(&default)
            ),
            6,
        );
        add(
            "weak-password",
            &format!("weak-values{i}.yaml"),
            format!("grafana:\n  adminUser: admin\n  adminPassword: \"{default}\"\n"),
            3,
        );
        add(
            "weak-password",
            &format!("weak-generator{i}/kustomization.yaml"),
            format!("secretGenerator:\n- name: db\n  literals:\n  - password={default}\n"),
            4,
        );
        // A JAAS block that says `example` elsewhere: its password is still looked at.
        add(
            "jaas",
            &format!("kafka{i}.yaml"),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: client}}\ndata:\n  client.properties: |\n    # example client configuration\n    bootstrap.servers=kafka.example.org:9093\n    sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"example-user\" password=\"{weak}{}\";\n",
                r.pick(ALNUM, 6)
            ),
            8,
        );
        // Command-line credentials: container args, scripts.
        add(
            "command-line",
            &format!("oauth-proxy{i}.yaml"),
            format!(
                "spec:\n  containers:\n    - name: proxy\n      args:\n        - --provider=github\n        - --cookie-secret={}\n",
                r.pick(B64URL, 32)
            ),
            6,
        );
        add(
            "command-line",
            &format!("probe{i}.sh"),
            format!(
                "#!/bin/sh\nset -e\ncurl -fsS -u admin:{weak} https://grafana.example.org/api/health\n"
            ),
            3,
        );
        add(
            "command-line",
            &format!("backup{i}.sh"),
            format!(
                "#!/bin/sh\nmysqldump -h db -u root -p{weak}{} app > dump.sql\n",
                r.pick(ALNUM, 4)
            ),
            2,
        );
        add(
            "command-line",
            &format!("job{i}.yaml"),
            format!(
                "command: [\"/bin/vault-init\", \"--password={}\", \"--address=https://vault:8200\"]\n",
                r.pick(ALNUM, 12)
            ),
            1,
        );
        // Configuration held in a Secret: the password inside is found, where it is written.
        add(
            "config-secret",
            &format!("alertmanager{i}.yaml"),
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: alertmanager}}\nstringData:\n  alertmanager.yaml: |\n    global:\n      smtp_smarthost: smtp.example.org:587\n      smtp_auth_username: alerts\n      smtp_auth_password: {}\n    route: {{receiver: team}}\n",
                r.pick(ALNUM, 20)
            ),
            9,
        );
        add(
            "config-secret",
            &format!("grafana-ini{i}.yaml"),
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: grafana}}\ndata:\n  grafana.ini: {}\n",
                b64(&format!(
                    "[server]\ndomain = grafana.example.org\n[security]\nadmin_user = admin\nadmin_password = {}\n",
                    r.pick(ALNUM, 18)
                ))
            ),
            5,
        );
        // The policy finding: a Secret committed with values of its own, placeholders or not.
        add(
            "committed-secret",
            &format!("template-secret{i}.yaml"),
            "apiVersion: v1\nkind: Secret\nmetadata: {name: aws}\nstringData:\n  AWS_ACCESS_KEY_ID: UPDATE_AWS_ACCESS_KEY_ID\n  AWS_SECRET_ACCESS_KEY: __REPLACE_ME__\n".to_string(),
            2,
        );
        let legacy = b64(&format!("deploy:{}", r.pick(ALNUM, 24)));
        add(
            "docker",
            &format!("home{i}/.dockercfg"),
            format!(
                "{{\"https://index.docker.io/v1/\": {{\"auth\": \"{legacy}\", \"email\": \"ci@example.org\"}}}}\n"
            ),
            1,
        );
        let login = b64(&format!("ci-bot:{}", r.pick(ALNUM, 28)));
        add(
            "docker",
            &format!("docker{i}.json"),
            format!(
                "{{\n  \"auths\": {{\n    \"ghcr.io\": {{\n      \"auth\": \"{login}\"\n    }}\n  }}\n}}\n"
            ),
            4,
        );
    }
    out
}

/// Texts with no credential at all.
fn negatives() -> Vec<(String, String)> {
    let cert_body = "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTESMBAGA1UEChMJQmFsdGltb3JlMRMwEQYDVQQLEwpDeWJlclRydXN0MSIwIAYDVQQDExlCYWx0aW1vcmUgQ3liZXJUcnVzdCBSb290MB4XDTAwMDUxMjE4NDYwMFoXDTI1MDUxMjIzNTkwMFow";
    let cases = [
        ("empty.yaml", "password: \"\"\ntoken:\n".to_string()),
        ("env-ref.yaml", "password: ${DB_PASSWORD}\napiKey: \"${API_KEY}\"\n".to_string()),
        ("helm.yaml", "password: {{ .Values.db.password | quote }}\n".to_string()),
        ("jinja-escaped.yaml", "token: \"{{'{{'}} .Data.token {{'}}'}}\"\n".to_string()),
        ("argocd-ref.yaml", "clientSecret: $dex-github:clientSecret\n".to_string()),
        ("avp.yaml", "password: <path:kv/data/grafana#admin-password>\n".to_string()),
        ("secretref.yaml", "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}\nexistingSecret: grafana-admin\npasswordKey: admin-password\n".to_string()),
        ("vault-path.yaml", "vault.hashicorp.com/agent-inject-secret-db: kv/data/websites/acets/db\nsecretPath: secret/data/platform/token\n".to_string()),
        ("placeholders.yaml", "password: changeme\ntoken: xxxxxxxxxxxxxxxx\napiKey: \"****************\"\nclientSecret: REDACTED\nsecret: <your-token>\n".to_string()),
        // Under a password's key: instructions to replace, the words tests fill in, references.
        ("password-placeholders.yaml", "db:\n  rootPassword: CHANGEME\n  password: REPLACE_ME\n  adminPassword: <your-admin-password>\nfixture:\n  password: foo\n  userPassword: test\nauth:\n  existingSecretPasswordKey: password\n  passwordSecretName: admin\n".to_string()),
        ("aws-example.ini", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n".to_string()),
        ("cert.yaml", format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ca}}\ndata:\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    {cert_body}\n    -----END CERTIFICATE-----\n")),
        ("pubkey.txt", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl sre@cedille\n-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n-----END PUBLIC KEY-----\n".to_string()),
        ("cabundle.yaml", format!("webhooks:\n  - clientConfig:\n      caBundle: {}\n", b64(cert_body))),
        ("digests.yaml", "image: ghcr.io/club/site@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nchecksum: da39a3ee5e6b4b0d3255bfef95601890afd80709\ncommit: 9fd70a019c57656d6ed9bef7e6c1fa1d241018b9\nuid: 123e4567-e89b-12d3-a456-426614174000\n".to_string()),
        ("comment.yaml", "# token: ghp_ExampleOnlyNotARealTokenValue0000000000\n# e.g. password: Zk3q9VbT1xLm8RfY2wPa\nreplicas: 2\n".to_string()),
        ("sealed.yaml", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: db}\nspec:\n  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq3Bj8sm5mmLvRjxrqbL4Jq3xF0qYQUJqzeDBzL0x\n".to_string()),
        ("sops.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: ENC[AES256_GCM,data:3cQ3kQ==,iv:a2Vk,tag:dGFn,type:str]\nsops:\n  version: 3.8.1\n".to_string()),
        ("external-secret.yaml", "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: smtp}\nspec:\n  data:\n    - secretKey: password\n      remoteRef: {key: websites/acets/smtp, property: password}\n".to_string()),
        ("key-dots.yaml", "tls:\n  key: |\n    -----BEGIN PRIVATE KEY-----\n    ...\n    -----END PRIVATE KEY-----\n".to_string()),
        ("prose.md", "Set the password in the Vault UI, then rotate the token every 90 days.\n".to_string()),
        ("url.yaml", "repoURL: https://github.com/ClubCedille/platform.git\ndb: postgres://grafana@db.example.org:5432/grafana\nproxy: http://user:${PROXY_PASSWORD}@proxy:3128\n".to_string()),
        (
            "references.yaml",
            "argocd-cm:\n  clientSecret: $dex.github.clientSecret\nvault:\n  secret: secret/data/apps/grafana\n".to_string(),
        ),
        (
            "main.tf",
            "resource \"x\" \"y\" {\n  password = var.db_password\n  client_secret = data.vault_generic_secret.oauth.data[\"secret\"]\n}\n".to_string(),
        ),
        ("secret-empty.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: sa-token, annotations: {kubernetes.io/service-account.name: ci}}\ntype: kubernetes.io/service-account-token\n".to_string()),
        ("vaultsecret.yaml", "apiVersion: redhatcop.redhat.io/v1alpha1\nkind: VaultSecret\nmetadata: {name: grav-db}\nspec:\n  vaultSecretDefinitions:\n    - name: db\n      path: kv/data/websites/acets/db\n      authentication: {path: kubernetes, role: grav}\n  output:\n    name: grav-db\n    stringData:\n      password: '{{ .db.password }}'\n    type: Opaque\n".to_string()),
        ("secret-templated.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: web}\ndata:\n  password: {{ .Values.password | b64enc | quote }}\n  empty: \"\"\nstringData:\n  token: ${WEB_TOKEN}\n".to_string()),
        ("settings.xml", "<settings>\n  <servers>\n    <server>\n      <password>${env.DEPLOY_PASSWORD}</password>\n      <passwordPolicy>strict-rotation</passwordPolicy>\n    </server>\n  </servers>\n</settings>\n".to_string()),
        ("curl.sh", "curl -H \"Authorization: Bearer $TOKEN\" https://api.example.org\ncurl -H 'Authorization: Bearer ${{ secrets.TOKEN }}' https://x\nopen https://example.org/search?token=true&q=x\n".to_string()),
        ("netrc-env/.netrc", "machine git.example.org\n  login ci-bot\n  password ${GIT_PASSWORD}\n".to_string()),
        ("docs-examples.md", concat!(
            "Try it with jwt.io's token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.",
            "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.",
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n",
            "Stripe's example: `STRIPE_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc`\n"
        ).to_string()),
        // Shapes met scanning 70,000 files of Python and Rust packages.
        ("paginators.json", "{\"pagination\": {\"ListKeys\": {\"input_token\": \"NextPageToken\", \"output_token\": \"CloudFrontOriginAccessIdentityList.NextMarker\"}}}\n".to_string()),
        ("policies.json", "{\"conditions\": [\n  \"secretsmanager:ResourceTag/tag-key\",\n  \"secretsmanager:resource/AllowRotationLambdaArn\"\n]}\n".to_string()),
        ("constants.py", "ACCESS_KEY = 'AWS_ACCESS_KEY_ID'\nSECRET_KEY = \"AWS_SECRET_ACCESS_KEY\"\nACL_CREDENTIALS = \"Access-Control-Allow-Credentials\"\nPROP_API_KEY_SOURCE = \"apiKeySource\"\nTOKEN_PREFIX = 'k8s-aws-v1.'\nstyles = {Token.Prompt: '#ansibrightblue', Token.String: '#ansiyellow'}\n".to_string()),
        ("managed.json", "{\"IAMSelfManageServiceSpecificCredentials\": \"arn:aws:iam::aws:policy/IAMSelfManageServiceSpecificCredentials\"}\n".to_string()),
        ("rultor.yml", "assets:\n  credentials: yegor256/home#assets/crates-credentials\n".to_string()),
        ("multihost.py", "url = MultiHostUrl('https://foo.com:123,foo:bar@bar.com/path')\n".to_string()),
        ("pgpass-env/.pgpass", "# filled in by the entrypoint\n*:5432:*:app:\n".to_string()),
        ("key-name.yaml", "server:\n  extraSecretEnvironmentVars:\n    - envName: GITHUB_CLIENT_SECRET\n      secretName: vault-github-oauth\n      secretKey: client-secret\n".to_string()),
        ("code.py", "password = get_password()\ntoken = os.environ[\"TOKEN\"]\napi_key = settings.API_KEY\n".to_string()),
        ("run.sh", "export TOKEN=$(cat /run/secrets/token)\nDB_PASSWORD=\"${DB_PASSWORD:-}\"\nexport API_KEY=`vault kv get -field=key kv/ci`\n".to_string()),
        ("package-lock.json", format!("{{\"packages\": {{\"node_modules/x\": {{\"integrity\": \"sha512-{}==\"}}}}}}\n", "Zk3q9VbT1xLm8RfY2wPaQ7nC4tH6jK0sD5gU1iO3pE8rW2yT9uI7oP4aS6dF0gH3jK5lZ8xC1vB4nM7qW9eR2tY6uI0oP3a")),
        ("env-plain.yaml", "env:\n  - name: LOG_LEVEL\n    value: debug\n  - name: DB_PASSWORD_FILE\n    value: /run/secrets/db-password\n  - name: SESSION_SECRET\n    valueFrom:\n      secretKeyRef: {name: web, key: session}\n".to_string()),
        ("conn-template.properties", "url=jdbc:postgresql://db/app?user=app&password=${DB_PASSWORD}\nado=Server=db;User Id=sa;Password={{ .Values.db.password }};\n".to_string()),
        ("kubeconfig-cert", format!("users:\n  - name: admin\n    user:\n      client-certificate-data: {}\n", b64(&format!("-----BEGIN CERTIFICATE-----\n{cert_body}\n-----END CERTIFICATE-----\n")))),
        ("actions.yaml", "steps:\n  - uses: docker/login-action@v3\n    with:\n      password: ${{ secrets.REGISTRY_PASSWORD }}\n".to_string()),
        ("docker-empty.json", "{\n  \"auths\": {\n    \"ghcr.io\": {}\n  },\n  \"credsStore\": \"desktop\"\n}\n".to_string()),
        // Secrets whose values are placeholders, references or not credentials at all: the
        // policy finding (`committed-secret`) only, never a leak.
        ("placeholder-secret.yaml", format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: crossplane-aws}}\nstringData:\n  AWS_ACCESS_KEY_ID: UPDATE_AWS_ACCESS_KEY_ID\n  AWS_SECRET_ACCESS_KEY: __REPLACE_ME__\n  creds: replaceme\n  aws_session_token: replacemeifneeded\n  token: \"**access-token goes here**\"\n  password: the-password-depot-password\n  client-secret: my-secret-client-secret\n  api-key: <api-key>\n  op: op://platform/grafana/password\n  templated: ${{GRAFANA_PASSWORD}}\n  helm: '{{{{ .Values.password }}}}'\ndata:\n  changed: {}\n",
            b64("change me")
        )),
        ("not-credentials-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: kafka}\nstringData:\n  keystore: /etc/kafka/secrets/kafka.keystore.jks\n  truststore-file: kafka.truststore.jks\n  agent-output: db-creds.json\n  host: postgres.database.svc.cluster.local\n  endpoint: smtp.example.org:587\n  username: grafana-admin\n  user: svc_backup\n  email: ops@example.org\n  version: v16.4.2\n  region: ca-central-1\n  tf: aws_db_instance.main.password\n  call: base64encode(random_password.db.result)\n  port: \"5432\"\n  enabled: \"true\"\n".to_string()),
        ("config-secret.yaml", format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: monitoring}}\nstringData:\n  alertmanager.yaml: |\n    global:\n      resolve_timeout: 5m\n      smtp_smarthost: smtp.example.org:587\n    route: {{receiver: team, group_by: [alertname]}}\n    receivers:\n      - name: team\n  log4j.properties: |\n    log4j.rootLogger=INFO, stdout\n    log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n  datasources.json: '{{\"apiVersion\": 1, \"datasources\": [{{\"name\": \"prometheus\", \"url\": \"http://prometheus:9090\"}}]}}'\ndata:\n  grafana.ini: {}\n",
            b64("[server]\ndomain = grafana.example.org\nroot_url = https://grafana.example.org/\n[auth.github]\nenabled = true\n")
        )),
        ("env-not-secret.yaml", "env:\n  - name: DB_PASSWORD_FILE\n    value: /run/secrets/db\n  - name: TOKEN_TTL\n    value: 24h\n  - name: SECRET_NAME\n    value: grafana-admin\n  - name: DB_PASSWORD\n    value: ${DB_PASSWORD}\n  - name: GITHUB_TOKEN\n    value: $(GITHUB_TOKEN)\n  - name: ADMIN_PASSWORD\n    value: changeme\n  - name: API_TOKEN\n    value: \"\"\n".to_string()),
        ("args-not-secret.yaml", "args:\n  - --client-secret=$(CLIENT_SECRET)\n  - --cookie-secret-file=/etc/proxy/cookie\n  - --token-ttl=1h\n  - --secret-name=oauth-proxy\n  - --password=${ADMIN_PASSWORD}\ncommand: [sh, -c, 'curl -u \"$USER:$PASSWORD\" https://x && curl -u admin https://y && mysql -h db -p app']\n".to_string()),
        ("jaas-placeholder.properties", "# example\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"app\" password=\"${KAFKA_PASSWORD}\";\n".to_string()),
        ("external-secret-keys.yaml", "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nspec:\n  data:\n    - secretKey: firstname\n      remoteRef: {key: people, property: first}\n    - secretKey: test-login-1\n      remoteRef: {key: logins, property: one}\n".to_string()),
        ("versions.yaml", "image:\n  tag: 1.2.3\napiToken:\n  version: v2.4.1\n".to_string()),
        ("tls-secret.yaml", format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: ca}}\ndata:\n  ca.crt: {}\n", b64(&format!("-----BEGIN CERTIFICATE-----\n{cert_body}\n-----END CERTIFICATE-----\n")))),
    ];
    cases.into_iter().map(|(n, t)| (n.to_string(), t)).collect()
}

#[test]
fn recall_and_precision_per_family() {
    let mut by_family: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new(); // (positives, found, false)
    // Several seeds: random values find the edge cases (a base64 key starting with `/`).
    let all: Vec<_> = (1..=12u64)
        .flat_map(|seed| positives(&mut Rng(0x5eed_cafe_f00d_0000 + seed)))
        .collect();
    for (family, name, text, line) in all {
        // The policy finding on a committed Secret is counted in its own family only: the
        // others measure credentials.
        let hits: Vec<_> = platc::secrets::scan::scan(&name, &text)
            .into_iter()
            .filter(|h| (h.rule == "committed-secret") == (family == "committed-secret"))
            .collect();
        let entry = by_family.entry(family).or_default();
        entry.0 += 1;
        if hits.iter().any(|h| h.line == line) {
            entry.1 += 1;
        } else {
            eprintln!("missed {family} in {name}: {hits:?}");
        }
        entry.2 += hits.iter().filter(|h| h.line != line).count();
    }
    let mut false_positives = 0;
    for (name, text) in negatives() {
        let hits: Vec<_> = platc::secrets::scan::scan(&name, &text)
            .into_iter()
            .filter(platc::secrets::is_credential)
            .collect();
        if !hits.is_empty() {
            eprintln!("false positive in {name}: {hits:?}");
        }
        false_positives += hits.len();
    }
    println!(
        "{:<22} {:>9} {:>7} {:>9}",
        "family", "positives", "recall", "precision"
    );
    let (mut tp, mut total) = (0, 0);
    for (family, (pos, found, extra)) in &by_family {
        let recall = *found as f64 / *pos as f64;
        let precision = *found as f64 / (*found + *extra).max(1) as f64;
        println!("{family:<22} {pos:>9} {recall:>7.2} {precision:>9.2}");
        assert!(recall >= 0.98, "{family}: recall {recall}");
        assert!(precision >= 0.98, "{family}: precision {precision}");
        tp += found;
        total += pos;
    }
    println!(
        "overall recall {:.3}, false positives on {} trap files: {false_positives}",
        tp as f64 / total as f64,
        negatives().len()
    );
    assert_eq!(false_positives, 0);
    assert!(by_family.len() >= 25, "{} families", by_family.len());
}

#[test]
fn no_output_format_carries_a_full_secret() {
    let mut rng = Rng(0x5eed_cafe_f00d_0002);
    let dir = tempfile::tempdir().unwrap();
    let mut secrets = Vec::new();
    for (_, name, text, _) in positives(&mut rng) {
        let path = dir.path().join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &text).unwrap();
        for h in platc::secrets::scan::scan(&name, &text) {
            secrets.push(h.secret.clone());
        }
    }
    assert!(secrets.len() > 50);
    for format in ["human", "json", "sarif", "junit", "github"] {
        for command in [&["secrets"][..], &["check", "--no-build"][..]] {
            let out = platc()
                .arg("-C")
                .arg(dir.path())
                .args(command)
                .args(["--format", format])
                .output()
                .unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.status.code(), Some(1), "{format} {command:?}");
            for s in &secrets {
                // Any 12-character piece of a secret beyond its first 4 would be too much.
                let tail: String = s.chars().skip(4).collect();
                if tail.len() >= 12 {
                    assert!(
                        !text.contains(&tail[..12]),
                        "{format} {command:?} shows part of a secret"
                    );
                }
            }
        }
    }
}
