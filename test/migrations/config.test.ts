/**
 * `migrations.*` config: the files are read at plan time and every mistake is one problem naming the key and the
 * file; the plan CLI exits 2 with those lines. No server involved.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config/parse";
import { migrationPlan } from "../../infra/migrations/sets";
import { ROOT, scratchDir } from "../support/migrations";

const selfHosted = (extra: Record<string, unknown> = {}) => ({
  mode: "self-hosted",
  fly: { org: "acme", app: "acme-sqld" },
  regions: [{ code: "ams", role: "primary" }],
  tenants: ["acme", "globex"],
  ...extra,
});

const dirs: { cleanup(): void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

/** A project dir with `m/` holding the given files. */
function project(files: Record<string, string>) {
  const s = scratchDir();
  dirs.push(s);
  for (const [name, sql] of Object.entries(files)) s.write(name, sql);
  return { projectDir: join(s.dir, ".."), dir: "migrations" };
}

const problemsOf = (raw: Record<string, unknown>, projectDir: string) => {
  const result = parseStackConfig(raw, { stack: "dev", projectDir });
  return result.ok ? [] : result.problems;
};

describe("migrations config problems name the key and the file", () => {
  const ok = "CREATE TABLE t (x);\n";
  it.each([
    ["a gap", { "0001_a.sql": ok, "0003_c.sql": ok }, /^libsql-stack:migrations\.dir migrations\/0003_c\.sql: number 0002 is missing \(after 0001_a\.sql\)/],
    ["a duplicate number", { "0001_a.sql": ok, "0001_b.sql": ok }, /^libsql-stack:migrations\.dir migrations\/0001_b\.sql has the same number as migrations\/0001_a\.sql/],
    ["no 0001", { "0002_b.sql": ok }, /migrations\/0002_b\.sql: number 0001 is missing \(the first migration must be 0001\)/],
    ["an empty file", { "0001_a.sql": "-- nothing yet\n  \n" }, /^libsql-stack:migrations\.dir migrations\/0001_a\.sql is empty/],
    ["a badly named .sql", { "0001_a.sql": ok, "2_b.sql": ok }, /migrations\/2_b\.sql is not named NNNN_name\.sql/],
    ["transaction control", { "0001_a.sql": "CREATE TABLE t (x);\nCOMMIT;\n" }, /migrations\/0001_a\.sql line 2: COMMIT is not allowed/],
  ])("%s", (_title, files, expected) => {
    const p = project(files);
    const problems = problemsOf(selfHosted({ migrations: { dir: p.dir } }), p.projectDir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it("an unreadable or missing configured dir", () => {
    const p = project({ "0001_a.sql": ok });
    expect(problemsOf(selfHosted({ migrations: { dir: "nope" } }), p.projectDir)).toEqual(["libsql-stack:migrations.dir directory nope cannot be read (ENOENT)"]);
    expect(problemsOf(selfHosted({ migrations: { dir: "migrations/0001_a.sql" } }), p.projectDir)).toEqual([
      "libsql-stack:migrations.dir directory migrations/0001_a.sql cannot be read (ENOTDIR)",
    ]);
    if (process.getuid?.() !== 0) {
      chmodSync(join(p.projectDir, p.dir), 0o000);
      expect(problemsOf(selfHosted({ migrations: { dir: p.dir } }), p.projectDir)).toEqual(["libsql-stack:migrations.dir directory migrations cannot be read (EACCES)"]);
      chmodSync(join(p.projectDir, p.dir), 0o755);
    }
  });

  it("unknown or clashing shared namespaces", () => {
    const p = project({ "0001_a.sql": ok });
    const shared = (namespace: string) => ({ migrations: { shared: [{ namespace, dir: p.dir }] } });
    // Managed: a shared namespace is a Turso database of its own (infra/config/turso-databases.ts).
    expect(problemsOf({ mode: "managed", turso: { org: "o", location: "aws-eu-west-1", database: "db" }, ...shared("streams") }, p.projectDir)).toEqual([]);
    expect(problemsOf({ mode: "managed", turso: { org: "o", location: "aws-eu-west-1", database: "db" }, tenants: ["streams"], ...shared("streams") }, p.projectDir)[0]).toMatch(/"streams" is a tenant/);
    expect(problemsOf(selfHosted(shared("acme")), p.projectDir)[0]).toMatch(/^libsql-stack:migrations\.shared\[0\]\.namespace "acme" is a tenant/);
    expect(problemsOf(selfHosted(shared("Bad_Name")), p.projectDir)[0]).toMatch(/^libsql-stack:migrations\.shared\[0\]\.namespace "Bad_Name" is not a namespace name/);
    const twice = { migrations: { shared: [{ namespace: "streams", dir: p.dir }, { namespace: "streams", dir: p.dir }] } };
    expect(problemsOf(selfHosted(twice), p.projectDir)).toEqual(['libsql-stack:migrations.shared[1].namespace "streams" is listed twice; give each shared namespace one entry']);
    expect(problemsOf(selfHosted({ migrations: { shared: [{ namespace: "streams", dir: "missing" }] } }), p.projectDir)).toEqual([
      "libsql-stack:migrations.shared[0].dir directory missing cannot be read (ENOENT)",
    ]);
  });

  it("the migrator's own namespaces cannot be a tenant or a shared namespace", () => {
    const p = project({ "0001_a.sql": ok });
    expect(problemsOf(selfHosted({ migrations: { dir: p.dir, shared: [{ namespace: "_libsql_stack_ledger", dir: p.dir }] } }), p.projectDir)).toEqual([
      'libsql-stack:migrations.shared[0].namespace "_libsql_stack_ledger" is reserved for the stack\'s migration ledger; pick another name',
    ]);
    expect(problemsOf(selfHosted({ tenants: ["acme", "_libsql_stack_canary"] }), p.projectDir)).toEqual([
      'libsql-stack:tenants[1] "_libsql_stack_canary" is reserved for the stack\'s migration canary; pick another name',
    ]);
  });

  it("counts the ledger and canary among the namespaces sqld must hold open, when the stack has migrations", () => {
    const withFiles = project({ "0001_a.sql": ok }); // migrations/ next to Pulumi.yaml: the default dir
    const without = scratchDir();
    dirs.push(without);
    rmSync(without.dir, { recursive: true });
    const limit = (maxActiveNamespaces: number, projectDir: string) => problemsOf(selfHosted({ sqld: { maxActiveNamespaces } }), projectDir);
    // acme, globex, default, and with migrations _libsql_stack_canary and _libsql_stack_ledger.
    expect(limit(5, withFiles.projectDir)).toEqual([]);
    expect(limit(4, withFiles.projectDir)).toEqual([
      "libsql-stack:sqld.maxActiveNamespaces 4 is below the 5 namespaces sqld holds (tenants, migrations.shared, default and the migration ledger and canary): sqld would keep evicting them, and requests to an evicted namespace fail while it closes; set it to at least 5, or remove it for the default",
    ]);
    expect(limit(3, join(without.dir, ".."))).toEqual([]);
  });
});

describe("plan CLI", () => {
  it("exits 2 with one line per problem naming the key and the file", () => {
    const s = scratchDir();
    dirs.push(s);
    s.write("0001_a.sql", "CREATE TABLE t (x);\n");
    s.write("0003_c.sql", "");
    const configPath = join(s.dir, "..", "Pulumi.bad.yaml");
    writeFileSync(
      configPath,
      `config:\n  libsql-stack:mode: self-hosted\n  libsql-stack:fly: {org: personal, app: acme-sqld-bad}\n  libsql-stack:regions: [{code: ams, role: primary}]\n  libsql-stack:tenants: [acme]\n  libsql-stack:migrations: {dir: ${s.dir}}\n`,
    );
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", "--stack", "bad", "--config", configPath], { cwd: ROOT, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      `libsql-stack:migrations.dir ${s.dir}/0003_c.sql is empty (no SQL statement); delete it or add the migration's statements`,
      `libsql-stack:migrations.dir ${s.dir}/0003_c.sql: number 0002 is missing (after 0001_a.sql); numbers must have no gaps`,
    ]);
  });
});
