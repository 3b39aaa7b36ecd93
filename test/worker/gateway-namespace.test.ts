// Which namespace the gateway reaches, and what a caller learns about namespaces it may not reach (findings 1, 6).
// Worker in workerd → real sqld (dev stack's fly.toml). Finding 6 runs in both modes (managed: the Turso double's
// databases); x-namespace-bin against Host is sqld namespace mechanics, self-hosted only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeRaw, firstResult } from "../../local/sqld/tenant-client";
import { callWorker, forwardKeepingHost, startGateway, startWorker, type GatewayHarness } from "../../local/gateway-harness";
import { signTestJwt } from "../support/worker/jwt-for-tests";
import { GATEWAY_MODES, startTenantGateway, type TenantGateway } from "../support/worker/tenant-gateway";

const FLY_APP = "acme-sqld-dev"; // Pulumi.dev.yaml fly.app: the gateway's DB_URL there is https://acme-sqld-dev.fly.dev
let gw: GatewayHarness;

/** Puts a one-row table naming the namespace into each, with a full-access token (test setup only). */
async function markNamespaces(names: string[]) {
  const token = signTestJwt({}, gw.keys.privateKeyPem);
  for (const ns of names) {
    const reply = await executeRaw(gw.dbUrl, `CREATE TABLE marker AS SELECT '${ns}' AS ns`, { token, namespace: ns });
    expect(firstResult(reply)?.type, reply.text).toBe("ok");
  }
}

beforeAll(async () => {
  // Decoys: "127" is what sqld takes from Host 127.0.0.1, "acme-sqld-dev" what it takes from acme-sqld-dev.fly.dev.
  gw = await startGateway({ tenants: ["acme", "globex", "pending"], otherNamespaces: ["127", FLY_APP, "internal"] });
  await markNamespaces(["acme", "globex", "127", FLY_APP, "internal", "default"]);
  await gw.cluster.admin(gw.cluster.primary, "DELETE", "/v1/namespaces/pending"); // a tenant whose namespace is gone
});
afterAll(() => gw?.close());

const markerQuery = { statements: [{ sql: "SELECT ns FROM marker" }] };
const markerOf = (reply: { json: Record<string, unknown> }) => (reply.json.results as { rows: unknown[][] }[])[0]!.rows[0]![0];

describe("gateway: x-namespace-bin picks the namespace, not the Host (finding 1)", () => {
  it("reaches acme with DB_URL http://127.0.0.1:PORT although namespace 127 exists", async () => {
    const reply = await gw.call("POST", "/v1/tenants/acme/query", { body: markerQuery });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(markerOf(reply)).toBe("acme");
  });

  it(`reaches acme with DB_URL https://${FLY_APP}.fly.dev (Host kept) although namespace ${FLY_APP} exists`, async () => {
    const edge = forwardKeepingHost(gw.dbUrl);
    const mf = await startWorker({ ...gw.bindings, DB_URL: `https://${FLY_APP}.fly.dev` }, { outboundService: edge.outboundService });
    try {
      for (const tenant of ["acme", "globex"]) {
        const reply = await callWorker(mf, "POST", `/v1/tenants/${tenant}/query`, { body: markerQuery });
        expect(reply.status, JSON.stringify(reply.json)).toBe(200);
        expect(markerOf(reply)).toBe(tenant);
      }
      expect(new Set(edge.hosts)).toEqual(new Set([`${FLY_APP}.fly.dev`]));
    } finally {
      await mf.dispose();
    }
  });

  it("the setup can fail: without x-namespace-bin that Host lands in the decoy namespace", async () => {
    const edge = forwardKeepingHost(gw.dbUrl);
    const token = signTestJwt({}, gw.keys.privateKeyPem);
    // A Worker that sends raw Hrana without the header, through the same forwarder: what the first gateway did.
    const script = `export default { async fetch(request, env) {
      const r = await fetch("https://${FLY_APP}.fly.dev/v2/pipeline", { method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer ${token}", "x-namespace": "acme" },
        body: JSON.stringify({ requests: [{ type: "execute", stmt: { sql: "SELECT ns FROM marker" } }, { type: "close" }] }) });
      return new Response(await r.text(), { status: r.status });
    } }`;
    const { Miniflare } = await import("miniflare");
    const mf = new Miniflare({ modules: true, script, compatibilityDate: "2025-09-01", outboundService: edge.outboundService });
    try {
      const text = await (await mf.dispatchFetch("http://probe.test/")).text();
      expect(text).toContain(`"value":"${FLY_APP}"`);
    } finally {
      await mf.dispose();
    }
  });
});

describe.each(GATEWAY_MODES)("%s", (mode) => {
  // Self-hosted: the gateway above, with its decoy namespaces and a tenant whose namespace is gone. Managed: the
  // Turso double with a database `internal` in the group that is no tenant of the Worker.
  let managed: TenantGateway | undefined;
  beforeAll(async () => {
    if (mode === "managed") managed = await startTenantGateway(mode, { tenants: ["acme", "globex"], others: ["internal"] });
  });
  afterAll(() => managed?.close());
  const call: TenantGateway["call"] = (method, path, options) => (managed ?? gw).call(method, path, options);

  describe("gateway: an unknown tenant and a forbidden one look the same (finding 6)", () => {
    const notFound = (tenant: string) => ({ error: `tenant "${tenant}" not found`, code: "TENANT_NOT_FOUND" });
    const rows: [string, string][] = [
      ["a name that is neither tenant nor database", "ghost"],
      ["a database that is no tenant (an sqld namespace; a Turso database of the group)", "internal"],
      ["`default` (sqld's default namespace; managed: the pre-tenant database's tenant)", "default"],
      // sqld namespaces only: deleted through sqld's admin API, and the namespace sqld takes from the Host.
      ...(mode === "self-hosted"
        ? ([
            ["a tenant whose namespace does not exist in sqld", "pending"],
            ["a Host-derived namespace", "127"],
          ] as [string, string][])
        : []),
    ];

    it.each(rows)("query: 404 TENANT_NOT_FOUND for %s", async (_, tenant) => {
      const reply = await call("POST", `/v1/tenants/${tenant}/query`, { body: markerQuery });
      expect(reply.status).toBe(404);
      expect(reply.json).toEqual(notFound(tenant));
    });

    it("token: 404 TENANT_NOT_FOUND for every name outside TENANTS, existing database or not", async () => {
      for (const tenant of ["internal", "default", "ghost"]) {
        const reply = await call("POST", `/v1/tenants/${tenant}/token`, { body: { access: "ro" } });
        expect(reply.status).toBe(404);
        expect(reply.json).toEqual(notFound(tenant));
      }
    });

    it("without the API key every tenant name gets the same 401 (existing, missing or forbidden)", async () => {
      const names = mode === "self-hosted" ? ["acme", "pending", "ghost", "internal"] : ["acme", "ghost", "internal"];
      const replies = await Promise.all(names.map((t) => call("POST", `/v1/tenants/${t}/query`, { body: markerQuery, apiKey: null })));
      expect(new Set(replies.map((r) => `${r.status} ${JSON.stringify(r.json)}`)).size).toBe(1);
      expect(replies[0]!.status).toBe(401);
    });
  });
});
