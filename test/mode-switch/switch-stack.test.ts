/**
 * The stack's mode switch (scripts/lib/mode-switch/switch-stack.ts, what the `mode-switch` Command runs) on real
 * servers both sides: the dev stack's real sqld with per-tenant keys, and the box's Turso double (each database a
 * real sqld behind TLS). A round trip self-hosted → managed → self-hosted → managed with writes in between, the
 * record deciding the direction; a Turso database the stack made is refilled in place (same id, its earlier token
 * still works); the retained side stays blocked, also when the stack re-applies tenant settings; the first run
 * refuses when both sides hold different data; a failure part-way gives every tenant its writes back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Box } from "../../local/box/box";
import { startSwitchSides, type SwitchSidesFixture } from "../support/mode-switch-sides";
import type { TenantSqld } from "../../local/sqld/tenant-stack";
import { runSql } from "../../local/mode-switch/tenant-data";
import { findDatabase, mintDatabaseToken } from "../../scripts/lib/mode-switch/turso-api";
import { digestDatabase } from "../../scripts/lib/mode-switch/verify";
import { MODE_SWITCH_BLOCK_REASON } from "../../scripts/lib/mode-switch/write-block";
import { readNamespaceConfig } from "../../scripts/lib/namespace-config";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { switchStack, SwitchRefused, type SwitchRecord, type SwitchSides, type SwitchTenant } from "../../scripts/lib/mode-switch/switch-stack";
import type { TenantEndpoint } from "../../scripts/lib/mode-switch/endpoint";

describe("mode switch of a stack (real sqld both sides)", () => {
  let f: SwitchSidesFixture;
  let box: Box;
  let sqld: TenantSqld;
  let dir: string;
  let ca: string;
  const api = () => f.api;
  const sides = (): SwitchSides => ({ selfHosted: (t) => f.selfHosted(t.tenant), managed: (t) => f.managed(t.database), workDir: dir });
  const tenants = (...names: string[]): SwitchTenant[] => names.map((tenant) => ({ tenant, database: `app-${tenant}` }));
  const sqldEndpoint = async (tenant: string): Promise<TenantEndpoint> => (await f.selfHosted(tenant)).endpoint;
  const tursoEndpoint = async (database: string, token?: string): Promise<TenantEndpoint> => {
    const found = await findDatabase(api(), database);
    return { url: `https://${found!.hostname}`, token: token ?? (await mintDatabaseToken(api(), database)), ca };
  };
  const admin = () => ({ endpoint: { url: sqld.cluster.primary.adminUrl }, key: sqld.cluster.keys.adminKey });
  const lines: string[] = [];
  const run = (mode: "managed" | "self-hosted", previous: SwitchRecord | undefined, list: SwitchTenant[]) => switchStack({ mode, previous, tenants: list, sides: sides(), log: (l) => lines.push(l) });

  beforeAll(async () => {
    f = await startSwitchSides(["acme", "globex", "fresh", "both", "other", "lossy"], "mode-switch");
    ({ box, sqld, dir, ca } = f);
    await runSql(await sqldEndpoint("acme"), ["CREATE TABLE items(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)", "INSERT INTO items(name) VALUES ('one'), ('two')"]);
    await runSql(await sqldEndpoint("globex"), ["CREATE TABLE g(x)", "INSERT INTO g VALUES ('globex row')"]);
  }, 120_000);
  afterAll(async () => f?.close());

  it("a round trip carries every write, and the retained side refuses writes with the switch's reason", async () => {
    // 1. First run (no record) to managed: data carried, an empty tenant has nothing to carry.
    const toManaged = await run("managed", undefined, tenants("acme", "globex", "fresh"));
    expect(toManaged).toEqual({ serving: "managed", tenants: { acme: "copied", globex: "copied", fresh: "nothing-to-carry" } });
    expect(await digestDatabase(await tursoEndpoint("app-acme"))).toEqual(await digestDatabase(await sqldEndpoint("acme")));
    await expect(runSql(await sqldEndpoint("acme"), ["INSERT INTO items(name) VALUES ('lost?')"])).rejects.toThrow(/BLOCKED|blocked/);
    // The stack re-applies tenant settings on the retained side: the switch's block stays.
    await syncTenantNamespaceConfigs({ endpoint: admin().endpoint, adminKey: admin().key, stackKeyPem: sqld.cluster.keys.privateKeyPem, tenants: ["acme"], perTenant: true });
    expect(await readNamespaceConfig(admin(), "acme")).toMatchObject({ block_writes: true, block_reason: MODE_SWITCH_BLOCK_REASON });

    // 2. Writes in managed mode, then back: the record says managed served, so the self-hosted side is replaced.
    const acmeToken = await mintDatabaseToken(api(), "app-acme", "never");
    const dbId = (await box.turso()).databases["app-acme"]!.dbId;
    await runSql(await tursoEndpoint("app-acme", acmeToken), ["INSERT INTO items(name) VALUES ('written in managed')"]);
    const back = await run("self-hosted", toManaged, tenants("acme", "globex", "fresh"));
    expect(back.tenants).toEqual({ acme: "copied", globex: "already-complete", fresh: "nothing-to-carry" });
    expect(await digestDatabase(await sqldEndpoint("acme"))).toEqual(await digestDatabase(await tursoEndpoint("app-acme")));
    await runSql(await sqldEndpoint("acme"), ["INSERT INTO items(name) VALUES ('written in self-hosted')"]); // unblocked
    expect((await readNamespaceConfig(admin(), "globex"))?.block_writes).toBe(false);
    await expect(runSql(await tursoEndpoint("app-acme", acmeToken), ["INSERT INTO items(name) VALUES ('x')"])).rejects.toThrow(/BLOCKED|blocked/);

    // 3. To managed again: the existing database is refilled in place: same id, the token minted before still works.
    const again = await run("managed", back, tenants("acme", "globex", "fresh"));
    expect(again.tenants.acme).toBe("copied");
    expect((await box.turso()).databases["app-acme"]!.dbId).toBe(dbId);
    const rows = await digestDatabase(await tursoEndpoint("app-acme", acmeToken));
    expect(rows).toEqual(await digestDatabase(await sqldEndpoint("acme")));
    expect(rows.tables.items!.rows).toBe(4);
    await runSql(await tursoEndpoint("app-acme", acmeToken), ["INSERT INTO items(name) VALUES ('writable again')"]);
    // Same mode as recorded: nothing is touched.
    expect(await run("managed", again, tenants("acme"))).toEqual({ serving: "managed", tenants: { acme: "serving" } });
  }, 180_000);

  it("first run with different data on both sides: refused, nothing changed", async () => {
    await runSql(await sqldEndpoint("both"), ["CREATE TABLE t(x)", "INSERT INTO t VALUES ('self-hosted')"]);
    await run("managed", undefined, tenants("both"));
    await runSql(await tursoEndpoint("app-both"), ["INSERT INTO t VALUES ('managed only')"]);
    const before = await digestDatabase(await sqldEndpoint("both"));
    const error = await run("self-hosted", undefined, tenants("both")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwitchRefused);
    expect(String(error)).toMatch(/tenant both: the Turso database and the self-hosted namespace both hold data, and they differ/);
    expect(await digestDatabase(await sqldEndpoint("both"))).toEqual(before);
  }, 120_000);

  it("a failure part-way releases every block this run set; a re-run copies again", async () => {
    await runSql(await sqldEndpoint("other"), ["CREATE TABLE o(x)", "INSERT INTO o VALUES ('other row')"]);
    await runSql(await sqldEndpoint("lossy"), ["CREATE TABLE m(v)", "INSERT INTO m VALUES (2.0), (2)"]); // the dump turns 2.0 into 2
    const record = { serving: "self-hosted" as const, tenants: {} };
    await expect(run("managed", record, tenants("other", "lossy"))).rejects.toThrow(/table m: same 2 rows but different content/);
    // other was copied first, then lossy failed: both take writes again on the side that still serves.
    for (const t of ["other", "lossy"]) expect((await readNamespaceConfig(admin(), t))?.block_writes, t).toBe(false);
    await runSql(await sqldEndpoint("other"), ["INSERT INTO o VALUES ('after the failed switch')"]);
    // Fixed at the source, the re-run carries both, the complete one verified again with the new row.
    await runSql(await sqldEndpoint("lossy"), ["UPDATE m SET v = 3 WHERE typeof(v) = 'real'"]);
    expect((await run("managed", record, tenants("other", "lossy"))).tenants).toEqual({ other: "copied", lossy: "copied" });
    expect((await digestDatabase(await tursoEndpoint("app-other"))).tables.o!.rows).toBe(2);
  }, 120_000);
});
