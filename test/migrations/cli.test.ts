/**
 * `npm run migrate` (scripts/migrate.ts) as a process against REAL sqld, and the stack's own `migrations` Command:
 * its planned `create` and environment run as pulumi-command would run them, with only the URL and the key local.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byName, planStack } from "../../local/plan";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createStackNamespaces, EXAMPLE_TENANT_DIR, recordedNames, ROOT, scratchDir, tablesOf } from "../support/migrations";

let cluster: LocalSqldCluster;
const scratch = scratchDir(EXAMPLE_TENANT_DIR);
const keyFile = join(scratch.dir, "..", "key.pem");
const NAMES = ["0001_nodes.sql", "0002_points.sql", "0003_events.sql"];

beforeAll(async () => {
  cluster = await startStackSqld("dev");
  await createStackNamespaces(cluster, ["acme", "globex", "initech", "streams"]);
  writeFileSync(keyFile, cluster.keys.privateKeyPem);
});
afterAll(async () => {
  await cluster?.close();
  scratch.cleanup();
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/migrate.ts", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** stdout of a migration run: one JSON object per line. */
const jsonLines = (stdout: string) => stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);

const urlArgs = (tenants: string, extra: string[] = []) => ["--url", cluster.primary.httpUrl, "--key-file", keyFile, "--tenants", tenants, "--dir", scratch.dir, ...extra];

describe("npm run migrate --url", () => {
  it("prints status as JSON, migrates, and then shows nothing pending", async () => {
    const before = await run(urlArgs("acme,globex", ["--status"]));
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toEqual({ acme: { applied: [], pending: NAMES }, globex: { applied: [], pending: NAMES } });
    const migrated = await run(urlArgs("acme,globex", ["--concurrency", "2"]));
    expect(migrated.code).toBe(0);
    // JSON Lines: one object per namespace (scripts/lib/migrate-output.ts)
    expect(jsonLines(migrated.stdout)).toEqual([
      { namespace: "acme", ok: true, appliedCount: NAMES.length, applied: NAMES },
      { namespace: "globex", ok: true, appliedCount: NAMES.length, applied: NAMES },
    ]);
    const after = await run(urlArgs("acme,globex", ["--status"]));
    expect(JSON.parse(after.stdout)).toEqual({ acme: { applied: NAMES, pending: [] }, globex: { applied: NAMES, pending: [] } });
  });

  it("exits 3 and names the tenants left behind when a tenant fails on its own (the canary passed)", async () => {
    const result = await run(urlArgs("acme,no-such-tenant"));
    expect(result.code).toBe(3);
    expect(jsonLines(result.stdout)[0]).toEqual({ namespace: "acme", ok: true, appliedCount: 0, applied: [] });
    expect(jsonLines(result.stdout)[1]).toMatchObject({ namespace: "no-such-tenant", ok: false, blocking: false, appliedCount: 0, error: expect.stringMatching(/404/) });
    expect(result.stderr).toMatch(/1 of 2 tenant namespaces failed on their own after the canary passed; .*\n {2}- no-such-tenant: /);
  });

  it("exits 1 before any tenant when a file fails in the canary, printing why first", async () => {
    const broken = scratchDir(EXAMPLE_TENANT_DIR);
    try {
      broken.write("0004_broken.sql", "CREATE TABLE fine (x);\nCREATE TABLE broken (x,);\n");
      const result = await run(["--url", cluster.primary.httpUrl, "--key-file", keyFile, "--tenants", "acme,globex", "--dir", broken.dir]);
      expect(result.code).toBe(1);
      const [stopped, ...tenants] = jsonLines(result.stdout);
      expect(stopped).toMatchObject({ stopped: "canary", ok: false, failedFile: "0004_broken.sql", error: expect.stringMatching(/syntax error/) });
      expect(tenants.map((t) => [t.namespace, t.skipped])).toEqual([
        ["acme", true],
        ["globex", true],
      ]);
      expect(result.stderr).toMatch(/migrate: STOPPED before 2 namespace\(s\) \(canary\): 0004_broken\.sql failed in the canary/);
      expect(await tablesOf(cluster, "acme")).not.toContain("fine");
    } finally {
      broken.cleanup();
    }
  });

  it.each([
    [["--url", "http://127.0.0.1:1", "--tenants", "a", "--dir", "x"], /exactly one of --key-file and --auth-token/],
    [["--stack", "dev", "--url", "http://x"], /exactly one of --stack and --url/],
    [["--url", "ftp://x", "--auth-token", "t", "--dir", "x"], /invalid --url/],
    [["--url", "http://127.0.0.1:1", "--auth-token", "t", "--tenants", "Bad!", "--dir", "examples/migrations/tenant"], /invalid tenant "Bad!"/],
    [["--url", "http://127.0.0.1:1", "--auth-token", "t", "--dir", "no/such/dir"], /directory no\/such\/dir cannot be read/],
    [["--stack", "dev", "--tenant", "nobody"], /unknown namespace --tenant nobody/],
    [["--bogus"], /Unknown option '--bogus'/],
  ])("exits 2 for bad arguments: %j", async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  });
});

describe("the stack's migrations Command, run as planned", () => {
  async function plannedCommand() {
    const plan = await planStack("migrations", {}, "examples/Pulumi.migrations.yaml");
    const command = byName(plan, "migrations");
    const env = command.inputs.environment as Record<string, string>;
    return { create: String(command.inputs.create), env: { ...env, DATABASE_URL: cluster.primary.httpUrl, JWT_PRIVATE_KEY: cluster.keys.privateKeyPem } };
  }

  it("migrates every tenant and the shared namespace with scoped tokens, then re-runs as a no-op", async () => {
    const { create, env } = await plannedCommand();
    expect(create.split(" ").slice(2)).toEqual(["tsx", "scripts/migrate.ts", "--from-env"]);
    const first = await run(["--from-env"], env);
    expect(first.stderr).toContain("initech: ok, applied 0001_nodes.sql, 0002_points.sql, 0003_events.sql");
    expect(first.code).toBe(0);
    expect(await recordedNames(cluster, "initech")).toEqual(NAMES);
    expect(await tablesOf(cluster, "streams")).toEqual(["_libsql_stack_migrations", "streams"]);
    const again = await run(["--from-env"], env);
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout).every((r) => r.appliedCount === 0)).toBe(true);
  });

  it("refuses to run when the files on disk are not the ones the plan hashed", async () => {
    const { env } = await plannedCommand();
    const planned = JSON.parse((env as Record<string, string>).MIGRATION_PLAN!) as { sets: { files: { sha256: string }[] }[] };
    planned.sets[0]!.files[0]!.sha256 = "f".repeat(64);
    const result = await run(["--from-env"], { ...env, MIGRATION_PLAN: JSON.stringify(planned) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/examples\/migrations\/tenant \(migrations\.dir\) changed since the plan was made/);
  });
});
