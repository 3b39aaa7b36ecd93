/**
 * Real sqld: the bound on namespaces migrated at once, and the managed-mode path (one database, its token, no
 * namespace header) with sqld's `default` namespace standing in for the Turso database.
 */
import { importPKCS8, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrationStatus } from "../../infra/migrations/migrator";
import { MANAGED_DATABASE } from "../../infra/migrations/sets";
import { CANARY_NAMESPACE, LEDGER_NAMESPACE } from "../../infra/migrations/stack-namespaces";
import { namespaceHeaderValue } from "../../worker/db";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { countingFetch, createStackNamespaces, EXAMPLE_TENANT_DIR, loadFiles, recordedNames, selfHostedOptions, targets } from "../support/migrations";

let cluster: LocalSqldCluster;
const many = Array.from({ length: 24 }, (_, i) => `bound-${String(i).padStart(2, "0")}`);

beforeAll(async () => {
  cluster = await startStackSqld("dev");
  await createStackNamespaces(cluster, many);
});
afterAll(() => cluster?.close());

describe("concurrency bound", () => {
  it.each([
    [1, many.slice(0, 8)],
    [3, many.slice(8, 24)],
  ])("keeps at most %i namespaces in flight", async (limit, namespaces) => {
    const counter = countingFetch();
    const run = await migrate(targets(namespaces, loadFiles(EXAMPLE_TENANT_DIR)), selfHostedOptions(cluster, { concurrency: limit, fetch: counter.fetch }));
    expect(run.failed).toEqual([]);
    // Every tenant, plus the ledger and the canary (before and after the tenants, never among them).
    expect(counter.namespacesSeen()).toEqual(new Set([...namespaces, LEDGER_NAMESPACE, CANARY_NAMESPACE].map(namespaceHeaderValue)));
    expect(counter.maxInFlightNamespaces()).toBeLessThanOrEqual(limit);
    expect(counter.maxInFlightNamespaces()).toBeGreaterThanOrEqual(Math.min(limit, 2));
  });

  it("refuses a bound below 1", async () => {
    await expect(migrate(targets(["bound-00"], []), selfHostedOptions(cluster, { concurrency: 0 }))).rejects.toThrow(/concurrency/);
  });
});

describe("managed mode: one database and its token, no namespace header", () => {
  /** A Turso database token's shape (legacy claims `a` + `id`, no `exp` for a never-expiring token), signed by the server's key. */
  async function databaseToken(): Promise<string> {
    const key = await importPKCS8(cluster.keys.privateKeyPem, "EdDSA");
    return new SignJWT({ a: "rw", id: "default" }).setProtectedHeader({ alg: "EdDSA", typ: "JWT" }).setIssuedAt().sign(key);
  }

  it("migrates the database at the URL and reports its status", async () => {
    const token = await databaseToken();
    const counter = countingFetch();
    // Host `localhost` has no dot: sqld serves the `default` namespace, as Turso serves the database its host names.
    const url = cluster.primary.httpUrl.replace("127.0.0.1", "localhost");
    const options = { url, namespaceHeader: false, authToken: async () => token, fetch: counter.fetch };
    const files = loadFiles(EXAMPLE_TENANT_DIR);
    const run = await migrate(targets([MANAGED_DATABASE], files), options);
    expect(run.results).toEqual([{ namespace: "default", ok: true, applied: files.map((f) => f.name) }]);
    expect(counter.namespacesSeen()).toEqual(new Set(["(none)"]));
    expect(await migrationStatus(targets([MANAGED_DATABASE], files), options)).toEqual({ default: { applied: files.map((f) => f.name), pending: [] } });
    expect((await migrate(targets([MANAGED_DATABASE], files), options)).results[0]!.applied).toEqual([]);
    // It landed in sqld's `default` namespace (read back through x-namespace-bin).
    expect(await recordedNames(cluster, "default")).toEqual(files.map((f) => f.name));
  });

  it("fails with the server's refusal when the token is not the database's", async () => {
    const run = await migrate(targets([MANAGED_DATABASE], loadFiles(EXAMPLE_TENANT_DIR)), {
      url: cluster.primary.httpUrl.replace("127.0.0.1", "localhost"),
      namespaceHeader: false,
      authToken: async () => "not-a-token",
    });
    expect(run.ok).toBe(false);
    expect(run.failed[0]!.error).toMatch(/401|Unauthorized|auth/i);
  });
});
