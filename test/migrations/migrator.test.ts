/**
 * The migrator against REAL sqld (started from the dev stack's fly.toml), with the example schema: every file
 * once per namespace, in order, each atomically with its marker and recorded in the central ledger; refusals name
 * the file and the namespace. (Tenants tampering with their namespaces: tampering.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrationStatus } from "../../infra/migrations/migrator";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import {
  createNamespaces,
  createStackNamespaces,
  EXAMPLE_TENANT_DIR,
  ledgerRows,
  loadFiles,
  namespaceClient,
  recordedNames,
  scratchDir,
  selfHostedOptions,
  tablesOf,
  targets,
} from "../support/migrations";

let cluster: LocalSqldCluster;
const scratch = scratchDir(EXAMPLE_TENANT_DIR);
const EXAMPLE_NAMES = ["0001_nodes.sql", "0002_points.sql", "0003_events.sql"];

beforeAll(async () => {
  cluster = await startStackSqld("dev");
  await createStackNamespaces(cluster, ["acme", "globex", "initech", "umbrella"]);
});
afterAll(async () => {
  await cluster?.close();
  scratch.cleanup();
});

describe("migrations on real sqld", () => {
  it("gives fresh tenants every file, in order, each recorded with its checksum", async () => {
    const files = loadFiles(scratch.dir);
    const run = await migrate(targets(["acme", "globex", "initech"], files), selfHostedOptions(cluster));
    expect(run.failed).toEqual([]);
    for (const r of run.results) expect(r).toEqual({ namespace: r.namespace, ok: true, applied: EXAMPLE_NAMES });
    for (const ns of ["acme", "globex", "initech"]) {
      expect(await tablesOf(cluster, ns)).toEqual(["_libsql_stack_migrations", "events", "events_touch_node", "nodes", "points"]);
      expect(await recordedNames(cluster, ns)).toEqual(EXAMPLE_NAMES);
    }
    const client = await namespaceClient(cluster, "acme");
    const rows = (await client.execute("SELECT id, name, sha256, applied_at FROM _libsql_stack_migrations ORDER BY id")).rows;
    client.close();
    expect(rows.map((r) => [r.id, r.name, r.sha256])).toEqual(files.map((f) => [f.id, f.name, f.sha256]));
    expect(String(rows[0]!.applied_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The central ledger, not the namespace, is what says "applied".
    const central = (await ledgerRows(cluster)).filter((r) => r.namespace === "acme");
    expect(central.map((r) => [r.id, r.name, r.sha256, r.state])).toEqual(files.map((f) => [f.id, f.name, f.sha256, "applied"]));
    expect(String(central[0]!.updated_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("applies nothing on a re-run, and the example's trigger works (the trigger body's BEGIN/END ran as one statement)", async () => {
    const run = await migrate(targets(["acme", "globex", "initech"], loadFiles(scratch.dir)), selfHostedOptions(cluster));
    expect(run.results.map((r) => [r.namespace, r.ok, r.applied])).toEqual([
      ["acme", true, []],
      ["globex", true, []],
      ["initech", true, []],
    ]);
    const client = await namespaceClient(cluster, "acme");
    await client.batch(["INSERT INTO nodes (id, name) VALUES ('n1', 'first')", "INSERT INTO events (node_id, at, kind) VALUES ('n1', 42, 'boot')"], "write");
    expect((await client.execute("SELECT last_event_at FROM nodes WHERE id = 'n1'")).rows[0]?.last_event_at).toBe(42);
    client.close();
  });

  it("applies a new file everywhere exactly once, and gives a new tenant every file", async () => {
    scratch.write("0004_node_labels.sql", "ALTER TABLE nodes ADD COLUMN label TEXT;\nCREATE INDEX nodes_by_label ON nodes (label);\n");
    const files = loadFiles(scratch.dir);
    const first = await migrate(targets(["acme", "globex", "initech", "umbrella"], files), selfHostedOptions(cluster));
    expect(first.results.map((r) => [r.namespace, r.applied])).toEqual([
      ["acme", ["0004_node_labels.sql"]],
      ["globex", ["0004_node_labels.sql"]],
      ["initech", ["0004_node_labels.sql"]],
      ["umbrella", [...EXAMPLE_NAMES, "0004_node_labels.sql"]],
    ]);
    const again = await migrate(targets(["acme", "globex", "initech", "umbrella"], files), selfHostedOptions(cluster));
    expect(again.results.every((r) => r.ok && r.applied.length === 0)).toBe(true);
    expect(await recordedNames(cluster, "umbrella")).toEqual([...EXAMPLE_NAMES, "0004_node_labels.sql"]);
  });

  it("reports status as applied/pending without changing anything", async () => {
    scratch.write("0005_node_notes.sql", "ALTER TABLE nodes ADD COLUMN notes TEXT;\n");
    const status = await migrationStatus(targets(["acme", "umbrella"], loadFiles(scratch.dir)), selfHostedOptions(cluster));
    const applied = [...EXAMPLE_NAMES, "0004_node_labels.sql"];
    expect(status).toEqual({ acme: { applied, pending: ["0005_node_notes.sql"] }, umbrella: { applied, pending: ["0005_node_notes.sql"] } });
    expect(await recordedNames(cluster, "acme")).toEqual(applied);
  });

  it("refuses a namespace whose applied file changed, naming the file and the namespace, and applies nothing there", async () => {
    const files = loadFiles(scratch.dir).map((f) => (f.name === "0002_points.sql" ? { ...f, sha256: "0".repeat(64) } : f));
    const run = await migrate(targets(["acme", "umbrella"], files), selfHostedOptions(cluster));
    // The ledger records it, and no tenant can change the ledger: this is the operator's doing, and stops the run.
    expect(run.ok).toBe(false);
    expect(run.stopped?.stage).toBe("ledger");
    expect(run.failed.map((f) => [f.namespace, f.blocking])).toEqual([
      ["acme", true],
      ["umbrella", true],
    ]);
    expect(run.failed[0]!.error).toMatch(/0002_points\.sql changed after it was applied to namespace acme/);
    expect(await recordedNames(cluster, "acme")).not.toContain("0005_node_notes.sql");
  });

  it("leaves a tenant whose file fails at its previous version (no half-applied file), migrates the others, and does not fail the run", async () => {
    // globex already has a table the new file creates: its second statement fails there only (the canary passed).
    const globex = await namespaceClient(cluster, "globex");
    await globex.execute("CREATE TABLE audit (x)");
    globex.close();
    scratch.write("0006_audit.sql", "CREATE TABLE node_tags (node_id TEXT NOT NULL, tag TEXT NOT NULL);\nCREATE TABLE audit (at INTEGER, what TEXT);\nINSERT INTO audit VALUES (1, 'created');\n");
    const run = await migrate(targets(["acme", "globex", "initech", "missing-tenant"], loadFiles(scratch.dir)), selfHostedOptions(cluster, { attempts: 2 }));
    expect(run.ok).toBe(true);
    expect(run.stopped).toBeUndefined();
    expect(run.failed.map((f) => [f.namespace, f.failedFile, f.blocking])).toEqual([
      ["globex", "0006_audit.sql", false],
      ["missing-tenant", undefined, false],
    ]);
    const globexFailure = run.failed[0]!;
    expect(globexFailure.applied).toEqual(["0005_node_notes.sql"]);
    expect(globexFailure.error).toMatch(/audit already exists/);
    expect(await recordedNames(cluster, "globex")).toEqual([...EXAMPLE_NAMES, "0004_node_labels.sql", "0005_node_notes.sql"]);
    expect(await tablesOf(cluster, "globex")).not.toContain("node_tags");
    for (const ns of ["acme", "initech"]) {
      expect(await recordedNames(cluster, ns)).toContain("0006_audit.sql");
      expect(await tablesOf(cluster, ns)).toEqual(expect.arrayContaining(["audit", "node_tags"]));
    }
  });

  it("does not record a file that ends the migrator's transaction itself", async () => {
    await createNamespaces(cluster, ["txn-test"]);
    const files = [{ id: 1, name: "0001_commits.sql", sha256: "a".repeat(64), sql: "CREATE TABLE early (x);\nCOMMIT;\nCREATE TABLE late (x);\n" }];
    const run = await migrate(targets(["txn-test"], files), selfHostedOptions(cluster));
    // It fails on its own merits, in the canary: the run stops and the tenant is not touched.
    expect(run.ok).toBe(false);
    expect(run.stopped).toMatchObject({ stage: "canary", failedFile: "0001_commits.sql", error: expect.stringMatching(/0001_commits.sql ended the migrator.s transaction/) });
    expect(run.failed).toEqual([expect.objectContaining({ namespace: "txn-test", skipped: true, applied: [] })]);
    expect(await tablesOf(cluster, "txn-test")).toEqual([]);
    // What the COMMIT left committed in the canary is dropped by the next run's canary, which then passes.
    const next = await migrate(targets(["txn-test"], loadFiles(EXAMPLE_TENANT_DIR)), selfHostedOptions(cluster));
    expect(next.results).toEqual([{ namespace: "txn-test", ok: true, applied: EXAMPLE_NAMES }]);
  });
});

describe("two migrators at once", () => {
  it("apply each file once per namespace (the record is re-read under the write lock)", async () => {
    await createNamespaces(cluster, ["race-a", "race-b"]);
    const files = loadFiles(EXAMPLE_TENANT_DIR);
    const [one, two] = await Promise.all([
      migrate(targets(["race-a", "race-b"], files), selfHostedOptions(cluster)),
      migrate(targets(["race-b", "race-a"], files), selfHostedOptions(cluster)),
    ]);
    expect([...one.failed, ...two.failed]).toEqual([]);
    for (const ns of ["race-a", "race-b"]) {
      const applied = [...one.results, ...two.results].filter((r) => r.namespace === ns).flatMap((r) => r.applied);
      expect(applied.sort()).toEqual(EXAMPLE_NAMES);
      expect(await recordedNames(cluster, ns)).toEqual(EXAMPLE_NAMES);
    }
  });
});
