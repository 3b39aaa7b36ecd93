import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readFlyToml } from "../../policy/lib/fly-toml";
import { commandKind, deployFacts, stackOfUrn } from "../../policy/lib/resources";
import { findPlaintextSecrets, secretLikeValue, shannonEntropy } from "../../policy/lib/secret-patterns";
import { flagValue, resolveShellValue, shellAssignments, unquoteShellWord, unsetSecretNames } from "../../policy/lib/shell";
import { protectionProblem } from "../../policy/policies/data-protection";
import { healthCheckProblem, volumeStrategyProblem } from "../../policy/policies/deploy-strategy";
import { sqldHardenedImageProblems } from "../../policy/policies/sqld-hardened-image";
import { renderSqldDockerfile } from "../../infra/sqld/image/dockerfile";
import { privatePorts, publicPrivatePortProblems } from "../../policy/policies/sqld-private-ports";
import { workerBindingProblems } from "../../policy/policies/worker-secrets";

/** The checks are plain functions of plain values (pulumi-awsx style): no Pulumi runtime, no mocks. */
describe("shell facts", () => {
  it("unquotes the forms shell-quote and people write", () => {
    expect(unquoteShellWord("'a b'")).toBe("a b");
    expect(unquoteShellWord('"x\\"y"')).toBe('x"y');
    expect(unquoteShellWord("sha256\\:abc")).toBe("sha256:abc");
  });

  it("reads top-level assignments, skipping multi-line values, and resolves $refs", () => {
    const script = "set -eu\napp=acme\nstrategy='blue green'\njs='line1\nline2'\nfly deploy -a \"$app\" --strategy \"$strategy\"\n";
    expect([...shellAssignments(script)]).toEqual([["app", "acme"], ["strategy", "blue green"]]);
    expect(resolveShellValue('"$app"', script)).toBe("acme");
    expect(resolveShellValue("${app}", script)).toBe("acme");
    expect(flagValue(script, /fly deploy/, ["--strategy"])).toBe("blue green");
    expect(flagValue("fly deploy --strategy=canary", /fly deploy/, ["--strategy"])).toBe("canary");
  });

  it("lists the names a secrets delete unsets", () => {
    expect(unsetSecretNames('x\nfly secrets unset A B_C -a "$app" --stage >&2\n')).toEqual(["A", "B_C"]);
    expect(unsetSecretNames("fly secrets import -a app")).toEqual([]);
  });
});

describe("resource facts", () => {
  it("reads the stack from a URN", () => {
    expect(stackOfUrn("urn:pulumi:prod::libsql-stack::a$b::n")).toBe("prod");
  });

  it("classifies Commands by what their script runs", () => {
    expect(commandKind("fly volumes create x")).toBe("fly-volume");
    expect(commandKind("curl -X POST $u/v1/namespaces/a/create")).toBe("sqld-namespaces");
    expect(commandKind("turso_request POST /v1/organizations/acme/databases -H x")).toBe("turso-database");
    expect(commandKind("turso_request POST '/v1/organizations/acme/databases/db/auth/tokens?x=1'")).toBe("other");
    expect(commandKind(undefined)).toBe("other");
  });

  it("takes the deploy strategy from --strategy, else fly.toml [deploy], else rolling", () => {
    const env = (toml: string) => ({ FLY_TOML: toml });
    expect(deployFacts({ create: "s=bluegreen\nfly deploy --strategy \"$s\"", environment: env("") })?.strategy).toBe("bluegreen");
    expect(deployFacts({ create: "fly deploy", environment: env('[deploy]\nstrategy = "canary"') })?.strategy).toBe("canary");
    expect(deployFacts({ create: "fly deploy", environment: env("") })?.strategy).toBe("rolling");
    expect(deployFacts({ create: "fly apps create x" })).toBeUndefined();
  });
});

