/**
 * Managed mode with a Turso database per tenant: the stack's migrations Command path (scripts/migrate.ts --from-env
 * with MIGRATION_PLAN and DATABASE_TARGETS, as infra/migrations/command.ts sets them) against the Turso API double
 * whose databases are real sqld (local/turso-harness.ts). Each database keeps its own ledger table, as the managed
 * database always did; a database that is no target is never touched. Then `npm run migrate -- --stack` of such a
 * stack, which runs the same migrator with the tokens of the stack output tursoDatabases.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plannedMigrations } from "../../infra/migrations/command";
import { migrationPlan } from "../../infra/migrations/sets";
import { engineBin } from "../../local/engine";
import { importedStacks, type ImportedStacks } from "../../local/imported-stack";
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
async function sqlOn(db: { url: string; token: string }, statement: string): Promise<unknown[][]> {
  const r = await runProcess(process.execPath, ["-e", SQL], { cwd: REPO, env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: turso.caFile, U: db.url, T: db.token, SQL: statement } });
  if (r.code !== 0) throw new Error(`${db.url}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[][];
}
const sql = (tenant: string, statement: string) => sqlOn({ url: dbs[tenant]!.url, token: dbs[tenant]!.ro }, statement);

function write(sub: string, files: Record<string, string>): string {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

type Targets = Record<string, { url: string; token: string }>;
type ManagedMigrations = { dir: string; shared?: { namespace: string; dir: string }[] };

/** The migrations Command of a managed stack with tenants acme and globex (and, by default, the shared namespace streams). */
async function runCommand(targets: Targets, migrations: ManagedMigrations = { dir: join(dir, "tenant"), shared: [{ namespace: "streams", dir: join(dir, "streams") }] }) {
  const cfg = { mode: "managed" as const, tenants: ["acme", "globex"], migrations };
  const plan = migrationPlan(cfg, dir);
  if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
  return runProcess(process.execPath, ["--import", "tsx", "scripts/migrate.ts", "--from-env"], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_EXTRA_CA_CERTS: turso.caFile,
      DATABASE_URL: Object.values(targets)[0]!.url,
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
});

