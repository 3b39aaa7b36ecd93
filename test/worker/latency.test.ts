// Measurement, not a pass/fail gate: what the gateway hop costs over talking to sqld directly, and how big
// the Worker bundle is. Prints the numbers; only asserts that they are sane.
import { createClient } from "@libsql/client/http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildWorkerBundle } from "../../infra/cloudflare/bundle";
import { mintScopedToken } from "../../worker/jwt";
import { fetchWithNamespace } from "../../worker/db";
import { startGateway, type GatewayHarness } from "./helpers/gateway-harness";

const QUERIES = 200;
const WARMUP = 20;
const TENANT = "bench";
let gw: GatewayHarness;

beforeAll(async () => {
  gw = await startGateway({ double: { namespaces: [TENANT] } });
  const setup = await gw.call("POST", `/v1/tenants/${TENANT}/query`, {
    body: {
      statements: [
        { sql: "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT)" },
        { sql: "INSERT INTO items(name) SELECT 'item-' || value FROM json_each(json_array(1,2,3,4,5,6,7,8,9,10))" },
      ],
    },
  });
  expect(setup.status, JSON.stringify(setup.json)).toBe(200);
});
afterAll(() => gw?.close());

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeEach(count: number, run: (i: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await run(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

it(`median latency of ${QUERIES} queries: gateway (workerd) vs direct @libsql/client, and bundle size`, async () => {
  const viaGateway = async (i: number) => {
    const reply = await gw.call("POST", `/v1/tenants/${TENANT}/query`, {
      body: { statements: [{ sql: "SELECT id, name FROM items WHERE id = ?", args: [(i % 10) + 1] }] },
    });
    if (reply.status !== 200) throw new Error(`gateway answered ${reply.status}: ${JSON.stringify(reply.json)}`);
  };

  const { token } = await mintScopedToken(gw.keys.privateKeyPem, {
    tenant: TENANT,
    access: "rw",
    ttlSeconds: 3600,
    nowSeconds: Math.floor(Date.now() / 1000),
  });
  const direct = createClient({
    url: gw.double.url,
    authToken: token,
    fetch: fetchWithNamespace(TENANT),
  });
  // Same work as the gateway does: a one-statement batch (BEGIN … COMMIT in one Hrana request).
  const viaDirect = async (i: number) => {
    await direct.batch([{ sql: "SELECT id, name FROM items WHERE id = ?", args: [(i % 10) + 1] }], "deferred");
  };

  // The test's own hop into workerd (miniflare's dispatchFetch), which a deployed Worker does not pay.
  const viaHealth = async () => {
    await gw.call("GET", "/health", { apiKey: null });
  };

  await timeEach(WARMUP, viaGateway);
  await timeEach(WARMUP, viaDirect);
  await timeEach(WARMUP, viaHealth);
  const gatewayMedian = median(await timeEach(QUERIES, viaGateway));
  const directMedian = median(await timeEach(QUERIES, viaDirect));
  const harnessMedian = median(await timeEach(QUERIES, viaHealth));
  direct.close();

  const minified = buildWorkerBundle();
  const ratio = gatewayMedian / directMedian;
  const ratioWithoutHop = (gatewayMedian - harnessMedian) / directMedian;
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  console.log(
    [
      `[latency] ${QUERIES} queries, median: gateway ${ms(gatewayMedian)}, direct ${ms(directMedian)}, ratio ${ratio.toFixed(2)}x`,
      `[latency] of which Node→workerd test hop (GET /health): ${ms(harnessMedian)}; ratio without it ${ratioWithoutHop.toFixed(2)}x`,
      `[bundle] worker minified: ${(minified.bytes / 1024).toFixed(1)} KB (sha256 ${minified.sha256.slice(0, 12)})`,
    ].join("\n"),
  );
  expect(Number.isFinite(ratio) && ratio > 0).toBe(true);
  expect(gatewayMedian).toBeLessThan(1_000);
  expect(minified.bytes).toBeLessThan(1024 * 1024); // Workers' free-plan limit is 1 MiB compressed; stay far below
});