describe("fly.toml", () => {
  it("collects service ports, mounts and health checks in both table forms", () => {
    const r = readFlyToml(`
[[mounts]]
source = "d"
[http_service]
internal_port = 8080
[[http_service.checks]]
path = "/health"
[[services]]
internal_port = 5001
[[services.ports]]
port = 443
[[services.tcp_checks]]
interval = "5s"
[checks.alive]
type = "http"
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.toml.mounts).toBe(1);
    expect(r.toml.healthChecks).toBe(3);
    expect(r.toml.servicePorts.map((s) => s.port)).toEqual([8080, 5001, 443]);
  });

  it("reports invalid TOML instead of guessing", () => {
    expect(readFlyToml("app = ")).toMatchObject({ ok: false, error: expect.stringMatching(/not valid TOML/) });
  });

  it("flags the admin/gRPC ports, including ones moved by process args", () => {
    expect([...privatePorts({ p: "--admin-listen-addr [::]:7000 --grpc-listen-addr=[::]:7001" })].sort()).toEqual([5001, 7000, 7001, 9090, 9091]);
    expect([...privatePorts({}, { METRICS_RELAY_LISTEN_ADDR: "0.0.0.0:7002" })].sort()).toEqual([5001, 7002, 9090, 9091]);
    const relayPublic = readFlyToml('[env]\nMETRICS_RELAY_LISTEN_ADDR = "0.0.0.0:7002"\n[[services]]\ninternal_port = 7002\n');
    expect(relayPublic.ok && publicPrivatePortProblems(relayPublic.toml)).toEqual([expect.stringMatching(/services\[0\]\.internal_port = 7002: .*metrics relay \(9091\)/)]);
    const ok = readFlyToml("[http_service]\ninternal_port = 8080\n");
    const bad = readFlyToml('[processes]\np = "--admin-listen-addr [::]:7000"\n[[services]]\ninternal_port = 7000\n');
    expect(ok.ok && publicPrivatePortProblems(ok.toml)).toEqual([]);
    expect(bad.ok && publicPrivatePortProblems(bad.toml)).toHaveLength(1);
  });
});

describe("deploy rules", () => {
  const facts = (strategy: string, toml: string) => ({ strategy, app: "a", dockerfile: undefined, flyToml: readFlyToml(toml) });
  it("refuses bluegreen/canary only with volumes", () => {
    expect(volumeStrategyProblem(facts("bluegreen", '[[mounts]]\nsource = "d"'))).toMatch(/cannot be used for machines with volumes/);
    expect(volumeStrategyProblem(facts("canary", '[[mounts]]\nsource = "d"'))).toBeDefined();
    expect(volumeStrategyProblem(facts("rolling", '[[mounts]]\nsource = "d"'))).toBeUndefined();
    expect(volumeStrategyProblem(facts("bluegreen", ""))).toBeUndefined();
  });
  it("wants a health check for bluegreen", () => {
    expect(healthCheckProblem(facts("bluegreen", "[http_service]\ninternal_port = 1"))).toMatch(/without a health check/);
    expect(healthCheckProblem(facts("bluegreen", '[checks.a]\ntype = "tcp"'))).toBeUndefined();
    expect(healthCheckProblem(facts("rolling", ""))).toBeUndefined();
  });
});

describe("hardened sqld image", () => {
  const hardened = renderSqldDockerfile();
  it("accepts exactly the rendered hardened Dockerfile", () => {
    expect(sqldHardenedImageProblems(hardened, undefined)).toEqual([]);
  });
  it.each([
    ["the old root-user Dockerfile on upstream's image", 'FROM ghcr.io/tursodatabase/libsql-server:v0.24.33\nUSER root\nENTRYPOINT ["/bin/sqld"]\n', /at line 1 /],
    ["the hardening step dropped", hardened.replace(/^RUN sh -c .*\n/m, ""), /at line 6 \("FROM golang/],
    ["sqld started as root, without the entrypoint", hardened.replace(/^ENTRYPOINT .*$/m, 'ENTRYPOINT ["/bin/sqld"]'), /ENTRYPOINT/],
    ["an extra line at the end", `${hardened}RUN true\n`, /at line \d+ \("RUN true"\)/],
    ["no Dockerfile", undefined, /no DOCKERFILE/],
  ])("refuses %s", (_case, dockerfile, message) => {
    expect(sqldHardenedImageProblems(dockerfile, undefined)).toEqual([expect.stringMatching(message)]);
  });
  it("refuses a pre-built [build] image even next to the right Dockerfile", () => {
    expect(sqldHardenedImageProblems(hardened, "ghcr.io/tursodatabase/libsql-server:v0.24.33")).toEqual([expect.stringMatching(/pre-built image ghcr/)]);
  });
});

describe("plaintext secrets", () => {
  const pem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  it.each([
    ["PEM private key", `cat <<EOF\n${pem}EOF`],
    ["literal Bearer credential", "curl -H 'Authorization: Bearer eyJhbGciOi.eyJpZCI6MX0.sig123'"],
    ["literal Basic credential", "printf 'Authorization: Basic dXNlcjpwYXNzd29yZA=='"],
    ["vendor API token assigned a literal", "export TURSO_API_TOKEN='abc'"],
    ["literal --access-token", "fly deploy --access-token fo1_abc"],
    ["random-looking value assigned to a key/token/secret name", "ADMIN_KEY=Zq8vN3xT0bLr5WcY2mKp7HsJ4dGf"],
  ])("finds a %s", (kind, script) => {
    expect(findPlaintextSecrets(script)).toEqual([expect.objectContaining({ kind })]);
  });

  it.each([
    ["a secret from the environment", 'printf "Authorization: Basic %s" "$LIBSQL_ADMIN_AUTH_KEY"'],
    ["a token reference", 'Authorization: Bearer $TURSO_API_TOKEN\nFLY_API_TOKEN="${FLY_API_TOKEN}"'],
    ["a required-variable check", ': "${TURSO_API_TOKEN:?set it}"'],
    ["prose", "# The Basic header (the literal key, as sqld expects) uses Bearer authentication"],
    ["a hex digest assigned to a key name", `rotation_key=${"0123456789abcdef".repeat(2)}`],
    ["a public key", "-----BEGIN PUBLIC KEY-----"],
  ])("ignores %s", (_, script) => {
    expect(findPlaintextSecrets(script)).toEqual([]);
  });

  it("reports one finding per line and the line number", () => {
    expect(findPlaintextSecrets("ok\nFLY_API_TOKEN=Zq8vN3xT0bLr5WcY2mKp7HsJ4dGf\n")).toEqual([{ kind: "vendor API token assigned a literal", line: 2 }]);
  });

  it("rates values for Worker bindings", () => {
    expect(secretLikeValue(pem)).toBe("PEM private key");
    expect(secretLikeValue("eyJhbGciOiJFZERTQSJ9.eyJpZCI6ImEifQ.c2ln")).toBe("JWT");
    expect(secretLikeValue("3XcuDjZyKtTLqDpgFalYhvZV8wNZ3f39IILHpffo")).toBe("random-looking token");
    expect(secretLikeValue("https://acme-sqld-prod.fly.dev")).toBeUndefined();
    expect(secretLikeValue("self-hosted")).toBeUndefined();
    expect(shannonEntropy("aaaa")).toBe(0);
  });
});

describe("Worker bindings and data protection", () => {
  it("needs secret_text for credentials by name or by value", () => {
    const props = {
      bindings: [
        { name: "DB_URL", type: "plain_text", text: "https://x.fly.dev" },
        { name: "JWT_PUBLIC_KEY", type: "plain_text", text: "-----BEGIN PUBLIC KEY-----" },
        { name: "TENANT_DATABASES_3", type: "plain_text", text: "{}" },
        { name: "SESSION_SECRET", type: "plain_text", text: "x" },
        { name: "UPSTREAM", type: "plain_text", text: "Zq8vN3xT0bLr5WcY2mKp7HsJ4dGf" },
        { name: "JWT_PRIVATE_KEY", type: "secret_text", text: "-----BEGIN PRIVATE KEY-----" },
        { name: "CACHE", type: "kv_namespace", namespaceId: "abc" },
      ],
      plainTextBindings: [{ name: "API_TOKEN", text: "x" }],
    };
    expect(workerBindingProblems(props).map((p) => p.split(" ")[2])).toEqual(["TENANT_DATABASES_3", "SESSION_SECRET", "UPSTREAM", "API_TOKEN"]);
  });

  it("wants protect on stateful Commands in prod only", () => {
    expect(protectionProblem("prod", "fly-volume", false)).toMatch(/not protected in stack "prod"/);
    expect(protectionProblem("prod", "fly-volume", true)).toBeUndefined();
    expect(protectionProblem("dev", "turso-database", false)).toBeUndefined();
    expect(protectionProblem("prod", "fly-scale", false)).toBeUndefined();
  });
});
