// Managed mode with tenants, planned from config alone (the real program under the plan CLI's mocks): a Turso
// database per tenant, the pre-tenant database kept under its old resource names, the Worker's bindings.
import { describe, expect, it } from "vitest";
import { byName, planStack } from "../../local/plan";
import type { Plan } from "../../scripts/lib/plan-runner";

const FILE = "examples/Pulumi.managed.yaml";
const bindings = (plan: Plan) => byName(plan, "gateway-script").inputs.bindings as { name: string; type: string; text?: string; json?: string }[];
const tursoCommands = (plan: Plan) => plan.resources.filter((r) => r.parent === "turso").map((r) => r.name);

describe("managed mode with tenants", () => {
  it("a database and two tokens per tenant in the one group, named <turso.database>-<tenant>", async () => {
    const plan = await planStack("managed", { tenants: ["acme", "globex"] }, FILE);
    expect(tursoCommands(plan)).toEqual([
      "turso-group",
      "turso-database-acme", "turso-token-acme", "turso-read-token-acme",
      "turso-database-globex", "turso-token-globex", "turso-read-token-globex",
    ]);
    expect(byName(plan, "turso-database-acme").inputs.triggers).toEqual(["acme", "acme-eu", "acme-main-acme"]);
    // prod-like example (protect: true): each database protected and retained, a rename is a refused replace.
    expect(byName(plan, "turso-database-globex")).toMatchObject({ protect: true, retainOnDelete: true, dependsOn: ["turso-group"] });
    const b = bindings(plan);
    expect(b.find((x) => x.name === "TENANTS")!.json).toBe('["acme","globex"]');
    expect(b.filter((x) => x.name.startsWith("TENANT_DATABASES_"))).toEqual([{ name: "TENANT_DATABASES_0", type: "secret_text", text: "[secret]" }]);
  });

  it("adding tenants next to `default` keeps the existing database's resources (no replace, no new database)", async () => {
    const before = await planStack("managed", {}, FILE);
    const after = await planStack("managed", { tenants: ["default", "acme"] }, FILE);
    for (const name of ["turso-database", "turso-token", "turso-read-token"]) {
      expect(byName(after, name).inputs.triggers).toEqual(byName(before, name).inputs.triggers);
      expect(byName(after, name).inputs.create).toEqual(byName(before, name).inputs.create);
    }
    expect(tursoCommands(after)).toContain("turso-database-acme");
  });

  it("allowDatabaseDeletion lifts protect so removing a tenant runs the delete script, which asks for consent", async () => {
    const plan = await planStack("managed", { tenants: ["acme"], dataProtection: { protect: true, allowDatabaseDeletion: true } }, FILE);
    expect(byName(plan, "turso-database-acme")).toMatchObject({ protect: false, retainOnDelete: false });
    expect(String(byName(plan, "turso-database-acme").inputs.delete)).toContain("LIBSQL_STACK_DELETE_DATA");
  });

  it("tenants beyond the Worker's binding budget need one binding per group of tenants", async () => {
    const tenants = Array.from({ length: 11 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    const plan = await planStack("managed", { tenants }, FILE);
    expect(bindings(plan).filter((x) => x.name.startsWith("TENANT_DATABASES_")).map((x) => x.name)).toEqual(["TENANT_DATABASES_0", "TENANT_DATABASES_1", "TENANT_DATABASES_2"]);
  });

  it("migrations reach every tenant's and shared namespace's own database (DATABASE_TARGETS, a secret)", async () => {
    const migrations = { dir: "examples/migrations/tenant", shared: [{ namespace: "streams", dir: "examples/migrations/streams" }] };
    const plan = await planStack("managed", { tenants: ["acme", "globex"], migrations }, FILE);
    expect(tursoCommands(plan)).toContain("turso-database-streams");
    const command = byName(plan, "migrations");
    const env = command.inputs.environment as Record<string, string>;
    expect(env.DATABASE_TARGETS).toBe("[secret]");
    const planned = JSON.parse(env.MIGRATION_PLAN!) as { mode: string; sets: { key: string; namespaces: string[] }[] };
    expect(planned.mode).toBe("managed");
    expect(planned.sets.map((s) => [s.key, s.namespaces])).toEqual([["migrations.dir", ["acme", "globex"]], ["migrations.shared[0]", ["streams"]]]);
    // The Worker serves tenants only, as self-hosted: the shared database is not in TENANTS.
    expect(bindings(plan).find((x) => x.name === "TENANTS")!.json).toBe('["acme","globex"]');
  });

  it("tenants named like the resources (token, database) plan as any other tenant", async () => {
    const plan = await planStack("managed", { tenants: ["token", "database"] }, FILE);
    expect(tursoCommands(plan)).toEqual([
      "turso-group",
      "turso-database-token", "turso-token-token", "turso-read-token-token",
      "turso-database-database", "turso-token-database", "turso-read-token-database",
    ]);
    expect(plan.outputs.databaseUrl).toBe("libsql://acme-main-token-org.turso.io");
  });
});
