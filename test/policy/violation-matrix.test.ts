import { generateKeyPairSync } from "node:crypto";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { beforeAll, describe, expect, it } from "vitest";
import { allPolicies } from "../../policy/policies/all";
import type { Plan } from "../../scripts/lib/plan-runner";
import { stackYamlConfig } from "../../local/plan";
import { countByPolicy, formatMatrix, runPolicies, type Violation } from "../support/policy/policy-harness";
import { planRevealed, withInputs } from "../support/policy/revealed-plan";

/**
 * The real program under Pulumi mocks (dev, prod, managed prod) and deliberately bad variants, with EVERY
 * policy run over each: good stacks have no violation, each bad variant trips exactly the policy it targets.
 * Variants that config validation refuses (bluegreen sqld, plain_text secret, unpinned tag, public admin port…)
 * are made by editing the collected plan; the others go through config overrides, i.e. the real program.
 */
type Edit = (inputs: Record<string, any>) => void;

const flyTomlEdit = (edit: (toml: Record<string, any>) => void): Edit => (inputs) => {
  const toml = parseToml(inputs.environment.FLY_TOML) as Record<string, any>;
  edit(toml);
  inputs.environment.FLY_TOML = stringifyToml(toml);
};

const bindingEdit = (name: string, edit: (b: Record<string, any>) => void): Edit => (inputs) => {
  const binding = (inputs.bindings as Record<string, any>[]).find((b) => b.name === name);
  if (!binding) throw new Error(`no binding ${name}`);
  edit(binding);
};

const PEM = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const MANAGED = {
  mode: "managed",
  fly: null,
  regions: null,
  sqld: null,
  tenants: null,
  turso: { org: "acme", location: "aws-eu-west-1", database: "acme-prod" },
};

/** Each bad variant and the one policy it must trip (with how many violations). */
const EXPECTED: Record<string, Record<string, number>> = {
  "dev": {},
  "prod": {},
  "prod managed (Turso)": {},
  "dev with a tenant domain": {},
  "dev: tenant wildcard record proxied": { "fly-dns-only": 1 },
  "dev: ACME challenge record proxied": { "fly-dns-only": 1 },
  "prod: sqld deploy --strategy bluegreen": { "no-bluegreen-or-canary-with-volumes": 1 },
  "prod: sqld deploy --strategy canary": { "no-bluegreen-or-canary-with-volumes": 1 },
  "prod: bluegreen API app without checks": { "bluegreen-needs-health-check": 1 },
  "dev: JWT_PRIVATE_KEY as plain_text": { "worker-secrets-are-secret-text": 1 },
  "dev: GATEWAY_API_KEY as plain_text": { "worker-secrets-are-secret-text": 1 },
  "prod: 1 region (config)": { "prod-needs-two-regions": 2 },
  "prod: protect false (config)": { "prod-data-protected": 4 },
  "prod managed: protect false (config)": { "prod-data-protected": 1 },
  "prod: sqld on upstream's image": { "sqld-hardened-image": 1 },
  "prod: sqld hardening step dropped": { "sqld-hardened-image": 1 },
  "prod: 9090 as a Fly service": { "sqld-private-ports-not-public": 2 },
  "prod: 5001 as http_service port": { "sqld-private-ports-not-public": 1 },
  "prod: FLY_API_TOKEN literal in a script": { "no-plaintext-secrets-in-commands": 1 },
  "dev: PEM private key in a script": { "no-plaintext-secrets-in-commands": 1 },
  "dev: literal Bearer token in a script": { "no-plaintext-secrets-in-commands": 1 },
  "prod: SQLD_AUTH_JWT_KEY dropped": { "sqld-jwt-auth-required": 1 },
  "prod: --http-auth basic in sqld args": { "sqld-jwt-auth-required": 1 },
};

