/**
 * Embedded replicas (npm `libsql` via @libsql/client `file:` + `syncUrl`) on the real hardened sqld, the way a
 * tenant's phone or server uses them, with per-tenant keys set by the deploy's own step: initial and incremental
 * sync, offline reads, a write forwarded to the primary and seen by a second replica, refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { mintScopedToken } from "../../worker/jwt";
import { openEmbeddedReplica } from "../../local/clients/embedded-replica";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, executeRaw, firstResult } from "../../local/sqld/tenant-client";

let cluster: LocalSqldCluster;
const TENANTS = ["acme", "globex"];

const token = async (tenant: string, access: "ro" | "rw") =>
  (await mintScopedToken(cluster.keys.privateKeyPem, { tenant, access, ttlSeconds: 600, nowSeconds: Math.floor(Date.now() / 1000) }, "per-tenant")).token;
const port = () => Number(new URL(cluster.primary.httpUrl).port);
const onPrimary = async (sql: string) => {
  const reply = await executeRaw(cluster.primary.httpUrl, sql, { token: await token("acme", "rw"), namespace: "acme" });
  expect(firstResult(reply)?.type, reply.text).toBe("ok");
};

beforeAll(async () => {
  cluster = await startStackSqld("dev", { tenants: TENANTS });
  await createNamespaces(cluster, TENANTS);
  await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: TENANTS, perTenant: true });
  await onPrimary("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)");
  await onPrimary("INSERT INTO notes(body) VALUES ('first')");
});
afterAll(() => cluster?.close());

describe("embedded replicas of acme on real sqld", () => {
  it("sync, incremental sync, a forwarded write seen by a second replica, offline reads", async () => {
    const phone = await openEmbeddedReplica({ namespace: "acme", port: port(), token: await token("acme", "rw") });
    const laptop = await openEmbeddedReplica({ namespace: "acme", port: port(), token: await token("acme", "rw") });
    try {
      expect(await phone.sync()).toMatchObject({ ok: true });
      expect(await phone.execute("SELECT body FROM notes ORDER BY id")).toEqual({ ok: true, rows: [["first"]] });
      const timed = await phone.time("SELECT body FROM notes WHERE id = ?", [[1], [2], [1]]);
      expect(timed).toMatchObject({ ok: true, ms: [expect.any(Number), expect.any(Number), expect.any(Number)] });
      expect(await phone.time("SELECT nope FROM notes WHERE id = ?", [[1]])).toMatchObject({ ok: false, error: expect.stringMatching(/no such column/) });

      await onPrimary("INSERT INTO notes(body) VALUES ('second')");
      expect(await phone.sync()).toMatchObject({ ok: true });
      expect(await phone.execute("SELECT body FROM notes ORDER BY id")).toEqual({ ok: true, rows: [["first"], ["second"]] });

      expect(await phone.execute("INSERT INTO notes(body) VALUES ('from the phone')")).toMatchObject({ ok: true });
      expect(await laptop.sync()).toMatchObject({ ok: true });
      expect(await laptop.execute("SELECT body FROM notes ORDER BY id")).toEqual({ ok: true, rows: [["first"], ["second"], ["from the phone"]] });

      await cluster.primary.process.stop();
      expect(await laptop.execute("SELECT count(*) FROM notes")).toEqual({ ok: true, rows: [[3]] });
      expect((await laptop.sync()).ok).toBe(false);
      await cluster.primary.process.start();
    } finally {
      await phone.close();
      await laptop.close();
    }
  });

  it("an ro token syncs but cannot write; globex's token cannot sync acme", async () => {
    const reader = await openEmbeddedReplica({ namespace: "acme", port: port(), token: await token("acme", "ro") });
    try {
      expect(await reader.sync()).toMatchObject({ ok: true });
      const write = await reader.execute("INSERT INTO notes(body) VALUES ('ro')");
      expect(write.ok).toBe(false);
      expect(JSON.stringify(write)).toMatch(/Write permission|forbidden|Authorization/i);
    } finally {
      await reader.close();
    }
    const thief = await openEmbeddedReplica({ namespace: "acme", port: port(), token: await token("globex", "rw") });
    try {
      const stolen = await thief.sync();
      expect(stolen.ok).toBe(false);
      // npm libsql 0.5.29 retries a refused handshake (sqld: gRPC Unauthenticated) and then reports only this.
      expect(stolen).toEqual({ ok: false, error: "Replication(PrimaryHandshakeTimeout)" });
      expect(JSON.stringify(await thief.execute("SELECT * FROM notes"))).not.toContain("first");
    } finally {
      await thief.close();
    }
  });
});
