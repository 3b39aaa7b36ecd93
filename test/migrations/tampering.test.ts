/**
 * Hostile tenants vs the migrations (issue 15 item 4), on REAL sqld from the dev stack's fly.toml. Each tenant
 * tampers with its own namespace using its own `rw` token, minted as the gateway's /v1/tenants/:t/token mints it
 * (worker/jwt.ts mintScopedToken): the next run must still give every other tenant its files, must not fail, must
 * name the tenants left behind, and must leave the central ledger's records of the others as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../infra/migrations/migrator";
import { CANARY_NAMESPACE, LEDGER_NAMESPACE } from "../../infra/migrations/stack-namespaces";
import { buildScopedClaims } from "../../worker/claims";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { executeRaw, scopedToken } from "../../local/sqld/tenant-client";
import { createStackNamespaces, EXAMPLE_TENANT_DIR, ledgerRows, loadFiles, namespaceClient, recordedNames, scratchDir, selfHostedOptions, tablesOf, targets } from "../support/migrations";

let cluster: LocalSqldCluster;
const scratch = scratchDir(EXAMPLE_TENANT_DIR);
const EXAMPLE_NAMES = ["0001_nodes.sql", "0002_points.sql", "0003_events.sql"];
const LABELS = "0004_labels.sql";
const TENANTS = ["acme", "clean", "globex", "hooli", "initech", "umbrella", "vandal"];

/** Runs SQL in `tenant`'s namespace with the tenant's own token (what a tenant can do with the gateway's token). */
async function asTenant(tenant: string, statements: string[]): Promise<void> {
  const client = await namespaceClient(cluster, tenant);
  try {
    for (const sql of statements) await client.execute(sql);
  } finally {
    client.close();
  }
}

const rowsOf = async (namespaces: string[]) => (await ledgerRows(cluster)).filter((r) => namespaces.includes(String(r.namespace)));

beforeAll(async () => {
  cluster = await startStackSqld("dev");
  await createStackNamespaces(cluster, TENANTS);
  const first = await migrate(targets(TENANTS, loadFiles(scratch.dir)), selfHostedOptions(cluster));
  if (!first.ok || first.failed.length > 0) throw new Error(`setup: ${JSON.stringify(first.failed)}`);
});
afterAll(async () => {
  await cluster?.close();
  scratch.cleanup();
});

