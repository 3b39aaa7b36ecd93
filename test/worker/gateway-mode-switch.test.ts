// While a mode switch copies a tenant, the side the gateway still serves refuses its writes (README "Mode switch"):
// the gateway answers 503 WRITES_PAUSED with retry-after, reads go on, another tenant is untouched. Both modes, on
// real sqld (self-hosted: the namespace's block with the switch's reason; managed: the Turso database's block,
// which has no reason).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_MODES, startTenantGateway, type TenantGateway } from "../support/worker/tenant-gateway";

describe.each(GATEWAY_MODES)("writes paused by a mode switch (%s)", (mode) => {
  let gw: TenantGateway;
  const query = (tenant: string, sql: string, queryMode: "read" | "write") => gw.call("POST", `/v1/tenants/${tenant}/query`, { body: { statements: [{ sql }], mode: queryMode } });

  beforeAll(async () => {
    gw = await startTenantGateway(mode, { tenants: ["acme", "globex"] });
    for (const tenant of ["acme", "globex"]) expect((await query(tenant, "CREATE TABLE t(x)", "write")).status).toBe(200);
    await gw.pauseWritesForSwitch("acme");
  }, 120_000);
  afterAll(async () => gw?.close());

  it("a write is 503 WRITES_PAUSED with retry-after; a read still answers; globex still writes", async () => {
    const write = await query("acme", "INSERT INTO t VALUES (2)", "write");
    expect(write.status).toBe(503);
    expect(write.json).toMatchObject({ code: "WRITES_PAUSED" });
    expect(write.headers.get("retry-after")).toBe("30");
    const read = await query("acme", "SELECT count(*) FROM t", "read");
    expect(read.status).toBe(200);
    expect((await query("globex", "INSERT INTO t VALUES (2)", "write")).status).toBe(200);
  });
});
