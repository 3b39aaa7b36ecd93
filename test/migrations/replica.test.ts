/**
 * sqld's public URL (the Fly proxy) may land on a replica. Real sqld: migrating through a replica forwards the
 * write transactions to the primary (tenants, the canary and the ledger), each file still atomic with its record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrationStatus } from "../../infra/migrations/migrator";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createStackNamespaces, EXAMPLE_TENANT_DIR, loadFiles, recordedNames, selfHostedOptions, tablesOf, targets } from "../support/migrations";

let cluster: LocalSqldCluster;
const NAMES = ["0001_nodes.sql", "0002_points.sql", "0003_events.sql"];

beforeAll(async () => {
  cluster = await startStackSqld("dev", {
    regions: [
      { code: "ams", role: "primary" },
      { code: "iad", role: "replica" },
    ],
    sqld: { autoStop: "off" },
  });
  await createStackNamespaces(cluster, ["acme", "globex"]);
});
afterAll(() => cluster?.close());

describe("migrations through a replica", () => {
  it("apply on the primary, once, and a failing file leaves nothing behind", async () => {
    const replica = cluster.replicas[0]!;
    const throughReplica = selfHostedOptions(cluster, { url: replica.httpUrl });
    const files = loadFiles(EXAMPLE_TENANT_DIR);
    const run = await migrate(targets(["acme", "globex"], files), throughReplica);
    expect(run.failed).toEqual([]);
    for (const ns of ["acme", "globex"]) expect(await recordedNames(cluster, ns)).toEqual(NAMES);
    expect((await migrate(targets(["acme", "globex"], files), throughReplica)).results.every((r) => r.applied.length === 0)).toBe(true);

    const broken = [...files, { id: 4, name: "0004_broken.sql", sha256: "b".repeat(64), sql: "CREATE TABLE t4 (x);\nINSERT INTO no_such_table VALUES (1);\n" }];
    const failed = await migrate(targets(["acme"], broken), throughReplica);
    // Broken on its own: it fails in the canary (through the replica too), and acme is not touched.
    expect(failed.stopped).toMatchObject({ stage: "canary", failedFile: "0004_broken.sql", error: expect.stringMatching(/no such table/) });
    expect(failed.failed.map((f) => [f.namespace, f.skipped])).toEqual([["acme", true]]);
    const status = await migrationStatus(targets(["acme"], broken), selfHostedOptions(cluster));
    expect(status).toEqual({ acme: { applied: NAMES, pending: ["0004_broken.sql"] } });
    expect(await tablesOf(cluster, "acme")).not.toContain("t4");
  });
});