// `npm run migrate -- --stack` of a managed stack: the tokens come from the deployed stack's output tursoDatabases
// (read with the real Pulumi CLI from a file backend holding imported outputs), the run is the Command's.
describe.skipIf(!engineBin())("npm run migrate -- --stack <managed stack with a database per tenant>", () => {
  let stacks: ImportedStacks;
  let config: string;
  let cliDir: string;
  const cli: Record<string, TenantDatabase> = {};
  const cliTargets = (): Targets => ({ acme: { url: cli.acme!.url, token: cli.acme!.rw }, globex: { url: cli.globex!.url, token: cli.globex!.rw } });
  const ledger = (t: string) => sqlOn({ url: cli[t]!.url, token: cli[t]!.ro }, "SELECT name FROM _libsql_stack_migrations ORDER BY id");
  const lineOf = (stdout: string, namespace: string) => stdout.split("\n").find((l) => l.includes(`"namespace":"${namespace}"`));

  function runCli(stack: string, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) {
    const env: NodeJS.ProcessEnv = { ...stacks.env, NODE_EXTRA_CA_CERTS: turso.caFile, ...extraEnv };
    if (extraEnv.DATABASE_AUTH_TOKEN === undefined) delete env.DATABASE_AUTH_TOKEN;
    return runProcess(process.execPath, ["--import", "tsx", join(REPO, "scripts/migrate.ts"), "--stack", stack, "--config", config, ...args], { cwd: stacks.dir, env });
  }

  beforeAll(async () => {
    cliDir = write("cli-tenant", { "0001_items.sql": "CREATE TABLE items(id INTEGER PRIMARY KEY);\n", "0002_name.sql": "ALTER TABLE items ADD COLUMN name TEXT;\n" });
    for (const t of ["acme", "globex"]) cli[t] = await turso.createDatabase("myorg", "tenants", `cli-${t}`);
    stacks = importedStacks("managed-migrate-cli");
    config = join(stacks.dir, "Pulumi.tenants.yaml");
    writeFileSync(config, [
      "config:",
      "  libsql-stack:mode: managed",
      "  libsql-stack:turso: {org: myorg, location: aws-eu-west-1, database: app}",
      "  libsql-stack:tenants: [globex, acme]",
      `  libsql-stack:migrations: {dir: ${JSON.stringify(cliDir)}}`,
      "",
    ].join("\n"));
    // As the program exports it: every database's URL and full-access token (stacks/program.ts tursoDatabases).
    stacks.importStack("tenants", { mode: "managed", databaseUrl: cli.globex!.url, tursoDatabases: cliTargets() });
    stacks.importStack("older", { mode: "managed", databaseUrl: cli.globex!.url });
  }, 120_000);
  afterAll(() => stacks?.cleanup());

  it("migrates each tenant's database with its own token, each keeping its own ledger; --status reads them", async () => {
    const run = await runCli("tenants");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n").map((l) => JSON.parse(l) as { namespace: string; ok: boolean; applied: string[] })).toEqual([
      { namespace: "acme", ok: true, appliedCount: 2, applied: ["0001_items.sql", "0002_name.sql"] },
      { namespace: "globex", ok: true, appliedCount: 2, applied: ["0001_items.sql", "0002_name.sql"] },
    ]);
    for (const t of ["acme", "globex"]) expect(await ledger(t)).toEqual([["0001_items.sql"], ["0002_name.sql"]]);
    const status = await runCli("tenants", ["--status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({
      acme: { applied: ["0001_items.sql", "0002_name.sql"], pending: [] },
      globex: { applied: ["0001_items.sql", "0002_name.sql"], pending: [] },
    });
  }, 120_000);

  it("a file failing in one database fails the run and is reported as the migrations Command reports it", async () => {
    write("cli-tenant", { "0003_tags.sql": "CREATE TABLE tags(id INTEGER PRIMARY KEY);\n" });
    // globex already has a `tags` table of its own: 0003 fails there, only there.
    await sqlOn({ url: cli.globex!.url, token: cli.globex!.rw }, "CREATE TABLE tags(x)");
    const byCli = await runCli("tenants");
    expect(byCli.code).toBe(1);
    expect(JSON.parse(lineOf(byCli.stdout, "globex")!)).toMatchObject({ ok: false, failedFile: "0003_tags.sql", blocking: true, error: expect.stringMatching(/tags already exists/) });
    expect(await ledger("acme")).toEqual([["0001_items.sql"], ["0002_name.sql"], ["0003_tags.sql"]]);
    expect(await ledger("globex")).toEqual([["0001_items.sql"], ["0002_name.sql"]]);
    const byCommand = await runCommand(cliTargets(), { dir: cliDir });
    expect(byCommand.code).toBe(1);
    expect(lineOf(byCommand.stdout, "globex")).toBe(lineOf(byCli.stdout, "globex"));
    const failure = (stderr: string) => stderr.split("\n").find((l) => l.startsWith("  - globex: "));
    expect(failure(byCli.stderr)).toMatch(/^ {2}- globex: 0003_tags\.sql failed: .*tags already exists/);
    expect(failure(byCommand.stderr)).toBe(failure(byCli.stderr));
  }, 180_000);

  it("a token passed by hand is refused (it reaches one database); a stack deployed before tursoDatabases says to run pulumi up", async () => {
    const byHand = await runCli("tenants", [], { DATABASE_AUTH_TOKEN: cli.acme!.rw });
    expect(byHand.code).toBe(2);
    expect(byHand.stderr).toMatch(/stack tenants has a Turso database per tenant and one token reaches one database/);
    expect(byHand.stderr).not.toContain(cli.acme!.rw);
    const older = await runCli("older");
    expect(older.code).toBe(2);
    expect(older.stderr).toMatch(/stack older has no tursoDatabases output \(deployed by an earlier version\): run pulumi up --stack older once/);
  }, 120_000);
});
