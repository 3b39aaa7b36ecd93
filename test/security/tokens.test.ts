// Hostile tenant vs token checks on the real hardened sqld: a token for one tenant used on another (p form, legacy
// id form, gateway-minted), an ro token writing every way Hrana allows, forged tokens (expired, alg none, foreign
// key), and our own minting code, which must never produce a token without a namespace scope. The handed-out tokens
// and the ro writes run in both modes (managed: the Turso double's database tokens on its databases, each a real sqld
// that authorizes an `id` token for its own database only); hand-signed and forged tokens, and our minting, are
// self-hosted: in managed mode Turso signs every token and the stack holds no signing key.
import { generateKeyPairSync } from "node:crypto";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintServiceToken } from "../../infra/auth/service-token";
import { buildScopedClaims } from "../../worker/claims";
import { nowSeconds, signTestJwt } from "../support/worker/jwt-for-tests";
import { ATTACKER, expectUnchanged, snapshot, startArena, startTenantArena, VICTIM, VICTIM_SECRET, type Arena, type TenantArena } from "../support/security/arena";
import { close, execute, rawPipeline, type RawReply } from "../support/security/raw-hrana";
import { GATEWAY_MODES } from "../support/worker/tenant-gateway";

const readSecret = [execute("SELECT value FROM secrets"), close];
const statusAndText = (reply: RawReply) => ({ status: reply.status, text: reply.text });

/** acme's own schema and note count: an ro write must leave the attacker's database as it was, too. */
async function attackerState(arena: TenantArena): Promise<string> {
  const reply = await arena.tenants.pipeline(
    ATTACKER,
    await arena.token(ATTACKER, "rw"),
    [execute("SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema ORDER BY name)"), execute("SELECT count(*) FROM notes"), close],
  );
  expect(reply.status, reply.text).toBe(200);
  return JSON.stringify(reply.json!.results!.slice(0, 2).map((r) => (r.response as { result: { rows: unknown } }).result.rows));
}

/** Sends `requests` with `token` to `tenant`'s database; globex, acme and the disk must be unchanged afterwards. */
async function attemptOn(arena: TenantArena, token: string, tenant: string, requests: unknown[]): Promise<RawReply> {
  const before = await snapshot(arena);
  const attackerBefore = await attackerState(arena);
  const reply = await arena.tenants.pipeline(tenant, token, requests);
  await expectUnchanged(arena, before);
  expect(await attackerState(arena), "acme's own database changed").toBe(attackerBefore);
  expect(reply.text).not.toContain(VICTIM_SECRET);
  return reply;
}

