/**
 * Per-tenant keys in the prod topology (primary + replicas, real sqld): the gateway's writes must reach the
 * primary, because sqld 0.24.32 fails a Hrana write a replica forwards for a namespace with its own key
 * (test/clients/through-replica-machine.test.ts). Between the Worker (workerd) and sqld sits the Fly edge double
 * (test/doubles/fly-edge/routing.ts) with the client near a replica: without PRIMARY_REGION writes land on the
 * replica and fail; with it they carry `fly-prefer-region` and reach the primary, while reads stay on the replica.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { routeToMachine } from "../doubles/fly-edge/routing";
import { startStackSqld, type LocalSqldCluster } from "../support/sqld/cluster";
import { createNamespaces } from "../support/sqld/tenant-client";
import { API_KEY, callWorker, startWorker, type TestBindings } from "./helpers/gateway-harness";

let cluster: LocalSqldCluster;
const served: string[] = [];

/** Fly's edge for the Worker's outbound requests: the client is near the first replica's region. */
function flyEdge(req: IncomingMessage, res: ServerResponse) {
  const machines = [cluster.primary, ...cluster.replicas].map((m) => ({ id: `${m.group}-${m.region}`, region: m.region, machine: m }));
  const header = (name: string) => [req.headers[name]].flat()[0];
  const chosen = routeToMachine(machines, header, cluster.replicas[0]!.region);
  if (!chosen) return res.writeHead(502).end();
  served.push(chosen.machine.group);
  const target = new URL(chosen.machine.httpUrl);
  const path = new URL(req.url ?? "/", "http://placeholder").pathname;
  const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path, headers: req.headers }, (reply) => {
    res.writeHead(reply.statusCode ?? 502, reply.headers);
    reply.pipe(res);
  });
  req.pipe(upstream);
}

async function gateway(extra: Partial<TestBindings>): Promise<Miniflare> {
  const bindings: TestBindings = { DB_URL: "https://acme-sqld.fly.dev", JWT_PRIVATE_KEY: cluster.keys.privateKeyPem, GATEWAY_API_KEY: API_KEY, TENANTS: ["acme"], TENANT_KEYS: "per-tenant", ...extra };
  return startWorker(bindings, { outboundService: { node: flyEdge } });
}
const query = (mf: Miniflare, sql: string, mode: "read" | "write") => callWorker(mf, "POST", "/v1/tenants/acme/query", { body: { statements: [{ sql }], mode } });

beforeAll(async () => {
  cluster = await startStackSqld("prod", { tenants: ["acme"] });
  await createNamespaces(cluster, ["acme"]);
  await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: ["acme"], perTenant: true });
});
afterAll(() => cluster?.close());

describe("gateway writes with per-tenant keys behind Fly's edge", () => {
  it("without PRIMARY_REGION a write lands on the replica and fails", async () => {
    const mf = await gateway({});
    try {
      served.length = 0;
      const write = await query(mf, "CREATE TABLE IF NOT EXISTS t(x)", "write");
      expect(served).toEqual(["replica"]);
      expect([write.status, write.json.code]).toEqual([502, "DB_HTTP_ERROR"]);
    } finally {
      await mf.dispose();
    }
  });

  it("with PRIMARY_REGION writes reach the primary and reads stay on the nearest replica", async () => {
    const mf = await gateway({ PRIMARY_REGION: cluster.primary.region });
    try {
      served.length = 0;
      expect((await query(mf, "CREATE TABLE IF NOT EXISTS t(x)", "write")).status).toBe(200);
      expect((await query(mf, "INSERT INTO t VALUES (1)", "write")).status).toBe(200);
      expect(served).toEqual(["primary", "primary"]);
      served.length = 0;
      // Replication (rows, and the namespace's key) reaches the replica asynchronously: a moment later.
      const rows = async () => ((await query(mf, "SELECT count(*) FROM t", "read")).json.results as { rows: unknown }[] | undefined)?.[0]?.rows;
      await expect.poll(rows, { timeout: 10_000 }).toEqual([[1]]);
      expect(new Set(served)).toEqual(new Set(["replica"]));
    } finally {
      await mf.dispose();
    }
  });
});
