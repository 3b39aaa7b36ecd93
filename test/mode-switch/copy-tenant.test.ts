/**
 * The mode-switch copy engine on real servers, both directions: the self-hosted side is the dev stack's real sqld
 * (tenants with their own keys, local/sqld/tenant-stack.ts); the managed side is the box's Turso double, whose
 * databases are real sqld behind TLS (local/box/turso.ts) and which takes the upload and serves /dump.
 * Asserts: data identical (row counts + checksums) after each copy and after a round trip; writes on the
 * self-hosted source refused with the reason while the copy holds the block and the config restored exactly on
 * release; a re-run skips a complete target and replaces a partial one; a value the dump format cannot carry makes
 * the copy fail loudly with the source unchanged and unblocked; another tenant untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Box } from "../../local/box/box";
import { startSwitchSides, type SwitchSidesFixture } from "../support/mode-switch-sides";
import type { TenantSqld } from "../../local/sqld/tenant-stack";
import { copyToManaged, copyToSelfHosted, type ManagedTenant, type SelfHostedTenant } from "../../scripts/lib/mode-switch/copy-tenant";
import { HranaStream } from "../../scripts/lib/mode-switch/hrana";
import { mintDatabaseToken } from "../../scripts/lib/mode-switch/turso-api";
import { digestDatabase } from "../../scripts/lib/mode-switch/verify";
import { readNamespaceConfig } from "../../scripts/lib/namespace-config";
import { fillMegabytes, runSql, TRICKY_SQL } from "../../local/mode-switch/tenant-data";

describe("mode-switch copy engine (real sqld both sides)", () => {
  let sides: SwitchSidesFixture;
  let box: Box;
  let sqld: TenantSqld;
  let dir: string;
  let ca: string;
  const selfHosted = (tenant: string): Promise<SelfHostedTenant> => sides.selfHosted(tenant);
  const managed = (database: string): ManagedTenant => sides.managed(database);

  beforeAll(async () => {
    sides = await startSwitchSides(["acme", "globex", "back", "empty", "lossy", "quoted", "big", "bigback"], "mode-copy");
    ({ box, sqld, dir, ca } = sides);
    await runSql((await selfHosted("acme")).endpoint, TRICKY_SQL);
    await runSql((await selfHosted("globex")).endpoint, ["CREATE TABLE g(x)", "INSERT INTO g VALUES ('globex row')"]);
  }, 120_000);
  afterAll(async () => sides?.close());

  it("self-hosted → managed: tricky data identical; writes refused with the reason during the block; release restores the config exactly", async () => {
    const source = await selfHosted("acme");
    const globexBefore = await digestDatabase((await selfHosted("globex")).endpoint);
    const configBefore = await readNamespaceConfig(source.admin, "acme");
    const result = await copyToManaged({ source, target: managed("acme"), workDir: dir });
    expect(result.outcome).toBe("copied");
    expect(Object.keys(result.digest.tables).sort()).toEqual(["kv", "notes", "odd; name", "search_config", "search_content", "search_data", "search_docsize", "search_idx", "sqlite_sequence"]);
    expect(result.digest.tables.notes!.rows).toBe(4);
    // The source still holds what it held (the digest the copy verified against).
    expect(await digestDatabase(source.endpoint)).toEqual(result.digest);
    // While the block is held, a write by the tenant is refused with the reason; a read works; globex writes.
    const write = new HranaStream(source.endpoint);
    await expect(write.query("INSERT INTO kv VALUES ('during', 'copy')")).rejects.toThrow(/mode switch in progress/);
    await write.close().catch(() => undefined);
    // kv: 2 rows inserted + 4 by the trigger (one per note).
    expect((await new HranaStream(source.endpoint).query("SELECT count(*) FROM kv")).rows[0]![0]).toEqual({ type: "integer", value: "6" });
    await runSql((await selfHosted("globex")).endpoint, ["INSERT INTO g VALUES ('during')"]);
    await result.sourceBlock.release();
    expect(await readNamespaceConfig(source.admin, "acme")).toEqual(configBefore);
    await runSql(source.endpoint, ["INSERT INTO kv VALUES ('after', 'release')", "DELETE FROM kv WHERE k = 'after'"]);
    // The managed copy answers the tenant's data through a normal query (FTS5 included).
    const turso = (await box.turso()).databases.acme!;
    const target = { url: `https://${turso.hostname}`, token: await mintDatabaseToken(managed("acme").api, "acme"), ca };
    expect((await new HranaStream(target).query("SELECT body FROM search WHERE search MATCH 'hello'")).rows).toEqual([[{ type: "text", value: "hello world; bye" }]]);
    expect((await digestDatabase((await selfHosted("globex")).endpoint)).tables.g!.rows).toBe(globexBefore.tables.g!.rows + 1);
  }, 120_000);

  it("a re-run finds the managed copy complete and skips it", async () => {
    const result = await copyToManaged({ source: await selfHosted("acme"), target: managed("acme"), workDir: dir });
    expect(result.outcome).toBe("already-complete");
    await result.sourceBlock.release();
  }, 60_000);

  it("managed → self-hosted: Turso's /dump replayed through Hrana; the round trip equals the original; partial target replaced", async () => {
    const original = await digestDatabase((await selfHosted("acme")).endpoint);
    const target = await selfHosted("back");
    const configBefore = await readNamespaceConfig(target.admin, "back");
    const result = await copyToSelfHosted({ source: managed("acme"), target, limits: { statements: 3 } });
    expect(result.outcome).toBe("copied");
    expect(await digestDatabase(target.endpoint)).toEqual(original);
    // The managed source is write-blocked (updateDatabaseConfiguration block_writes) until released.
    const turso = (await box.turso()).databases.acme!;
    const sourceDb = { url: `https://${turso.hostname}`, token: await mintDatabaseToken(managed("acme").api, "acme"), ca };
    await expect(new HranaStream(sourceDb).query("INSERT INTO kv VALUES ('during', 'copy')")).rejects.toThrow(/BLOCKED Operation was blocked/);
    expect((await new HranaStream(sourceDb).query("SELECT count(*) FROM kv")).rows[0]![0]).toEqual({ type: "integer", value: "6" });
    await result.sourceBlock.release();
    await runSql(sourceDb, ["INSERT INTO kv VALUES ('after', 'release')", "DELETE FROM kv WHERE k = 'after'"]);
    // The namespace keeps the stack's config (its own jwt_key: the tenant's token still works).
    expect(await readNamespaceConfig(target.admin, "back")).toEqual(configBefore);
    const again = await copyToSelfHosted({ source: managed("acme"), target });
    expect(again.outcome).toBe("already-complete");
    await again.sourceBlock.release();
    await runSql(target.endpoint, ["INSERT INTO kv VALUES ('stray', 'row')"]);
    const replaced = await copyToSelfHosted({ source: managed("acme"), target });
    expect(replaced.outcome).toBe("copied");
    await replaced.sourceBlock.release();
    expect(await digestDatabase(target.endpoint)).toEqual(original);
  }, 120_000);

  it("an empty tenant copies both ways", async () => {
    const out = await copyToManaged({ source: await selfHosted("empty"), target: managed("empty"), workDir: dir });
    expect(out.digest).toEqual({ schema: [], tables: {} });
    await out.sourceBlock.release();
    const back = await selfHosted("back");
    const result = await copyToSelfHosted({ source: managed("empty"), target: back });
    expect(result.outcome).toBe("copied");
    await result.sourceBlock.release();
    expect(await digestDatabase(back.endpoint)).toEqual({ schema: [], tables: {} });
  }, 60_000);

  it("a value the dump cannot carry (REAL 2.0 in an untyped column) fails loudly; the source is unchanged and unblocked", async () => {
    const source = await selfHosted("lossy");
    await runSql(source.endpoint, ["CREATE TABLE m(v)", "INSERT INTO m VALUES (2.0), (2)"]);
    const before = await digestDatabase(source.endpoint);
    const configBefore = await readNamespaceConfig(source.admin, "lossy");
    await expect(copyToManaged({ source, target: managed("lossy"), workDir: dir })).rejects.toThrow(/table m: same 2 rows but different content/);
    expect(await digestDatabase(source.endpoint)).toEqual(before);
    expect(await readNamespaceConfig(source.admin, "lossy")).toEqual(configBefore);
    await runSql(source.endpoint, ["INSERT INTO m VALUES (3)"]);
    // The target is left for inspection.
    expect((await box.turso()).databases.lossy?.running).toBe(true);
  }, 60_000);

  it("a batch is one transaction: a failing statement rolls the whole batch back", async () => {
    const e = (await selfHosted("lossy")).endpoint;
    const stream = new HranaStream(e);
    await expect(stream.transaction([{ sql: "CREATE TABLE tx(x UNIQUE)" }, { sql: "INSERT INTO tx VALUES (1)" }, { sql: "INSERT INTO tx VALUES (1)" }])).rejects.toThrow(/UNIQUE.*rolled back/);
    await stream.transaction([{ sql: "CREATE TABLE tx2(x)" }]);
    expect((await stream.query("SELECT name FROM sqlite_schema WHERE name LIKE 'tx%'")).rows).toEqual([[{ type: "text", value: "tx2" }]]);
    await stream.close();
  });

  it("a dump sqld ends early (a table name with a double quote) fails the copy; the source is unblocked", async () => {
    const source = await selfHosted("quoted");
    await runSql(source.endpoint, ['CREATE TABLE "we""ird"(x)', `INSERT INTO "we""ird" VALUES (1)`]);
    const configBefore = await readNamespaceConfig(source.admin, "quoted");
    await expect(copyToManaged({ source, target: managed("quoted"), workDir: dir })).rejects.toThrow(/aborted|incomplete|terminated|socket hang up/i);
    expect(await readNamespaceConfig(source.admin, "quoted")).toEqual(configBefore);
    expect((await box.turso()).databases.quoted).toBeUndefined();
  });

  it("a 10 MB tenant streams both ways and verifies", async () => {
    const source = await selfHosted("big");
    await fillMegabytes(source.endpoint, "bulk", 10);
    const out = await copyToManaged({ source, target: managed("big"), workDir: dir });
    await out.sourceBlock.release();
    expect(out.digest.tables.bulk!.rows).toBe(10 * 1024);
    const back = await copyToSelfHosted({ source: managed("big"), target: await selfHosted("bigback") });
    expect(back.digest).toEqual(out.digest);
    await back.sourceBlock.release();
  }, 300_000);
});