describe.each(GATEWAY_MODES)("%s", (mode) => {
  let arena: TenantArena;
  beforeAll(async () => {
    arena = await startTenantArena(mode);
  });
  afterAll(() => arena?.close());
  const attempt = (token: string, tenant: string, requests: unknown[]) => attemptOn(arena, token, tenant, requests);
  /** A token of acme's on globex's database: sqld answers as if globex (managed: its DbId namespace) did not exist. */
  const crossRefusal = () => ({ status: 404, text: JSON.stringify({ error: `Namespace \`${arena.tenants.databaseName(VICTIM)}\` doesn't exist` }) });

  describe("a token for acme used on globex", () => {
    it.each(["ro", "rw"] as const)("acme's %s token (self-hosted: gateway-minted, p form; managed: its database token): refused", async (access) => {
      expect(statusAndText(await attempt(await arena.token(ATTACKER, access), VICTIM, readSecret))).toEqual(crossRefusal());
    });

    it("the token /v1/tenants/acme/token hands out: refused on globex", async () => {
      const minted = await arena.tenants.call("POST", `/v1/tenants/${ATTACKER}/token`, { body: { access: "rw" } });
      expect(minted.status).toBe(200);
      expect(statusAndText(await attempt(String(minted.json.token), VICTIM, readSecret))).toEqual(crossRefusal());
    });
  });

  describe("an ro token writing its own database", () => {
    const forbidden = () => ({ status: 403, text: JSON.stringify({ error: `Authorization forbidden: Current session doesn't not have Write permission to namespace ${arena.tenants.databaseName(ATTACKER)}` }) });

    it.each(["INSERT INTO notes VALUES ('ro wrote')", "CREATE TABLE ro_made(x)", "DROP TABLE notes"])("%s: 403", async (sql) => {
      expect(statusAndText(await attempt(await arena.token(ATTACKER, "ro"), ATTACKER, [execute(sql), close]))).toEqual(forbidden());
    });

    it("inside BEGIN TRANSACTION READONLY: 403", async () => {
      const requests = [execute("BEGIN TRANSACTION READONLY"), execute("DELETE FROM notes"), execute("COMMIT"), close];
      expect(statusAndText(await attempt(await arena.token(ATTACKER, "ro"), ATTACKER, requests))).toEqual(forbidden());
    });

    it("in a Hrana batch (how clients send transactions): 403", async () => {
      const batch = { type: "batch", batch: { steps: [{ stmt: { sql: "SELECT 1" } }, { stmt: { sql: "DROP TABLE notes" } }] } };
      expect(statusAndText(await attempt(await arena.token(ATTACKER, "ro"), ATTACKER, [batch, close]))).toEqual(forbidden());
    });

    it("through the gateway in read mode: 403 READ_ONLY for INSERT, CREATE, DROP", async () => {
      for (const sql of ["INSERT INTO notes VALUES ('x')", "CREATE TABLE ro_made(x)", "DROP TABLE notes"]) {
        const before = await snapshot(arena);
        const attackerBefore = await attackerState(arena);
        const reply = await arena.tenants.call("POST", `/v1/tenants/${ATTACKER}/query`, { body: { statements: [{ sql }], mode: "read" } });
        expect(reply.status, sql).toBe(403);
        expect(reply.json, sql).toEqual({ error: expect.stringMatching(/^mode "read" is read-only/), code: "READ_ONLY" });
        await expectUnchanged(arena, before);
        expect(await attackerState(arena)).toBe(attackerBefore);
      }
    });
  });
});

