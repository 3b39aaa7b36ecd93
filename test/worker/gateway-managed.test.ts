// Managed mode (Turso): no namespaces, the database is picked by its host name, the Worker holds two database
// tokens (DB_TOKEN for write/deferred, DB_READ_TOKEN read-only for mode "read"). Real sqld stands in for the Turso
// database: it also picks the namespace from the Host's first label, so libsql://mydb-myorg.turso.io reaches
// namespace mydb-myorg through a forwarder that keeps the Host.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, callWorker, forwardKeepingHost, startGateway, startWorker, type GatewayHarness } from "../../local/gateway-harness";
import { signTestJwt } from "../support/worker/jwt-for-tests";
import type { Miniflare } from "miniflare";

const DATABASE = "mydb-myorg";
let gw: GatewayHarness;
let mf: Miniflare;
let hosts: string[];

beforeAll(async () => {
  gw = await startGateway({ tenants: [], otherNamespaces: [DATABASE] });
  const edge = forwardKeepingHost(gw.dbUrl);
  hosts = edge.hosts;
  mf = await startWorker(
    {
      DB_URL: `libsql://${DATABASE}.turso.io`,
      DB_MODE: "managed",
      GATEWAY_API_KEY: API_KEY,
      // Turso database tokens are full-access or read-only for one database; scoped sqld tokens are the same here.
      DB_TOKEN: signTestJwt({ p: { rw: { ns: [DATABASE] } } }, gw.keys.privateKeyPem),
      DB_READ_TOKEN: signTestJwt({ p: { ro: { ns: [DATABASE] } } }, gw.keys.privateKeyPem),
    },
    { outboundService: edge.outboundService },
  );
});
afterAll(async () => {
  await mf?.dispose();
  await gw?.close();
});

const call = (tenant: string, body: unknown, path = "query") => callWorker(mf, "POST", `/v1/tenants/${tenant}/${path}`, { body });

describe("gateway: managed mode", () => {
  it("queries the database named by the host, sending no namespace header", async () => {
    const reply = await call("default", { statements: [{ sql: "CREATE TABLE t(x)" }, { sql: "INSERT INTO t VALUES (42)" }, { sql: "SELECT x FROM t" }] });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect((reply.json.results as { rows: unknown[][] }[])[2]!.rows).toEqual([[42]]);
    expect(new Set(hosts)).toEqual(new Set([`${DATABASE}.turso.io`]));
  });

  it("read mode uses DB_READ_TOKEN: reads work, writes are 403 READ_ONLY", async () => {
    expect((await call("default", { statements: [{ sql: "SELECT count(*) FROM t" }], mode: "read" })).status).toBe(200);
    const write = await call("default", { statements: [{ sql: "DELETE FROM t" }], mode: "read" });
    expect(write.status).toBe(403);
    expect(write.json.code).toBe("READ_ONLY");
  });

  it("the only tenant is default (others: 404 TENANT_NOT_FOUND), and no tokens are minted", async () => {
    const other = await call("shop", { statements: [{ sql: "SELECT 1" }] });
    expect(other.status).toBe(404);
    expect(other.json).toEqual({ error: 'tenant "shop" not found', code: "TENANT_NOT_FOUND" });
    const token = await call("default", { access: "ro" }, "token");
    expect(token.status).toBe(404);
    expect(token.json.error).toMatch(/only available in self-hosted mode/);
  });

  it("without DB_READ_TOKEN read mode is a 500 naming the binding (never a write-capable token)", async () => {
    const edge = forwardKeepingHost(gw.dbUrl);
    const noRead = await startWorker(
      { DB_URL: `libsql://${DATABASE}.turso.io`, DB_MODE: "managed", GATEWAY_API_KEY: API_KEY, DB_TOKEN: signTestJwt({ p: { rw: { ns: [DATABASE] } } }, gw.keys.privateKeyPem) },
      { outboundService: edge.outboundService },
    );
    try {
      const read = await callWorker(noRead, "POST", "/v1/tenants/default/query", { body: { statements: [{ sql: "DELETE FROM t" }], mode: "read" } });
      expect(read.status).toBe(500);
      expect(read.json.error).toMatch(/DB_READ_TOKEN is not set/);
      expect(edge.hosts).toEqual([]); // refused before reaching the database
      const write = await callWorker(noRead, "POST", "/v1/tenants/default/query", { body: { statements: [{ sql: "SELECT count(*) FROM t" }] } });
      expect(write.status).toBe(200);
    } finally {
      await noRead.dispose();
    }
  });
});
