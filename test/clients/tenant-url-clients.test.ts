/**
 * Remote clients reach their tenant by host name alone (`<tenant>.db.test`, sqld.tenantDomain), on the real hardened
 * sqld with per-tenant keys set by the deploy's own step: a stock @libsql/client and drizzle-orm over it, neither
 * sending a namespace header (embedded replicas: embedded-replica.test.ts). The refusals a tenant meets (an ro token's write,
 * another tenant's token) are asserted with the message the user sees, and that nothing changed on the primary.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replicaSyncUrl } from "../../local/clients/embedded-replica";
import { openRemoteClient } from "../../local/clients/remote-client";
import { startTenantSqld, type TenantSqld } from "../../local/sqld/tenant-stack";

let sqld: TenantSqld;
const token = (tenant: string, access: "ro" | "rw") => sqld.token(tenant, access);
const urlOf = (tenant: string) => replicaSyncUrl({ namespace: tenant, port: sqld.port });
/** acme's rows as the primary holds them (the stack's view, through the namespace header). */
const acmeOnPrimary = async () => (await sqld.onPrimary("acme", "SELECT body FROM notes ORDER BY id")).map((r) => r[0]);

beforeAll(async () => {
  sqld = await startTenantSqld(["acme", "globex"]);
  const setup = openRemoteClient({ url: urlOf("acme"), token: await token("acme", "rw") });
  try {
    expect(await setup.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)")).toMatchObject({ ok: true });
    expect(await setup.execute("INSERT INTO notes(body) VALUES ('first')")).toMatchObject({ ok: true });
  } finally {
    await setup.close();
  }
});
afterAll(() => sqld?.close());

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

  it("drizzle-orm (drizzle-orm/libsql): inserts and selects by host name; globex's token is refused", async () => {
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