describe("self-hosted only", () => {
  let arena: Arena;
  beforeAll(async () => {
    arena = await startArena();
  });
  afterAll(() => arena?.close());
  const attempt = (token: string, tenant: string, requests: unknown[]) => attemptOn(arena, token, tenant, requests);
  const sign = (claims: Record<string, unknown>) => signTestJwt(claims, arena.gw.keys.privateKeyPem);
  const notFound = (ns: string) => ({ status: 404, text: JSON.stringify({ error: `Namespace \`${ns}\` doesn't exist` }) });

  describe("a hand-signed token for acme used on globex", () => {
    it.each([
      ["legacy id form, a=rw", { id: ATTACKER, a: "rw" }],
      ["legacy id form, a=ro", { id: ATTACKER, a: "ro" }],
      ["legacy id form, no a (defaults to rw)", { id: ATTACKER }],
      ["p form naming only acme at every level", { p: { ro: { ns: [ATTACKER] }, rw: { ns: [ATTACKER] } } }],
      ["p for acme plus id globex (p wins, id ignored)", { id: VICTIM, a: "rw", p: { rw: { ns: [ATTACKER] } } }],
    ])("hand-signed %s: 404", async (_, claims) => {
      const token = sign({ ...claims, exp: nowSeconds() + 300 });
      expect(statusAndText(await attempt(token, VICTIM, readSecret))).toEqual(notFound(VICTIM));
    });
  });


  describe("forged tokens on acme's own namespace: 401", () => {
    const invalid = (why: string) => ({ status: 401, text: JSON.stringify({ error: `Unauthorized: \`${why}\`` }) });

    it("expired an hour ago (beyond sqld's 60 s leeway)", async () => {
      const token = sign({ p: { rw: { ns: [ATTACKER] } }, exp: nowSeconds() - 3600 });
      expect(statusAndText(await attempt(token, ATTACKER, readSecret))).toEqual(invalid("The JWT has expired"));
    });

    it("alg none, no signature", async () => {
      const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
      const token = `${encode({ alg: "none", typ: "JWT" })}.${encode({ p: { rw: { ns: [ATTACKER] } }, exp: nowSeconds() + 300 })}.`;
      expect(statusAndText(await attempt(token, ATTACKER, readSecret))).toEqual(invalid("The JWT is invalid"));
    });

    it("signed by a random Ed25519 key", async () => {
      const stranger = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
      const token = signTestJwt({ p: { rw: { ns: [ATTACKER] } }, exp: nowSeconds() + 300 }, stranger);
      expect(statusAndText(await attempt(token, ATTACKER, readSecret))).toEqual(invalid("The JWT is invalid"));
    });
  });

  describe("our minting code never issues an unscoped token", () => {
    it("buildScopedClaims: p names exactly the one tenant at the one level, no id, always exp", () => {
      for (const access of ["ro", "rw"] as const) {
        for (const tenant of [ATTACKER, VICTIM, "a", "x".repeat(63)]) {
          const claims = buildScopedClaims({ tenant, access, ttlSeconds: 60, nowSeconds: 1_000 });
          expect(claims).toEqual({ p: { [access]: { ns: [tenant] } }, iat: 1_000, exp: 1_060 });
        }
      }
    });

    it.each(["", "*", "acme,globex", "ACME", "../globex", "default\n"])("buildScopedClaims refuses tenant %j", (tenant) => {
      expect(() => buildScopedClaims({ tenant, access: "rw", ttlSeconds: 60, nowSeconds: 0 })).toThrow(/invalid tenant name/);
    });

    it("buildScopedClaims refuses every other access level (rwa, roa, ddl, empty)", () => {
      for (const access of ["rwa", "roa", "ddl", ""]) {
        expect(() => buildScopedClaims({ tenant: ATTACKER, access: access as "rw", ttlSeconds: 60, nowSeconds: 0 })).toThrow(/invalid access level/);
      }
    });

    it("the gateway's /token route and the token cache sign p-scoped tokens only", async () => {
      const minted = await arena.gw.call("POST", `/v1/tenants/${ATTACKER}/token`, { body: { access: "ro" } });
      const claims = decodeJwt(String(minted.json.token));
      expect(Object.keys(claims).sort()).toEqual(["exp", "iat", "p"]);
      expect(claims.p).toEqual({ ro: { ns: [ATTACKER] } });
    });

    it("the service token with no namespaces is scoped to none: sqld refuses it for acme and globex", async () => {
      const token = mintServiceToken(arena.gw.keys.privateKeyPem, []);
      expect(decodeJwt(token)).toEqual({ p: { rw: { ns: [] } }, exp: expect.any(Number) });
      for (const tenant of [ATTACKER, VICTIM]) expect(statusAndText(await attempt(token, tenant, readSecret))).toEqual(notFound(tenant));
    });

    it("the service token verifies on sqld while in date, and sqld refuses it once its exp has passed (401)", async () => {
      const countNotes = [execute("SELECT count(*) FROM notes"), close];
      const now = nowSeconds();
      const current = mintServiceToken(arena.gw.keys.privateKeyPem, [ATTACKER], "rw", now);
      expect(decodeJwt(current).exp).toBeGreaterThan(now + 30 * 86400);
      expect((await rawPipeline(arena.gw.dbUrl, countNotes, { token: current, namespace: ATTACKER })).status).toBe(200);
      // Minted 61 days ago with no `up` since: its window's 60 days are over.
      const stale = mintServiceToken(arena.gw.keys.privateKeyPem, [ATTACKER], "rw", now - 61 * 86400);
      expect(decodeJwt(stale).exp).toBeLessThan(now - 60);
      expect((await rawPipeline(arena.gw.dbUrl, countNotes, { token: stale, namespace: ATTACKER })).status).toBe(401);
    });
  });
});
