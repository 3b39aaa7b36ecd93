/**
 * With TENANT_URL_TEMPLATE (sqld.tenantDomain) the token route answers the tenant's own URL, and that URL with the
 * token works as given: a stock remote @libsql/client and an embedded replica (npm libsql), neither sending a
 * namespace header, reach the tenant on the real sqld by host name alone. Real Worker bundle in workerd, per-tenant
 * keys set by the deploy's own step.
 */
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { openEmbeddedReplica, replicaSyncUrl } from "../../local/clients/embedded-replica";
import { openRemoteClient } from "../../local/clients/remote-client";
import { callWorker, startGateway, startWorker, type GatewayHarness } from "../../local/gateway-harness";

let gw: GatewayHarness;
let mf: Miniflare;
const port = () => Number(new URL(gw.dbUrl).port);

beforeAll(async () => {
  gw = await startGateway({ tenants: ["acme", "globex"], bindings: { TENANT_KEYS: "per-tenant" } });
  const { cluster } = gw;
  await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: ["acme", "globex"], perTenant: true });
  // The template the plan derives from tenantDomain "db.test" on a loopback publicUrl (infra/config/tenant-domain.ts).
  mf = await startWorker({ ...gw.bindings, TENANT_URL_TEMPLATE: `http://{tenant}.db.test:${port()}` });
});
afterAll(async () => {
  await mf?.dispose();
  await gw?.close();
});

async function mint(tenant: string, access: "ro" | "rw") {
  const reply = await callWorker(mf, "POST", `/v1/tenants/${tenant}/token`, { body: { access } });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json as { token: string; expiresAt: string; url: string };
}

describe("gateway token route with TENANT_URL_TEMPLATE", () => {
  it("answers {token, expiresAt, url} with the tenant's own URL and no header to send", async () => {
    const reply = await mint("acme", "rw");
    expect(Object.keys(reply).sort()).toEqual(["expiresAt", "token", "url"]);
    expect(reply.url).toBe(`http://acme.db.test:${port()}`);
    expect((await mint("globex", "ro")).url).toBe(`http://globex.db.test:${port()}`);
  });

  it("the url + token work as given: a remote client writes, an embedded replica syncs it; globex's token is refused there", async () => {
    const acme = await mint("acme", "rw");
    const remote = openRemoteClient({ url: acme.url, token: acme.token });
    try {
      expect(await remote.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)")).toMatchObject({ ok: true });
      expect(await remote.execute("INSERT INTO notes(body) VALUES ('by host name')")).toMatchObject({ ok: true });
    } finally {
      await remote.close();
    }
    const target = { namespace: "acme", port: port(), token: (await mint("acme", "ro")).token };
    expect(replicaSyncUrl(target)).toBe(acme.url);
    const phone = await openEmbeddedReplica(target);
    try {
      expect(await phone.sync()).toMatchObject({ ok: true });
      expect(await phone.execute("SELECT body FROM notes")).toEqual({ ok: true, rows: [["by host name"]] });
    } finally {
      await phone.close();
    }

    const globex = await mint("globex", "rw");
    const thief = openRemoteClient({ url: acme.url, token: globex.token });
    try {
      // Per-tenant keys: acme's namespace does not accept globex's key (sqld 401 on Hrana).
      expect(await thief.execute("DELETE FROM notes")).toEqual({ ok: false, error: "SERVER_ERROR: Server returned HTTP status 401", cause: "Server returned HTTP status 401" });
    } finally {
      await thief.close();
    }
    const check = openRemoteClient({ url: acme.url, token: acme.token });
    try {
      expect(await check.execute("SELECT body FROM notes")).toEqual({ ok: true, rows: [["by host name"]] });
    } finally {
      await check.close();
    }
  });

  it("a TENANT_URL_TEMPLATE without {tenant} is a broken deploy: 500 naming the binding", async () => {
    const broken = await startWorker({ ...gw.bindings, TENANT_URL_TEMPLATE: "libsql://db.example.com" });
    try {
      const reply = await callWorker(broken, "POST", "/v1/tenants/acme/token", { body: { access: "ro" } });
      expect(reply.status).toBe(500);
      expect(reply.json.error).toMatch(/^gateway misconfigured: TENANT_URL_TEMPLATE must look like libsql:\/\/\{tenant\}/);
    } finally {
      await broken.dispose();
    }
  });
});
