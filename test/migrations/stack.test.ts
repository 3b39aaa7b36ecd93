/**
 * The stack's wiring under Pulumi mocks (examples/Pulumi.migrations.yaml): one `migrations` Command after the
 * namespaces, before the API app; secrets only in its environment; its inputs change when a file or the tenant
 * list changes (pulumi-command then runs it again).
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { SECRET } from "../../scripts/lib/plan-runner";
import { byName, planStack } from "../../local/plan";
import type { PlannedMigrations } from "../../infra/migrations/command";
import { EXAMPLE_TENANT_DIR, scratchDir } from "../support/migrations";

const FILE = "examples/Pulumi.migrations.yaml";
const migrationsEnv = (plan: Awaited<ReturnType<typeof planStack>>) => byName(plan, "migrations").inputs.environment as Record<string, string>;
const plannedOf = (plan: Awaited<ReturnType<typeof planStack>>) => JSON.parse(migrationsEnv(plan).MIGRATION_PLAN!) as PlannedMigrations;

describe("stack wiring (self-hosted)", () => {
  it("runs the migrator after the namespaces and before the API app, with the signing key only in its environment", async () => {
    const plan = await planStack("migrations", {}, FILE);
    const command = byName(plan, "migrations");
    expect(command.type).toBe("command:local:Command");
    expect(command.inputs.create).toBe("node --import tsx scripts/migrate.ts --from-env");
    expect(command.dependsOn).toContain("sqld-namespaces");
    expect(byName(plan, "api").dependsOn).toContain("migrations");
    const env = migrationsEnv(plan);
    expect(env.JWT_PRIVATE_KEY).toBe(SECRET);
    expect(env.DATABASE_AUTH_TOKEN).toBeUndefined();
    expect(env.DATABASE_URL).toBe("https://acme-sqld-mig.fly.dev");
    expect(JSON.stringify(command.inputs)).not.toMatch(/PRIVATE KEY|Bearer/);
    const planned = plannedOf(plan);
    expect(planned.mode).toBe("self-hosted");
    expect(planned.concurrency).toBe(8);
    expect(planned.sets.map((s) => [s.key, s.dir, s.namespaces, s.files.map((f) => f.name)])).toEqual([
      ["migrations.dir", "examples/migrations/tenant", ["acme", "globex", "initech"], ["0001_nodes.sql", "0002_points.sql", "0003_events.sql"]],
      ["migrations.shared[0]", "examples/migrations/streams", ["streams"], ["0001_streams.sql"]],
    ]);
    // The shared namespace and the migrator's ledger and canary are created by the namespaces Command with the tenants.
    expect((byName(plan, "sqld-namespaces").inputs.environment as Record<string, string>).NAMESPACES).toBe("_libsql_stack_canary _libsql_stack_ledger acme globex initech streams");
  });

  it("changes the Command's input when a file changes or a tenant is added, and not otherwise", async () => {
    const scratch = scratchDir(EXAMPLE_TENANT_DIR);
    try {
      const config = (tenants: string[]) => ({ tenants, migrations: { dir: scratch.dir } });
      const before = migrationsEnv(await planStack("migrations", config(["acme", "globex"]), FILE)).MIGRATION_PLAN;
      expect(migrationsEnv(await planStack("migrations", config(["acme", "globex"]), FILE)).MIGRATION_PLAN).toBe(before);
      scratch.write("0002_points.sql", "CREATE TABLE points (x);\n");
      const edited = migrationsEnv(await planStack("migrations", config(["acme", "globex"]), FILE)).MIGRATION_PLAN;
      expect(edited).not.toBe(before);
      const withTenant = migrationsEnv(await planStack("migrations", config(["acme", "globex", "hooli"]), FILE)).MIGRATION_PLAN;
      expect(withTenant).not.toBe(edited);
      expect((JSON.parse(withTenant!) as PlannedMigrations).sets[0]!.namespaces).toEqual(["acme", "globex", "hooli"]);
    } finally {
      scratch.cleanup();
    }
  });

  it("has no migrations Command, and no ledger or canary namespace, when there is nothing to migrate (dev: no key, no migrations/ dir)", async () => {
    const plan = await planStack("dev");
    expect(plan.resources.find((r) => r.name === "migrations")).toBeUndefined();
    expect((byName(plan, "sqld-namespaces").inputs.environment as Record<string, string>).NAMESPACES).not.toMatch(/_libsql_stack_/);
  });
});

describe("stack wiring (managed)", () => {
  it("migrates the Turso database with its token, after the database exists and before the API app", async () => {
    const plan = await planStack("managed", { migrations: { dir: join("examples", "migrations", "tenant") } }, "examples/Pulumi.managed.yaml");
    const command = byName(plan, "migrations");
    expect(command.dependsOn).toContain("turso");
    expect(byName(plan, "api").dependsOn).toContain("migrations");
    const env = migrationsEnv(plan);
    expect(env.DATABASE_AUTH_TOKEN).toBe(SECRET);
    expect(env.JWT_PRIVATE_KEY).toBeUndefined();
    const planned = plannedOf(plan);
    expect(planned.mode).toBe("managed");
    expect(planned.sets.map((s) => s.namespaces)).toEqual([["default"]]);
  });
});
