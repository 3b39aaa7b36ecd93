/**
 * Remote clients reach their tenant by host name alone (`<tenant>.db.test`, sqld.tenantDomain), on the real hardened
 * sqld with per-tenant keys set by the deploy's own step: a stock @libsql/client and drizzle-orm over it, neither
 * sending a namespace header (embedded replicas: embedded-replica.test.ts). The refusals a tenant meets (an ro token's write,
 * another tenant's token) are asserted with the message the user sees, and that nothing changed on the primary.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { mintScopedToken } from "../../worker/jwt";
import { replicaSyncUrl } from "../../local/clients/embedded-replica";
import { hasDrizzle, openRemoteClient } from "../../local/clients/remote-client";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, executeRaw, resultValues } from "../../local/sqld/tenant-client";

let cluster: LocalSqldCluster;
const TENANTS = ["acme", "globex"];

const token = async (tenant: string, access: "ro" | "rw") =>
  (await mintScopedToken(cluster.keys.privateKeyPem, { tenant, access, ttlSeconds: 600, nowSeconds: Math.floor(Date.now() / 1000) }, "per-tenant")).token;
const port = () => Number(new URL(cluster.primary.httpUrl).port);
const urlOf = (tenant: string) => replicaSyncUrl({ namespace: tenant, port: port() });
/** acme's rows as the primary holds them (the stack's view, through the namespace header). */
const acmeOnPrimary = async () => {
  const reply = await executeRaw(cluster.primary.httpUrl, "SELECT body FROM notes ORDER BY id", { token: await token("acme", "ro"), namespace: "acme" });
  return resultValues(reply).map((r) => r[0]);
};

beforeAll(async () => {
  cluster = await startStackSqld("dev", { tenants: TENANTS });
  await createNamespaces(cluster, TENANTS);
  await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: TENANTS, perTenant: true });
  const setup = openRemoteClient({ url: urlOf("acme"), token: await token("acme", "rw") });
  try {
    expect(await setup.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)")).toMatchObject({ ok: true });
    expect(await setup.execute("INSERT INTO notes(body) VALUES ('first')")).toMatchObject({ ok: true });
  } finally {
    await setup.close();
  }
});
afterAll(() => cluster?.close());

describe("clients of acme at http://acme.db.test:<port>", () => {
  it("remote @libsql/client: reads and writes by host name; an ro token's write is refused, nothing changed", async () => {
    const rw = openRemoteClient({ url: urlOf("acme"), token: await token("acme", "rw") });
    const ro = openRemoteClient({ url: urlOf("acme"), token: await token("acme", "ro") });
    try {
      expect(await rw.execute("INSERT INTO notes(body) VALUES ('remote')")).toMatchObject({ ok: true });
      expect(await ro.execute("SELECT body FROM notes ORDER BY id")).toEqual({ ok: true, rows: [["first"], ["remote"]] });
      // sqld answers 403 (Hrana: "Authorization forbidden"); the stock client shows only the status.
      expect(await ro.execute("DELETE FROM notes")).toEqual({ ok: false, error: "SERVER_ERROR: Server returned HTTP status 403", cause: "Server returned HTTP status 403" });
    } finally {
      await rw.close();
      await ro.close();
    }
    expect(await acmeOnPrimary()).toEqual(["first", "remote"]);
  });

  it("globex's token at acme's URL: remote reads and writes are refused, nothing changed", async () => {
    const remote = openRemoteClient({ url: urlOf("acme"), token: await token("globex", "rw") });
    try {
      // acme's namespace accepts acme's key only: 401 before any statement runs.
      const refused = { ok: false, error: "SERVER_ERROR: Server returned HTTP status 401", cause: "Server returned HTTP status 401" };
      expect(await remote.execute("SELECT body FROM notes")).toEqual(refused);
      expect(await remote.execute("DELETE FROM notes")).toEqual(refused);
    } finally {
      await remote.close();
    }
    expect(await acmeOnPrimary()).toEqual(["first", "remote"]);
  });

  it.skipIf(!hasDrizzle())("drizzle-orm (drizzle-orm/libsql): inserts and selects by host name; globex's token is refused", async () => {
    const db = openRemoteClient({ url: urlOf("acme"), token: await token("acme", "rw"), orm: "drizzle" });
    try {
      expect(await db.insertNote("drizzle")).toMatchObject({ ok: true });
      expect(await db.selectNotes()).toEqual({ ok: true, rows: [["first"], ["remote"], ["drizzle"]] });
    } finally {
      await db.close();
    }
    const thief = openRemoteClient({ url: urlOf("acme"), token: await token("globex", "rw"), orm: "drizzle" });
    try {
      // drizzle wraps the driver's error; its cause is the client's.
      expect(await thief.insertNote("stolen")).toMatchObject({ ok: false, error: expect.stringMatching(/^Failed query: insert into "notes"/), cause: "SERVER_ERROR: Server returned HTTP status 401" });
    } finally {
      await thief.close();
    }
    expect(await acmeOnPrimary()).toEqual(["first", "remote", "drizzle"]);
  });
});
