// Managed mode's API app reaches every tenant's database: the real program under Pulumi mocks (the plan CLI's
// provider outputs: a URL per database, a random JWT per token Command), its `api-secrets` stdin imported by the
// fake flyctl (local/doubles/fake-fly), and the stack output `npm run migrate -- --stack` reads.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT } from "../../infra/config/parse";
import { appScripts, secretsScripts } from "../../infra/fly/scripts";
import { makeFakeFlyEnv, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";
import { byName, planStack, stackConfigWith } from "../../local/plan";
import { mockResourceState } from "../../scripts/lib/mock-outputs";
import { defineStack } from "../../stacks/program";

// Internal SDK helper (exported at runtime, @internal in the typings): waits until the mock monitor saw everything.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as { specialSigKey: string; specialSecretSig: string };

const FILE = "examples/Pulumi.managed.yaml";
const MIGRATIONS = { dir: "examples/migrations/tenant", shared: [{ namespace: "streams", dir: "examples/migrations/streams" }] };

/** The program under mocks with secrets left in: what the mock monitor received and what each resource returned. */
async function unredacted(overrides: Record<string, unknown>) {
  const { config, secretKeys } = stackConfigWith("managed", overrides, FILE);
  const inputs = new Map<string, Record<string, unknown>>();
  const outputs = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const result = mockResourceState(args);
        inputs.set(args.name, args.inputs as Record<string, unknown>);
        outputs.set(args.name, result.state);
        return result;
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    "managed",
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.runInPulumiStack(async () => defineStack() as unknown as Record<string, unknown>);
  await settings.waitForRPCs();
  const stdoutOf = (name: string) => JSON.parse(String(outputs.get(name)!.stdout)) as Record<string, string>;
  // A secret input reaches the monitor wrapped ({<sig key>: <secret sig>, value}): that wrapper is how it stays secret.
  const secretInput = (name: string, key: string) => {
    const wrapped = inputs.get(name)![key] as Record<string, unknown>;
    expect(wrapped[rpc.specialSigKey]).toBe(rpc.specialSecretSig);
    return String(wrapped.value);
  };
  return { secretInput, stdoutOf };
}

/** What the Turso Commands of `tenant` printed: its database URL and its full-access token. */
const suffix = (tenant: string) => (tenant === "default" ? "" : `-${tenant}`);

describe("managed API app: TENANT_DATABASES", () => {
  let fake: FakeFlyEnv;
  beforeEach(() => {
    fake = makeFakeFlyEnv();
  });
  afterEach(() => fake.cleanup());

  it("holds every tenant's and shared namespace's own URL and full-access token; fly stores it exactly", async () => {
    const { secretInput, stdoutOf } = await unredacted({ tenants: ["globex", "acme"], migrations: MIGRATIONS });
    const stdin = secretInput("api-secrets", "stdin");
    runScriptOk(appScripts({ app: "acme-api", org: "acme" }).create, { env: fake.env });
    runScriptOk(secretsScripts({ app: "acme-api", names: ["DATABASE_URL", "DATABASE_AUTH_TOKEN", "TENANT_DATABASES"], stage: false }).create, { env: fake.env, stdin });
    const stored = (JSON.parse(readFileSync(join(fake.stateDir, "secret-values.json"), "utf8")) as Record<string, Record<string, string>>)["acme-api"]!;
    const tenants = JSON.parse(stored.TENANT_DATABASES!) as Record<string, { url: string; token: string }>;
    // Sorted, whatever the YAML order: reordering tenants changes no value and restarts nothing.
    expect(Object.keys(tenants)).toEqual(["acme", "globex", "streams"]);
    for (const t of ["acme", "globex", "streams"]) {
      expect(tenants[t]).toEqual({ url: stdoutOf(`turso-database${suffix(t)}`).url, token: stdoutOf(`turso-token${suffix(t)}`).jwt });
      expect(tenants[t]!.token).not.toBe(stdoutOf(`turso-read-token${suffix(t)}`).jwt);
    }
    expect(new Set(Object.values(tenants).map((e) => e.token)).size).toBe(3);
    // DATABASE_URL / DATABASE_AUTH_TOKEN stay the first tenant's, for apps written before TENANT_DATABASES.
    expect(stored.DATABASE_URL).toBe(stdoutOf("turso-database-globex").url);
    expect(stored.DATABASE_AUTH_TOKEN).toBe(stdoutOf("turso-token-globex").jwt);
  });

  it("a stack without tenants: TENANT_DATABASES holds `default`, the one database", async () => {
    const { secretInput, stdoutOf } = await unredacted({});
    const line = secretInput("api-secrets", "stdin").split("\n").find((l) => l.startsWith("TENANT_DATABASES="))!;
    expect(JSON.parse(line.slice('TENANT_DATABASES="""'.length, -3))).toEqual({ default: { url: stdoutOf("turso-database").url, token: stdoutOf("turso-token").jwt } });
  });

  it("is a Pulumi secret, as the stack output tursoDatabases is; the secrets script unsets it on delete", async () => {
    const plan = await planStack("managed", { tenants: ["acme", "globex"], migrations: MIGRATIONS }, FILE);
    const secrets = byName(plan, "api-secrets");
    expect(secrets.inputs.stdin).toBe("[secret]");
    expect(String(secrets.inputs.delete)).toContain("fly secrets unset DATABASE_URL DATABASE_AUTH_TOKEN TENANT_DATABASES");
    expect(plan.outputs.tursoDatabases).toBe("[secret]");
  });

  it("self-hosted: no TENANT_DATABASES (the one token reaches every namespace) and no tursoDatabases output", async () => {
    const plan = await planStack("prod");
    expect(String(byName(plan, "api-secrets").inputs.delete)).not.toContain("TENANT_DATABASES");
    expect(plan.outputs).not.toHaveProperty("tursoDatabases");
  });
});
