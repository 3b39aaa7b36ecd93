/**
 * Managed mode with a Turso database per tenant: the stack's migrations Command path (scripts/migrate.ts --from-env
 * with MIGRATION_PLAN and DATABASE_TARGETS, as infra/migrations/command.ts sets them) against the Turso API double
 * whose databases are real sqld (local/turso-harness.ts). Each database keeps its own ledger table, as the managed
 * database always did; a database that is no target is never touched.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plannedMigrations } from "../../infra/migrations/command";
import { migrationPlan } from "../../infra/migrations/sets";
import { runProcess } from "../../local/run-process";
import { startTursoHarness, type TursoHarness } from "../../local/turso-harness";
import type { TenantDatabase } from "../../worker/tenant-databases";

const REPO = join(__dirname, "..", "..");
let turso: TursoHarness;
let dir: string;
const dbs: Record<string, TenantDatabase> = {};

/** One statement with @libsql/client in a child node that trusts the box CA. */
const SQL = `const { createClient } = require("@libsql/client");
const c = createClient({ url: process.env.U, authToken: process.env.T });
c.execute(process.env.SQL).then((rs) => { process.stdout.write(JSON.stringify(rs.rows.map((r) => Object.values(r)))); c.close(); },
  (e) => { process.stderr.write(String(e && e.message)); c.close(); process.exit(1); });`;
async function sql(tenant: string, statement: string): Promise<unknown[][]> {
  const r = await runProcess(process.execPath, ["-e", SQL], { cwd: REPO, env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: turso.caFile, U: dbs[tenant]!.url, T: dbs[tenant]!.ro, SQL: statement } });
  if (r.code !== 0) throw new Error(`${tenant}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[][];
}

function write(sub: string, files: Record<string, string>): string {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

/** The migrations Command of a managed stack with tenants acme and globex and the shared namespace streams. */
async function runCommand(targets: Record<string, { url: string; token: string }>) {
  const cfg = { mode: "managed" as const, tenants: ["acme", "globex"], migrations: { dir: join(dir, "tenant"), shared: [{ namespace: "streams", dir: join(dir, "streams") }] } };
  const plan = migrationPlan(cfg, dir);
  if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
  return runProcess(process.execPath, ["--import", "tsx", "scripts/migrate.ts", "--from-env"], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_EXTRA_CA_CERTS: turso.caFile,
      DATABASE_URL: dbs.acme!.url,
      MIGRATION_PLAN: JSON.stringify(plannedMigrations(plan.plan, "managed")),
      DATABASE_TARGETS: JSON.stringify(targets),
    },
  });
}
const targetsOf = (names: string[]) => Object.fromEntries(names.map((n) => [n, { url: dbs[n]!.url, token: dbs[n]!.rw }]));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "managed-migrations-"));
  write("tenant", { "0001_items.sql": "CREATE TABLE items(id INTEGER PRIMARY KEY);\n", "0002_name.sql": "ALTER TABLE items ADD COLUMN name TEXT;\n" });
  write("streams", { "0001_events.sql": "CREATE TABLE events(id INTEGER PRIMARY KEY);\n" });
  turso = await startTursoHarness();
  for (const t of ["acme", "globex", "streams", "outsider"]) dbs[t] = await turso.createDatabase("myorg", "tenants", `app-${t}`);
}, 60_000);
afterAll(async () => {
  await turso?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("managed migrations: a database per tenant", () => {
  it("applies the tenant files to each tenant's database and the shared files to the shared one, each with its own ledger", async () => {
    const run = await runCommand(targetsOf(["acme", "globex", "streams"]));
    expect(run.code, run.stderr + run.stdout).toBe(0);
    for (const t of ["acme", "globex"]) {
      expect(await sql(t, "SELECT name FROM pragma_table_info('items') ORDER BY cid")).toEqual([["id"], ["name"]]);
      expect(await sql(t, "SELECT name FROM _libsql_stack_migrations ORDER BY id")).toEqual([["0001_items.sql"], ["0002_name.sql"]]);
    }
    expect(await sql("streams", "SELECT name FROM _libsql_stack_migrations")).toEqual([["0001_events.sql"]]);
    expect(await sql("streams", "SELECT count(*) FROM sqlite_master WHERE name = 'items'")).toEqual([[0]]);
    // The database that is no target was never touched.
    expect(await sql("outsider", "SELECT count(*) FROM sqlite_master")).toEqual([[0]]);
  }, 120_000);

  it("a re-run applies nothing; a target missing from DATABASE_TARGETS is refused before anything runs", async () => {
    const again = await runCommand(targetsOf(["acme", "globex", "streams"]));
    expect(again.code, again.stderr).toBe(0);
    expect(await sql("acme", "SELECT count(*) FROM _libsql_stack_migrations")).toEqual([[2]]);
    const missing = await runCommand(targetsOf(["acme", "streams"]));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/DATABASE_TARGETS has no valid \{url, token\} for globex/);
    expect(missing.stderr).not.toContain(dbs.acme!.rw);
  }, 120_000);

  it("a token of another database cannot migrate this one: the run fails and the database is unchanged", async () => {
    write("tenant", { "0003_more.sql": "ALTER TABLE items ADD COLUMN more TEXT;\n" });
    try {
      const wrong = await runCommand({ ...targetsOf(["acme", "streams"]), globex: { url: dbs.globex!.url, token: dbs.acme!.rw } });
      expect(wrong.code).toBe(1);
      expect(await sql("globex", "SELECT count(*) FROM _libsql_stack_migrations")).toEqual([[2]]);
    } finally {
      rmSync(join(dir, "tenant", "0003_more.sql"));
    }
  }, 180_000);

  it("npm run migrate --stack refuses a managed stack with a database per tenant (one --auth-token reaches one database)", async () => {
    const config = join(dir, "Pulumi.tenants.yaml");
    writeFileSync(config, [
      "config:",
      "  libsql-stack:mode: managed",
      "  libsql-stack:turso: {org: myorg, location: aws-eu-west-1, database: app}",
      "  libsql-stack:tenants: [acme, globex]",
      "  libsql-stack:migrations: {dir: examples/migrations/tenant}",
      "",
    ].join("\n"));
    const r = await runProcess(process.execPath, ["--import", "tsx", "scripts/migrate.ts", "--stack", "tenants", "--config", config], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_AUTH_TOKEN: dbs.acme!.rw },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stack tenants has a Turso database per tenant; `pulumi up` migrates each/);
    expect(await sql("globex", "SELECT count(*) FROM _libsql_stack_migrations")).toEqual([[2]]);
  }, 60_000);
});
