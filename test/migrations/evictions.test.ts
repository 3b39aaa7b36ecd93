/**
 * sqld keeps only --max-active-namespaces namespaces open (default 100) and evicts the others asynchronously.
 * With more namespaces than that, real sqld 0.24.32 answered requests to existing namespaces with 404, 500
 * (checkpoint busy), STREAM_EXPIRED or "database is locked" while an evicted copy closed. The migrator retries
 * those (each file is one transaction with its record, so a retry never applies a file twice).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTransient, migrate, migrationStatus } from "../../infra/migrations/migrator";
import { startStackSqld, withEnv, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, createStackNamespaces, EXAMPLE_TENANT_DIR, loadFiles, selfHostedOptions, targets } from "../support/migrations";

let cluster: LocalSqldCluster;
const namespaces = Array.from({ length: 12 }, (_, i) => `evict-${i}`);
const NAMES = ["0001_nodes.sql", "0002_points.sql", "0003_events.sql"];

beforeAll(async () => {
  // A cache of 4 namespaces for 14 (12 tenants, the migrator's ledger and canary): migrations here keep evicting
  // other namespaces (as 1000 tenants do with 100).
  cluster = await startStackSqld("dev", {}, { editFlyToml: (toml) => withEnv(toml, { SQLD_MAX_ACTIVE_NAMESPACES: "4" }) });
  await createStackNamespaces(cluster, namespaces);
});
afterAll(() => cluster?.close());

describe("namespace evictions on real sqld", () => {
  it("migrates more namespaces than sqld keeps open, each file exactly once", async () => {
    const run = await migrate(targets(namespaces, loadFiles(EXAMPLE_TENANT_DIR)), selfHostedOptions(cluster, { concurrency: 2 }));
    expect(run.failed).toEqual([]);
    // Read back through the migrator's status (it retries evictions too; a plain client here can get the 404).
    const status = await migrationStatus(targets(namespaces, loadFiles(EXAMPLE_TENANT_DIR)), selfHostedOptions(cluster, { concurrency: 2 }));
    expect(Object.values(status)).toEqual(namespaces.map(() => ({ applied: NAMES, pending: [] })));
  });

  it("retries a namespace whose request answered 404 once, and gives up on one that keeps answering 404", async () => {
    await createNamespaces(cluster, ["evict-once"]);
    let refused = 0;
    const onceThenReal = async (input: RequestInfo | URL, init?: RequestInit) => {
      // sqld's own answer for a namespace it does not have open (libsql-server/src/error.rs NamespaceDoesntExist → 404).
      if (refused++ === 0) return new Response(JSON.stringify({ error: "Namespace `evict-once` doesn't exist" }), { status: 404 });
      return fetch(input, init);
    };
    const run = await migrate(targets(["evict-once"], loadFiles(EXAMPLE_TENANT_DIR)), selfHostedOptions(cluster, { fetch: onceThenReal }));
    expect(run.results).toEqual([{ namespace: "evict-once", ok: true, applied: NAMES }]);
    expect(refused).toBeGreaterThan(1);

    const missing = await migrate(targets(["never-created"], loadFiles(EXAMPLE_TENANT_DIR)), selfHostedOptions(cluster, { attempts: 2 }));
    expect(missing.failed.map((f) => [f.namespace, f.error])).toEqual([["never-created", "SERVER_ERROR: Server returned HTTP status 404"]]);
  });

  it("treats only eviction symptoms as transient", () => {
    expect(isTransient(new Error("SERVER_ERROR: Server returned HTTP status 500"))).toBe(true);
    expect(isTransient(new Error("STREAM_EXPIRED: The stream has expired due to inactivity"))).toBe(true);
    expect(isTransient(new Error("SQLITE_BUSY: SQLite error: database is locked"))).toBe(true);
    expect(isTransient(new Error("SQLITE_ERROR: table audit already exists"))).toBe(false);
    expect(isTransient(new Error("SERVER_ERROR: Server returned HTTP status 401"))).toBe(false);
  });
});
