/**
 * Embedded replicas (npm `libsql` via @libsql/client `file:` + `syncUrl`) on the real hardened sqld, the way a
 * tenant's phone or server uses them, with per-tenant keys set by the deploy's own step: initial and incremental
 * sync, offline reads, a write forwarded to the primary and seen by a second replica, refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedReplica } from "../../local/clients/embedded-replica";
import { startTenantSqld, type TenantSqld } from "../../local/sqld/tenant-stack";

let sqld: TenantSqld;
const token = (tenant: string, access: "ro" | "rw") => sqld.token(tenant, access);
const port = () => sqld.port;
const onPrimary = (sql: string) => sqld.onPrimary("acme", sql);
/** acme's rows on the primary, read with the stack's view (namespace header). */
const onPrimaryRows = async () => (await onPrimary("SELECT body FROM notes ORDER BY id")).map((r) => r[0]);

beforeAll(async () => {
  sqld = await startTenantSqld(["acme", "globex"]);
  await onPrimary("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)");
  await onPrimary("INSERT INTO notes(body) VALUES ('first')");
});
afterAll(() => sqld?.close());

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

      await sqld.cluster.primary.process.stop();
      expect(await laptop.execute("SELECT count(*) FROM notes")).toEqual({ ok: true, rows: [[3]] });
      expect((await laptop.sync()).ok).toBe(false);
      await sqld.cluster.primary.process.start();
    } finally {
      await phone.close();
      await laptop.close();
    }
  });

  it("an ro token syncs but its write is refused with sqld's reason; nothing changed on the primary", async () => {
    const before = await onPrimaryRows();
    const reader = await openEmbeddedReplica({ namespace: "acme", port: port(), token: await token("acme", "ro") });
    try {
      expect(await reader.sync()).toMatchObject({ ok: true });
      // npm libsql 0.5.29 delegates the write to the primary over gRPC; sqld's refusal comes back whole (then
      // response metadata with a date, and a stack trace).
      const write = await reader.execute("INSERT INTO notes(body) VALUES ('ro')");
      expect(write.ok).toBe(false);
      expect(write.ok || write.error).toMatch(
        /^WriteDelegation\(status: PermissionDenied, message: "Authorization forbidden: Current session doesn't not have Write permission to namespace acme", /,
      );
    } finally {
      await reader.close();
    }
    expect(await onPrimaryRows()).toEqual(before);
  });

  it("globex's token cannot sync acme: the error and log lines a user sees, and none of acme's rows", async () => {
    const thief = await openEmbeddedReplica({ namespace: "acme", port: port(), token: await token("globex", "rw") });
    try {
      // npm libsql 0.5.29 retries the refused handshake once a second (sqld: gRPC UNAUTHENTICATED, code 16; with
      // RUST_LOG=warn libsql also logs sqld's "AuthError: The JWT is invalid"), logs each failure, then throws this.
      expect(await thief.sync()).toEqual({ ok: false, error: "Replication(PrimaryHandshakeTimeout)" });
      const refusals = thief.log().filter((line) => /ERROR tower_http::trace::on_failure: response failed classification=Code: 16 latency=\d+ ms$/.test(line));
      expect(refusals, thief.log().join("\n")).toHaveLength(3);
      expect(JSON.stringify(await thief.execute("SELECT * FROM notes"))).not.toContain("first");
    } finally {
      await thief.close();
    }
  });
});
