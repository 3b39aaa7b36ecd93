/**
 * Per-tenant keys in the prod topology (primary + replicas, real sqld): the gateway's and the migrations step's
 * writes must reach the primary, because sqld 0.24.32 fails a Hrana write a replica forwards for a namespace with its own key
 * (test/clients/through-replica-machine.test.ts). Between the Worker (workerd) and sqld sits the Fly edge double
 * (local/doubles/fly-edge/routing.ts) with the client near a replica: without PRIMARY_REGION writes land on the
 * replica and fail; with it they carry `fly-prefer-region` and reach the primary, while reads stay on the replica.
 */
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { MIGRATION_NAMESPACES } from "../../infra/migrations/stack-namespaces";
import { EXAMPLE_TENANT_DIR, loadFiles } from "../support/migrations";
import { runProcess } from "../../local/run-process";
import { startFlyEdge, type FlyEdge } from "../support/sqld/fly-edge";
import { createNamespaces } from "../../local/sqld/tenant-client";
import { API_KEY, callWorker, startWorker, type TestBindings } from "../../local/gateway-harness";

let cluster: LocalSqldCluster;
let edge: FlyEdge;

async function gateway(extra: Partial<TestBindings>): Promise<Miniflare> {
  const bindings: TestBindings = { DB_URL: edge.url, JWT_PRIVATE_KEY: cluster.keys.privateKeyPem, GATEWAY_API_KEY: API_KEY, TENANTS: ["acme"], TENANT_KEYS: "per-tenant", ...extra };
  return startWorker(bindings);
}
const query = (mf: Miniflare, sql: string, mode: "read" | "write") => callWorker(mf, "POST", "/v1/tenants/acme/query", { body: { statements: [{ sql }], mode } });

beforeAll(async () => {
  cluster = await startStackSqld("prod", { tenants: ["acme"] });
  await createNamespaces(cluster, ["acme", ...MIGRATION_NAMESPACES]); // + the migrations ledger and canary
  await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: ["acme"], perTenant: true });
  edge = await startFlyEdge(cluster, cluster.replicas[0]!.region); // the client is near a replica
});
afterAll(async () => {
  await edge?.close();
  await cluster?.close();
});
const served = () => edge.served;

describe("gateway writes with per-tenant keys behind Fly's edge", () => {
  it("without PRIMARY_REGION a write lands on the replica and fails", async () => {
    const mf = await gateway({});
    try {
      edge.served.length = 0;
      const write = await query(mf, "CREATE TABLE IF NOT EXISTS t(x)", "write");
      expect(served()).toEqual(["replica"]);
      expect([write.status, write.json.code]).toEqual([502, "DB_HTTP_ERROR"]);
    } finally {
      await mf.dispose();
    }
  });

  it("with PRIMARY_REGION writes reach the primary and reads stay on the nearest replica", async () => {
    const mf = await gateway({ PRIMARY_REGION: cluster.primary.region });
    try {
      edge.served.length = 0;
      expect((await query(mf, "CREATE TABLE IF NOT EXISTS t(x)", "write")).status).toBe(200);
      expect((await query(mf, "INSERT INTO t VALUES (1)", "write")).status).toBe(200);
      expect(served()).toEqual(["primary", "primary"]);
      edge.served.length = 0;
      // Replication (rows, and the namespace's key) reaches the replica asynchronously: a moment later.
      const rows = async () => ((await query(mf, "SELECT count(*) FROM t", "read")).json.results as { rows: unknown }[] | undefined)?.[0]?.rows;
      await expect.poll(rows, { timeout: 10_000 }).toEqual([[1]]);
      expect(new Set(served())).toEqual(new Set(["replica"]));
    } finally {
      await mf.dispose();
    }
  });
});

describe("the migrations step behind Fly's edge", () => {
  const files = loadFiles(EXAMPLE_TENANT_DIR);
  const plan = JSON.stringify({ mode: "self-hosted", concurrency: 2, sets: [{ key: "tenants", dir: "examples/migrations/tenant", namespaces: ["acme"], files: files.map((f) => ({ name: f.name, sha256: f.sha256 })) }] });
  const migrateFromEnv = (extra: Record<string, string>) =>
    runProcess(process.execPath, ["--import", "tsx", "scripts/migrate.ts", "--from-env"], {
      env: { ...process.env, DATABASE_URL: edge.url, MIGRATION_PLAN: plan, JWT_PRIVATE_KEY: cluster.keys.privateKeyPem, ...extra },
    });

  it("with DATABASE_PRIMARY_REGION every request reaches the primary and the files apply", async () => {
    edge.served.length = 0;
    const run = await migrateFromEnv({ DATABASE_PRIMARY_REGION: cluster.primary.region });
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(served())).toEqual(new Set(["primary"]));
  });
});
