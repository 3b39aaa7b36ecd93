/**
 * Finding 7 on real sqld (prod topology): sqld's only health route, GET /health, is a constant 200
 * (libsql-server src/http/user/mod.rs `handle_health`), so a replica that lost its primary still passes Fly's
 * http check while writes and first reads of a namespace wait for the primary. The README's "Operations" section
 * documents this limitation; this test proves the behaviour it describes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStackSqld, type SqldMachine } from "../../local/sqld/cluster";
import { tenantClientOn } from "../../local/sqld/tenant-client";

let cluster: Awaited<ReturnType<typeof startStackSqld>>;
beforeAll(async () => {
  cluster = await startStackSqld("prod");
  for (const ns of ["acme", "cold"]) expect((await cluster.admin(cluster.primary, "POST", `/v1/namespaces/${ns}/create`, {})).status).toBe(200);
});
afterAll(() => cluster?.close());

/** A client whose every request gives up after `ms` (sqld itself keeps waiting for the primary). */
async function clientFor(m: SqldMachine, tenant: string, ms: number) {
  return tenantClientOn(cluster, m, tenant, { timeoutMs: ms });
}

describe("a replica that lost its primary (real sqld)", () => {
  it("keeps answering /health 200 while writes and cold namespaces wait for the primary", async () => {
    const replica = cluster.replicas[0]!;
    const warm = await clientFor(replica, "acme", 3000);
    await warm.batch(["create table t (x)", "insert into t values (1)"], "write");
    // Until the replica has the write, the table may not exist there yet ("no such table"): keep waiting then too.
    const replicated = async () => Number((await warm.execute("select count(*) as n from t").catch(() => undefined))?.rows[0]?.n) === 1;
    for (let i = 0; i < 1500 && !(await replicated()); i++) await new Promise((r) => setTimeout(r, 20));

    await cluster.primary.process.stop("SIGKILL");

    expect((await fetch(`${replica.httpUrl}/health`)).status).toBe(200);
    expect((await fetch(`${replica.httpUrl}/version`)).status).toBe(200);
    // A namespace the replica has loaded still serves (possibly stale) reads from its local copy…
    expect((await warm.execute("select count(*) as n from t")).rows[0]?.n).toBe(1);
    // …but a forwarded write, and a namespace it has not loaded yet, get no answer: sqld retries the primary.
    await expect(warm.execute("insert into t values (2)")).rejects.toThrow(/timeout|abort/i);
    const cold = await clientFor(replica, "cold", 3000);
    await expect(cold.execute("select 1")).rejects.toThrow(/timeout|abort/i);
    expect(replica.process.logTail(200)).toMatch(/error connecting to primary|retrying proxy connection/);
    warm.close();
    cold.close();
  });
});
