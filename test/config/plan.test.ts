/**
 * The stack plan resolved from config (infra/config/plan.ts), without Pulumi: what each stack's namespaces, limits
 * and topology come out as. The components only read these values, so a mistake here shows up here first.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStackConfig, PROJECT } from "../../infra/config/parse";
import { resolveStackPlan, stackNamespaces, type SelfHostedPlan, type StackPlan } from "../../infra/config/plan";
import { narrowStackConfig } from "../../infra/config/stack-config";
import { stackConfigSchema } from "../../infra/config/schema";
import { CANARY_NAMESPACE, LEDGER_NAMESPACE } from "../../infra/migrations/stack-namespaces";
import { readStackConfigFile } from "../../scripts/lib/stack-config-file";

const ROOT = join(__dirname, "../..");

/** The plan of a stack config file of the repo, resolved the way the plan CLI does. */
function planOfFile(stack: string, path: string): StackPlan {
  const file = readStackConfigFile(join(ROOT, path));
  const prefix = `${PROJECT}:`;
  const raw = Object.fromEntries(Object.entries(file.config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  return planOf(raw, stack);
}

function planOf(raw: Record<string, unknown>, stack = "dev"): StackPlan {
  const result = parseStackConfig(raw, { stack, projectDir: ROOT });
  if (!result.ok) throw new Error(result.problems.join("\n"));
  return result.plan;
}

function selfHosted(plan: StackPlan): SelfHostedPlan {
  if (plan.mode !== "self-hosted") throw new Error(`expected a self-hosted plan, got ${plan.mode}`);
  return plan;
}

const minimal = (extra: Record<string, unknown> = {}) => ({
  mode: "self-hosted",
  fly: { app: "acme-sqld" },
  regions: [{ code: "ams", role: "primary" }],
  ...extra,
});

describe("the plan of the repo's stacks", () => {
  it("dev: one region, two tenants, sqld's default limit, scale to zero", () => {
    const plan = selfHosted(planOfFile("dev", "Pulumi.dev.yaml"));
    expect(plan.namespaces).toEqual({ tenants: ["acme", "globex"], shared: [], migrator: [], served: ["acme", "globex"], all: ["acme", "globex"], held: 3 });
    expect(plan.sqld).toMatchObject({ app: "acme-sqld-dev", org: "personal", publicUrl: "https://acme-sqld-dev.fly.dev", maxActiveNamespaces: 100, autoStop: "stop", minMachinesRunning: 0 });
    expect(plan.sqld.deploy).toEqual({ strategy: "rolling", waitTimeout: "5m0s" });
    expect(plan.sqld.topology.placements.map((p) => `${p.group}@${p.region}`)).toEqual(["primary@ams"]);
    expect(plan.sqld.backups).toBeUndefined();
    expect(plan.checkNamespace).toBe("acme");
    expect(plan.tenantKeys).toEqual({ mode: "per-tenant", versions: {} });
    expect(plan.gateway).toEqual({ scriptName: "acme-libsql-gateway-dev", exposure: {} });
    expect(plan.migrations.sets).toEqual([]);
    expect(plan.api).toBeUndefined();
  });

  it("prod: a primary and two replicas in config order, always-on machines, a blue-green API app", () => {
    const plan = selfHosted(planOfFile("prod", "Pulumi.prod.yaml"));
    expect(plan.namespaces.all).toEqual(["acme", "globex", "initech"]);
    expect(plan.sqld).toMatchObject({ autoStop: "off", minMachinesRunning: 1, maxActiveNamespaces: 100, deploy: { strategy: "rolling", waitTimeout: "10m0s" } });
    const topology = plan.sqld.topology;
    expect(topology.primaryIndex).toBe(0);
    expect(topology.regions.map((r) => r.code)).toEqual(["ams", "iad", "sin"]);
    expect(topology.placements.map((p) => `${p.group}@${p.region}`)).toEqual(["primary@ams", "replica@iad", "replica@sin"]);
    expect(plan.api).toEqual({ org: "acme", deploy: { strategy: "bluegreen", waitTimeout: "5m0s" }, source: { kind: "image", image: "registry.fly.io/acme-api:1.4.2" } });
  });

  it("managed: the one database of tenant default (named turso.database), shared signing and a Dockerfile API app", () => {
    const plan = planOfFile("managed", "examples/Pulumi.managed.yaml");
    expect(plan.mode).toBe("managed");
    if (plan.mode !== "managed") return;
    expect(plan.namespaces).toMatchObject({ tenants: ["default"], shared: [], migrator: [], served: ["default"], all: ["default"] });
    expect(plan.databases).toEqual([{ tenant: "default", name: "acme-main", kind: "tenant" }]);
    expect(plan.turso).toMatchObject({ org: "acme", group: "acme-eu", database: "acme-main", tokenRotation: "2026-11" });
    expect(plan.tenantKeys.mode).toBe("shared");
    expect(plan.api).toEqual({ org: "acme", deploy: { strategy: "bluegreen", waitTimeout: "5m0s" }, source: { kind: "dockerfile", dockerfile: "Dockerfile", context: "./api" } });
  });

  it("migrations: the shared namespace and the migrator's ledger and canary are created; only tenants and shared are served", () => {
    const plan = selfHosted(planOfFile("migrations", "examples/Pulumi.migrations.yaml"));
    expect(plan.namespaces.shared).toEqual(["streams"]);
    expect(plan.namespaces.migrator).toEqual([CANARY_NAMESPACE, LEDGER_NAMESPACE]);
    expect(plan.namespaces.served).toEqual(["acme", "globex", "initech", "streams"]);
    expect(plan.namespaces.all).toEqual(["acme", "globex", "initech", "streams", CANARY_NAMESPACE, LEDGER_NAMESPACE]);
    expect(plan.namespaces.held).toBe(7);
    expect(plan.migrations.stackNamespaces).toEqual([CANARY_NAMESPACE, LEDGER_NAMESPACE]);
    expect(plan.migrations.sets.map((s) => [s.key, s.namespaces])).toEqual([
      ["migrations.dir", ["acme", "globex", "initech"]],
      ["migrations.shared[0]", ["streams"]],
    ]);
    expect(plan.api?.org).toBe("personal");
  });
});

describe("limits and defaults", () => {
  it("tenants: [] still plans the namespaces Command's empty list, and the check queries sqld's `default`", () => {
    const plan = selfHosted(planOf(minimal({ tenants: [] })));
    expect(plan.namespaces.all).toEqual([]);
    expect(plan.namespaces.held).toBe(1);
    expect(plan.checkNamespace).toBe("default");
    expect(plan.sqld.maxActiveNamespaces).toBe(100);
  });

  it("raises sqld's limit past 99 namespaces, to a multiple of 500", () => {
    const tenants = Array.from({ length: 150 }, (_, i) => `t${i}`);
    expect(selfHosted(planOf(minimal({ tenants }))).sqld.maxActiveNamespaces).toBe(500);
    expect(selfHosted(planOf(minimal({ tenants, sqld: { maxActiveNamespaces: 151 } }))).sqld.maxActiveNamespaces).toBe(151);
  });

  it("counts the namespaces the rule checks maxActiveNamespaces against the same way", () => {
    const raw = minimal({ tenants: ["a", "b"], sqld: { maxActiveNamespaces: 2 } });
    const result = parseStackConfig(raw, { stack: "dev", projectDir: ROOT });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([expect.stringMatching(/^libsql-stack:sqld\.maxActiveNamespaces 2 is below the 3 namespaces sqld holds/)]);
  });

  it("fills in the sqld app's URL, the backups' database id and the Fly org when the config leaves them out", () => {
    const plan = selfHosted(
      planOf(
        minimal({
          sqld: { publicUrl: "https://db.example.com/" },
          backups: { endpoint: "https://s3.example.com", bucket: "bkt" },
          backupAccessKeyId: "id",
          backupSecretAccessKey: "secret",
        }),
      ),
    );
    expect(plan.sqld.publicUrl).toBe("https://db.example.com");
    expect(plan.sqld.org).toBe("personal");
    expect(plan.sqld.backups).toEqual({ endpoint: "https://s3.example.com", bucket: "bkt", region: "auto", databaseId: "acme-sqld", batchIntervalSeconds: 1 });
  });

  it("is pure: the same config and migrations give an equal plan", () => {
    const shape = stackConfigSchema({ stack: "dev" }).parse(minimal({ tenants: ["acme"] }));
    const config = narrowStackConfig(shape);
    const migrations = { sets: [], concurrency: 8, stackNamespaces: [] };
    expect(resolveStackPlan(config, migrations)).toEqual(resolveStackPlan(config, migrations));
    expect(stackNamespaces(shape, [])).toEqual(selfHosted(resolveStackPlan(config, migrations)).namespaces);
  });
});