describe("tenants tampering with their own namespace", () => {
  it("cannot make another tenant's migration or the run fail, and the tenants left behind are named", async () => {
    const before = await rowsOf(TENANTS);
    const pending = loadFiles(scratch.dir).length + 1;
    scratch.write(LABELS, "CREATE TABLE labels (node_id TEXT NOT NULL, label TEXT NOT NULL);\nCREATE INDEX labels_by_node ON labels (node_id);\n");
    const files = loadFiles(scratch.dir);
    const labels = files.find((f) => f.name === LABELS)!;
    expect(labels.id).toBe(pending);

    await asTenant("acme", ["DROP TABLE _libsql_stack_migrations"]);
    // Fake rows: the pending file "applied" (right name and sha256, a made-up nonce) and a file that never existed.
    await asTenant("globex", [
      `INSERT INTO _libsql_stack_migrations (id, name, sha256, applied_at, nonce) VALUES (${labels.id}, '${LABELS}', '${labels.sha256}', 'x', 'f00d')`,
      "INSERT INTO _libsql_stack_migrations (id, name, sha256, applied_at, nonce) VALUES (99, '0099_fake.sql', 'ab', 'x', 'beef')",
    ]);
    await asTenant("initech", ["DELETE FROM _libsql_stack_migrations"]);
    await asTenant("hooli", ["CREATE TABLE labels (x)"]);
    await asTenant("umbrella", [
      "CREATE TABLE _libsql_stack_ledger (namespace, id, name, sha256, state, nonce, updated_at)",
      `INSERT INTO _libsql_stack_ledger VALUES ('clean', ${labels.id}, '${LABELS}', '${labels.sha256}', 'applied', 'n', 'x')`,
    ]);
    await asTenant("vandal", ["CREATE TRIGGER no_markers BEFORE INSERT ON _libsql_stack_migrations BEGIN SELECT RAISE(ABORT, 'vandal says no'); END"]);

    const run = await migrate(targets(TENANTS, files), selfHostedOptions(cluster, { attempts: 2 }));
    expect(run.ok).toBe(true);
    expect(run.stopped).toBeUndefined();
    expect(run.failed.map((f) => [f.namespace, f.failedFile, f.blocking])).toEqual([
      ["hooli", LABELS, false],
      ["vandal", LABELS, false],
    ]);
    expect(run.failed[0]!.error).toMatch(/table labels already exists/);
    expect(run.failed[1]!.error).toMatch(/vandal says no/);
    for (const tenant of ["acme", "clean", "globex", "initech", "umbrella"]) {
      expect(run.results.find((r) => r.namespace === tenant), tenant).toEqual({ namespace: tenant, ok: true, applied: [LABELS] });
      expect(await tablesOf(cluster, tenant), tenant).toContain("labels");
    }
    // The ledger: what it held for everyone is unchanged; the new file is applied exactly where it ran.
    const after = await rowsOf(TENANTS);
    expect(after.filter((r) => Number(r.id) < labels.id)).toEqual(before);
    expect(after.filter((r) => Number(r.id) === labels.id).map((r) => [r.namespace, r.state])).toEqual([
      ["acme", "applied"],
      ["clean", "applied"],
      ["globex", "applied"],
      ["hooli", "applying"],
      ["initech", "applied"],
      ["umbrella", "applied"],
      ["vandal", "applying"],
    ]);
    // Their own records were not believed: the fake row was replaced, the deleted ones did not make files re-run.
    expect(await recordedNames(cluster, "globex")).toEqual([...EXAMPLE_NAMES, LABELS, "0099_fake.sql"]);
    expect(await recordedNames(cluster, "initech")).toEqual([LABELS]);
    expect(await tablesOf(cluster, "hooli")).not.toContain("labels_by_node");
  });

  it("tries a tenant left behind again on every run, and applies the file once the tenant's own obstacle is gone", async () => {
    const files = loadFiles(scratch.dir);
    const again = await migrate(targets(TENANTS, files), selfHostedOptions(cluster));
    expect(again.ok).toBe(true);
    expect(again.failed.map((f) => f.namespace)).toEqual(["hooli", "vandal"]);
    expect(again.results.filter((r) => r.ok).every((r) => r.applied.length === 0)).toBe(true);

    await asTenant("hooli", ["DROP TABLE labels"]);
    const fixed = await migrate(targets(TENANTS, files), selfHostedOptions(cluster));
    expect(fixed.results.find((r) => r.namespace === "hooli")).toEqual({ namespace: "hooli", ok: true, applied: [LABELS] });
    expect((await rowsOf(["hooli"])).map((r) => r.state)).toEqual(["applied", "applied", "applied", "applied"]);
  });

  it("a tenant that makes the migrator's requests hang is cut off after the request timeout; the others finish", async () => {
    // sqld has no statement timeout: a trigger on the marker table that computes for a long time holds the insert.
    await asTenant("vandal", [
      "DROP TRIGGER no_markers",
      "CREATE TRIGGER slow_markers BEFORE INSERT ON _libsql_stack_migrations BEGIN SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT x FROM c); END",
    ]);
    scratch.write("0005_notes.sql", "ALTER TABLE nodes ADD COLUMN notes TEXT;\n");
    const started = Date.now();
    const run = await migrate(targets(TENANTS, loadFiles(scratch.dir)), selfHostedOptions(cluster, { requestTimeoutMs: 1500 }));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(run.ok).toBe(true);
    expect(run.failed.map((f) => [f.namespace, f.failedFile, f.blocking])).toEqual([["vandal", LABELS, false]]);
    expect(run.failed[0]!.error).toMatch(/abort|timeout/i);
    expect(run.results.filter((r) => r.ok).map((r) => r.applied)).toEqual(TENANTS.slice(0, -1).map(() => ["0005_notes.sql"]));
    expect(await tablesOf(cluster, "vandal")).not.toContain("labels");
  });
});

describe("the ledger and canary namespaces, for a tenant's own token", () => {
  it.each(["ro", "rw"] as const)("acme's %s token cannot read or write them: 404 as for a namespace that does not exist, nothing changed", async (access) => {
    const token = await scopedToken(cluster.keys.privateKeyPem, "acme", access);
    const before = await ledgerRows(cluster);
    for (const namespace of [LEDGER_NAMESPACE, CANARY_NAMESPACE]) {
      for (const sql of ["SELECT * FROM _libsql_stack_ledger", "DELETE FROM _libsql_stack_ledger", "DROP TABLE _libsql_stack_ledger", "CREATE TABLE t (x)"]) {
        const reply = await executeRaw(cluster.primary.httpUrl, sql, { token, namespace });
        expect({ status: reply.status, text: reply.text }, `${namespace}: ${sql}`).toEqual({ status: 404, text: JSON.stringify({ error: `Namespace \`${namespace}\` doesn't exist` }) });
      }
    }
    expect(await ledgerRows(cluster)).toEqual(before);
    expect(before.length).toBeGreaterThan(0);
  });

  it("the gateway's token code refuses to scope a token to them at all", () => {
    for (const tenant of [LEDGER_NAMESPACE, CANARY_NAMESPACE]) {
      expect(() => buildScopedClaims({ tenant, access: "rw", ttlSeconds: 300, nowSeconds: 0 })).toThrow(/invalid tenant name/);
    }
  });
});
