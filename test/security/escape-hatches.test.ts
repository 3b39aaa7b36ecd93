// Hostile tenant vs SQLite's other ways out of its own database file: ATTACH, VACUUM (INTO), load_extension,
// writable pragmas, sqlite_dbpage, temp files, fts3_tokenizer, the SQLite3 Multiple Ciphers functions and what
// introspection functions reveal. Real hardened sqld; ro/rw tokens direct and the gateway's read/write modes. In
// both modes: self-hosted (a namespace per tenant) and managed (the Turso double's databases, each the same hardened
// sqld: this shows the gateway's managed path and the double's isolation, not what Turso's own servers run).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTACKER, attack, CHANNELS, expectRefusedEverywhere, expectUnchanged, snapshot, startTenantArena, VICTIM, VICTIM_SECRET, type Outcome, type TenantArena } from "../support/security/arena";
import { GATEWAY_MODES } from "../support/worker/tenant-gateway";

/** A second attacker whose own database the sqlite_dbpage write wrecks, so acme stays usable for the rest. */
const WRECKER = "umbrella";

describe.each(GATEWAY_MODES)("%s", (mode) => {
  let arena: TenantArena;
  beforeAll(async () => {
    arena = await startTenantArena(mode, { attackers: [WRECKER] });
  });
  afterAll(() => arena?.close());

  const globexData = () => arena.tenants.dataFile(VICTIM);
  /** sqld's own SQL parser refuses the statement kind before SQLite sees it (direct: statement error; gateway: 400). */
  const unsupported = (kind: string) => new RegExp(`^(200 SQL string could not be parsed|400 .*SQL_PARSE_ERROR.*): unsupported statement: ${kind}`);

  /** Runs `sql` through every channel, expects every one served (200), and that nothing changed. */
  async function servedEverywhere(sql: string): Promise<Record<string, Outcome>> {
    const before = await snapshot(arena);
    const outcomes: Record<string, Outcome> = {};
    for (const channel of CHANNELS) {
      outcomes[channel] = await attack(arena, channel, sql);
      expect(outcomes[channel]!.status, `${channel}: ${outcomes[channel]!.error}`).toBe(200);
    }
    await expectUnchanged(arena, before);
    return outcomes;
  }

  describe("other databases and files: refused", () => {
    it("ATTACH globex's file AS g", async () => {
      await expectRefusedEverywhere(arena, `ATTACH '${globexData()}' AS g`, unsupported("ATTACH"));
    });

    it("ATTACH 'file:…?mode=ro' (URI form, read-only)", async () => {
      await expectRefusedEverywhere(arena, `ATTACH 'file:${globexData()}?mode=ro' AS g`, unsupported("ATTACH"));
    });

    it("DETACH (nothing is attached; main cannot be detached)", async () => {
      await expectRefusedEverywhere(arena, "DETACH g", /no such database: g/);
      await expectRefusedEverywhere(arena, "DETACH main", /cannot detach database main/);
    });

    it("VACUUM INTO a path outside and inside the volume creates no file", async () => {
      for (const target of [join(arena.outside, "copy.db"), join(dirname(globexData()), "copy.db")]) {
        await expectRefusedEverywhere(arena, `VACUUM INTO '${target}'`, unsupported("VACUUM INTO"));
        expect(existsSync(target)).toBe(false);
      }
    });

    it("VACUUM", async () => {
      await expectRefusedEverywhere(arena, "VACUUM", unsupported("VACUUM"));
    });

    it("load_extension of a shared library: not authorized", async () => {
      await expectRefusedEverywhere(arena, "SELECT load_extension('/lib/x86_64-linux-gnu/libc.so.6')", /SQLite error: not authorized/);
    });

    it.each([
      "PRAGMA journal_mode=delete",
      "PRAGMA writable_schema=1",
      "PRAGMA temp_store_directory='/tmp'",
      "PRAGMA mmap_size=268435456",
      "PRAGMA wal_checkpoint(TRUNCATE)",
    ])("writable pragma %s", async (sql) => {
      await expectRefusedEverywhere(arena, sql, unsupported("PRAGMA"));
    });

    it("temp-file tricks: CREATE TEMP TABLE and PRAGMA temp_store=file", async () => {
      await expectRefusedEverywhere(arena, "CREATE TEMP TABLE stash(x)", unsupported("CREATE TEMP TABLE"));
      await expectRefusedEverywhere(arena, "PRAGMA temp_store=file", unsupported("PRAGMA"));
    });

    it("fts3_tokenizer with 2 args (installing a tokenizer from a pointer): fts3tokenize disabled", async () => {
      await expectRefusedEverywhere(arena, "SELECT fts3_tokenizer('simple', x'4141414141414141')", /SQLite error: fts3tokenize disabled/);
    });
  });

  describe("sqlite_dbpage: raw pages of acme's own file only", () => {
    it("reading every page shows acme's bytes, never globex's; another tenant's name gives zero pages", async () => {
      const outcomes = await servedEverywhere("SELECT pgno, hex(data) FROM sqlite_dbpage");
      for (const outcome of Object.values(outcomes)) {
        const bytes = Buffer.from(outcome.rows!.map((row) => String(row[1])).join(""), "hex").toString("latin1");
        expect(bytes.startsWith("SQLite format 3\0")).toBe(true);
        expect(bytes).toContain("CREATE TABLE notes"); // acme's own schema is there: the read works
        expect(bytes).not.toContain(VICTIM_SECRET);
        expect(bytes).not.toContain("CREATE TABLE secrets");
      }
      // A schema argument naming another tenant is just an unknown schema of acme's connection: zero pages.
      for (const outcome of Object.values(await servedEverywhere(`SELECT count(*) FROM sqlite_dbpage('${VICTIM}')`))) expect(outcome.rows).toEqual([[0]]);
    });

    it("INSERT INTO sqlite_dbpage: ro forbidden, rw refused by the hardened dbpageUpdate", async () => {
      await expectRefusedEverywhere(arena, "INSERT INTO sqlite_dbpage(pgno, data) VALUES (1, zeroblob(4096))", {
        "direct ro": new RegExp(`^403 Authorization forbidden: Current session doesn't not have Write permission to namespace ${arena.tenants.databaseName(ATTACKER)}$`),
        "direct rw": /^200 SQLite error: attempt to write a readonly database$/,
        "gateway read": /^403 mode "read" is read-only/,
        "gateway write": /^400 .*readonly/,
      });
    });
  });

  describe("sqlite_dbpage writes (rw): raw page bytes of the tenant's own file", () => {
    // FIXED by the hardening step's second patch (dbpageUpdate returns SQLITE_READONLY). Was: with an rw token, `UPDATE sqlite_dbpage SET data = zeroblob(4096) WHERE pgno = 1` SUCCEEDS
    // (200, affected_row_count 1): the tenant overwrites raw pages of its own database file, after which every query
    // on that namespace answers HTTP 500 "file is not a database". Only the tenant's own file is reachable, but it
    // lets any rw token feed arbitrary bytes to SQLite's page parser inside the process all tenants share (the
    // classic way to reach SQLite memory-safety bugs). Same through the gateway's write mode. Expected: refused.
    it("UPDATE sqlite_dbpage SET data = zeroblob(4096) WHERE pgno = 1 is refused for every token and mode", async () => {
      for (const channel of CHANNELS) {
        const outcome = await attack(arena, channel, "UPDATE sqlite_dbpage SET data = zeroblob(4096) WHERE pgno = 1", WRECKER);
        expect(outcome.status === 200 && outcome.error === undefined, `${channel}: the page write went through`).toBe(false);
      }
    });

    it("a tenant wrecking its own pages leaves globex unchanged and served, acme served, sqld up", async () => {
      const before = await snapshot(arena);
      await attack(arena, "direct rw", "UPDATE sqlite_dbpage SET data = zeroblob(4096) WHERE pgno = 1", WRECKER);
      await expectUnchanged(arena, before);
      expect((await attack(arena, "gateway read", "SELECT count(*) FROM notes")).rows).toEqual([[0]]);
      expect(arena.tenants.running()).toBe(true);
    });
  });

  describe("SQLite3 Multiple Ciphers functions (compiled into sqld): no reach beyond acme", () => {
    it("sqlite3mc_config('default:cipher', …) cannot change the process-wide default cipher", async () => {
      const set = await servedEverywhere("SELECT sqlite3mc_config('default:cipher', 'chacha20')");
      for (const outcome of Object.values(set)) expect(outcome.rows).toEqual([[null]]); // NULL: the setter refused
      for (const tenant of [ATTACKER, VICTIM]) {
        const get = await attack(arena, "direct ro", "SELECT sqlite3mc_config('default:cipher')", tenant);
        expect(get.rows, tenant).toEqual([["aes256cbc"]]);
      }
    });

    it("sqlite3mc_codec_data(…) returns NULL: no cipher, salt or key material, for acme's schema or globex's name", async () => {
      for (const sql of ["SELECT sqlite3mc_codec_data('cipher')", "SELECT sqlite3mc_codec_data('cipher_salt')", `SELECT sqlite3mc_codec_data('cipher_salt', '${VICTIM}')`]) {
        const outcomes = await servedEverywhere(sql);
        for (const outcome of Object.values(outcomes)) expect(outcome.rows, sql).toEqual([[null]]);
      }
    });

    it("fts3_tokenizer with 1 arg returns NULL, not a pointer into sqld's memory", async () => {
      const outcomes = await servedEverywhere("SELECT fts3_tokenizer('simple')");
      for (const outcome of Object.values(outcomes)) expect(outcome.rows).toEqual([[null]]);
    });
  });

  describe("introspection: what a tenant learns", () => {
    it("libsql_server_database_name() is acme's own database name (its namespace; managed: its DbId)", async () => {
      const outcomes = await servedEverywhere("SELECT libsql_server_database_name()");
      for (const outcome of Object.values(outcomes)) expect(outcome.rows).toEqual([[arena.tenants.databaseName(ATTACKER)]]);
    });

    it("sqlite_compileoption_get / pragma_compile_options: build options only, no key, no path", async () => {
      const outcomes = await servedEverywhere("SELECT group_concat(compile_options, ' ') FROM pragma_compile_options");
      for (const outcome of Object.values(outcomes)) {
        const options = String(outcome.rows![0]![0]);
        expect(options).toContain("THREADSAFE=");
        for (const secret of arena.tenants.secrets) expect(options).not.toContain(secret);
      }
      const first = await servedEverywhere("SELECT sqlite_compileoption_get(0)");
      for (const outcome of Object.values(first)) expect(outcome.rows).toEqual([["ATOMIC_INTRINSICS=1"]]);
    });

    it("PRAGMA database_list reveals acme's own absolute file path (the volume layout), and only that", async () => {
      const outcomes = await servedEverywhere("PRAGMA database_list");
      for (const outcome of Object.values(outcomes)) expect(outcome.rows).toEqual([[0, "main", arena.tenants.dataFile(ATTACKER)]]);
    });
  });
});