const base: Record<string, Plan> = {};
const variants: Record<string, () => Plan> = {
  "dev": () => base.dev!,
  "prod": () => base.prod!,
  "prod managed (Turso)": () => base.managed!,
  "dev with a tenant domain": () => base.tenantDomain!,
  "dev: tenant wildcard record proxied": () => withInputs(base.tenantDomain!, "sqld-tenant-domain-wildcard", (i) => (i.proxied = true)),
  "dev: ACME challenge record proxied": () => withInputs(base.tenantDomain!, "sqld-tenant-domain-acme-challenge", (i) => (i.proxied = true)),
  "prod: sqld deploy --strategy bluegreen": () =>
    withInputs(base.prod!, "sqld-deploy", (i) => (i.create = i.create.replace("strategy=rolling", "strategy=bluegreen"))),
  "prod: sqld deploy --strategy canary": () =>
    withInputs(base.prod!, "sqld-deploy", (i) => (i.create = i.create.replace('--strategy "$strategy"', "--strategy canary"))),
  "prod: bluegreen API app without checks": () =>
    withInputs(base.prod!, "api-deploy", flyTomlEdit((t) => delete t.http_service.checks)),
  "dev: JWT_PRIVATE_KEY as plain_text": () =>
    withInputs(base.dev!, "gateway-script", bindingEdit("JWT_PRIVATE_KEY", (b) => (b.type = "plain_text"))),
  "dev: GATEWAY_API_KEY as plain_text": () =>
    withInputs(base.dev!, "gateway-script", bindingEdit("GATEWAY_API_KEY", (b) => (b.type = "plain_text"))),
  "prod: 1 region (config)": () => base.oneRegion!,
  "prod: protect false (config)": () => base.unprotected!,
  "prod managed: protect false (config)": () => base.managedUnprotected!,
  "prod: sqld on upstream's image": () =>
    withInputs(base.prod!, "sqld-deploy", (i) => (i.environment.DOCKERFILE = 'FROM ghcr.io/tursodatabase/libsql-server:v0.24.33\nUSER root\nENTRYPOINT ["/bin/sqld"]\n')),
  "prod: sqld hardening step dropped": () =>
    withInputs(base.prod!, "sqld-deploy", (i) => (i.environment.DOCKERFILE = i.environment.DOCKERFILE.replace(/^RUN sh -c .*\n/m, ""))),
  "prod: 9090 as a Fly service": () =>
    withInputs(base.prod!, "sqld-deploy", flyTomlEdit((t) => (t.services = [{ protocol: "tcp", internal_port: 9090, ports: [{ port: 9090 }] }]))),
  "prod: 5001 as http_service port": () =>
    withInputs(base.prod!, "sqld-deploy", flyTomlEdit((t) => (t.http_service.internal_port = 5001))),
  "prod: FLY_API_TOKEN literal in a script": () =>
    withInputs(base.prod!, "sqld-ips", (i) => (i.create = `export FLY_API_TOKEN=fo1_Q2hhbmdlTWVJbW1lZGlhdGVseTEyMzQ1Njc4OTA\n${i.create}`)),
  "dev: PEM private key in a script": () =>
    withInputs(base.dev!, "sqld-app", (i) => (i.create = `cat > /tmp/key.pem <<'EOF'\n${PEM}EOF\n${i.create}`)),
  "dev: literal Bearer token in a script": () =>
    withInputs(base.dev!, "sqld-app", (i) => (i.create = `${i.create}curl -H 'Authorization: Bearer eyJhbGciOiJFZERTQSJ9.eyJhIjoicncifQ.c2lnbmF0dXJlMTIz' https://x\n`)),
  "prod: SQLD_AUTH_JWT_KEY dropped": () =>
    withInputs(base.prod!, "sqld-secrets", (i) => {
      i.delete = i.delete.replace(" SQLD_AUTH_JWT_KEY", "");
      i.stdin = (i.stdin as string).split("\n").filter((l) => !l.startsWith("SQLD_AUTH_JWT_KEY=")).join("\n");
    }),
  "prod: --http-auth basic in sqld args": () =>
    withInputs(base.prod!, "sqld-deploy", flyTomlEdit((t) => (t.processes.primary += " --http-auth basic:dXNlcjpwYXNzd29yZA=="))),
};

describe("policy pack over the real program (violation matrix)", () => {
  const results: Record<string, Violation[]> = {};

  beforeAll(async () => {
    const prodRegions = stackYamlConfig("prod").regions as Record<string, unknown>[];
    base.dev = await planRevealed("dev");
    base.prod = await planRevealed("prod");
    base.managed = await planRevealed("prod", MANAGED);
    base.tenantDomain = await planRevealed("dev", { sqld: { tenantDomain: "db.example.com", tenantDomainZoneId: "f".repeat(32) } });
    base.oneRegion = await planRevealed("prod", { regions: prodRegions.filter((r) => r.role === "primary") });
    base.unprotected = await planRevealed("prod", { dataProtection: { protect: false } });
    base.managedUnprotected = await planRevealed("prod", { ...MANAGED, dataProtection: { protect: false } });
    for (const [name, make] of Object.entries(variants)) results[name] = await runPolicies(allPolicies, make());
    const matrix = Object.fromEntries(Object.entries(results).map(([n, v]) => [n, countByPolicy(allPolicies, v)]));
    console.log(`\nviolation matrix (policies × variants)\n${formatMatrix(allPolicies, matrix)}\n`);
  });

  it("the plans policies see carry plain values where the CLI prints [secret]", () => {
    const bindings = base.dev!.resources.find((r) => r.name === "gateway-script")!.inputs.bindings as { name: string; type: string }[];
    expect(bindings.map((b) => `${b.name}:${b.type}`)).toEqual(expect.arrayContaining(["JWT_PRIVATE_KEY:secret_text", "GATEWAY_API_KEY:secret_text"]));
    expect(String(base.prod!.resources.find((r) => r.name === "sqld-secrets")!.inputs.stdin)).toMatch(/^SQLD_AUTH_JWT_KEY="""[A-Za-z0-9_-]{43}"""$/m);
  });

  it("matches the expected matrix: good stacks clean, each bad variant trips exactly its policy", () => {
    const actual = Object.fromEntries(
      Object.entries(results).map(([name, v]) => [name, Object.fromEntries(Object.entries(countByPolicy(allPolicies, v)).filter(([, n]) => n > 0))]),
    );
    expect(actual).toEqual(EXPECTED);
  });

  it("every policy is exercised by at least one bad variant", () => {
    const tripped = new Set(Object.values(EXPECTED).flatMap((row) => Object.keys(row)));
    expect([...tripped].sort()).toEqual(allPolicies.map((p) => p.name).sort());
  });

  it("violation messages name the problem and never echo the secret", () => {
    const [token] = results["prod: FLY_API_TOKEN literal in a script"]!;
    expect(token).toMatchObject({ resource: "sqld-ips", message: expect.stringMatching(/create script, line 1: vendor API token/) });
    expect(token!.message).not.toContain("fo1_");
    const [pem] = results["dev: PEM private key in a script"]!;
    expect(pem!.message).not.toContain(PEM.split("\n")[1]!);
    const [dropped] = results["prod: SQLD_AUTH_JWT_KEY dropped"]!;
    expect(dropped!.message).toMatch(/auth DISABLED/);
    const unprotected = results["prod: protect false (config)"]!.map((v) => v.resource).sort();
    expect(unprotected).toEqual(["sqld-namespaces", "sqld-volume-ams", "sqld-volume-iad", "sqld-volume-sin"]);
    expect(results["prod managed: protect false (config)"]!.map((v) => v.resource)).toEqual(["turso-database"]);
  });
});
