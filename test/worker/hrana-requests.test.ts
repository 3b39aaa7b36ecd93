/**
 * What the gateway asks of sqld per query (issue 19: no more work than a direct client), read off the requests it
 * makes to a real sqld: one HTTP request per query; one statement as a bare `execute` (what @libsql/client's
 * `execute` sends, no BEGIN/COMMIT/ROLLBACK for sqld to run), several as one batch transaction. And a single
 * statement that fails still leaves nothing behind (SQLite undoes a failed statement on its own).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runStatements, type DbTarget } from "../../worker/db";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, scopedToken } from "../../local/sqld/tenant-client";

const NS = "requests";
let cluster: LocalSqldCluster;
let rw: DbTarget;
let ro: DbTarget;

beforeAll(async () => {
  cluster = await startStackSqld("dev", { tenants: [NS] });
  await createNamespaces(cluster, [NS]);
  const target = async (access: "ro" | "rw"): Promise<DbTarget> => ({ url: cluster.primary.httpUrl, authToken: await scopedToken(cluster.keys.privateKeyPem, NS, access, 3600), namespace: NS, access });
  [rw, ro] = [await target("rw"), await target("ro")];
  await runStatements(rw, [{ sql: "CREATE TABLE t(id INTEGER PRIMARY KEY, v UNIQUE)" }, { sql: "INSERT INTO t(v) VALUES ('taken')" }], "write");
});
afterAll(async () => {
  await cluster?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

interface Sent {
  url: string;
  requests: { type: string; stmt?: { sql: string }; batch?: { steps: { stmt: { sql: string } }[] } }[];
}

/** Runs `run` with every fetch it makes recorded (and still sent to sqld). */
async function recording<T>(run: () => Promise<T>): Promise<{ value: T; sent: Sent[] }> {
  const real = globalThis.fetch;
  const sent: Sent[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    sent.push({ url: String(input), requests: (JSON.parse(String(init?.body)) as { requests: Sent["requests"] }).requests });
    return real(input, init);
  });
  return { value: await run(), sent };
}

const count = async (v: string) => (await runStatements(ro, [{ sql: "SELECT count(*) FROM t WHERE v = ?", args: [v] }], "read"))[0]!.rows[0]![0];

describe("the gateway's requests to sqld", () => {
  it("a one-statement read is one request: execute + close, with no transaction statements", async () => {
    const { value, sent } = await recording(() => runStatements(ro, [{ sql: "SELECT v FROM t WHERE id = ?", args: [1] }], "read"));
    expect(value[0]!.rows).toEqual([["taken"]]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toMatch(/\/v2\/pipeline$/);
    expect(sent[0]!.requests.map((r) => r.type)).toEqual(["execute", "close"]);
    expect(sent[0]!.requests[0]!.stmt).toMatchObject({ sql: "SELECT v FROM t WHERE id = ?", want_rows: true });
  });

  it("a one-statement write commits without a COMMIT of ours", async () => {
    const { sent } = await recording(() => runStatements(rw, [{ sql: "INSERT INTO t(v) VALUES ('single')" }], "write"));
    expect(sent.map((s) => s.requests.map((r) => r.type))).toEqual([["execute", "close"]]);
    expect(await count("single")).toBe(1);
  });

  it("a failing one-statement write leaves nothing of itself behind", async () => {
    const error = await runStatements(rw, [{ sql: "INSERT INTO t(v) VALUES ('half'), ('taken')" }], "write").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, message: expect.stringMatching(/^statement 0: .*UNIQUE/) });
    expect(await count("half")).toBe(0);
    expect(await count("taken")).toBe(1);
  });

  it("a lone BEGIN IMMEDIATE ends with its request: the stream's close rolls it back and frees the write lock", async () => {
    expect(await runStatements(rw, [{ sql: "BEGIN IMMEDIATE" }], "write")).toEqual([{ columns: [], rows: [], rowsAffected: 0, lastInsertRowid: null }]);
    await runStatements(rw, [{ sql: "INSERT INTO t(v) VALUES ('after-begin')" }], "write");
    expect(await count("after-begin")).toBe(1);
  });

  it("several statements are one request: a batch in one transaction", async () => {
    const { sent } = await recording(() => runStatements(rw, [{ sql: "INSERT INTO t(v) VALUES ('a')" }, { sql: "INSERT INTO t(v) VALUES ('taken')" }], "write").catch(() => undefined));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.requests.map((r) => r.type)).toEqual(["batch", "close"]);
    expect(sent[0]!.requests[0]!.batch!.steps.map((s) => s.stmt.sql)).toEqual(["BEGIN IMMEDIATE", "INSERT INTO t(v) VALUES ('a')", "INSERT INTO t(v) VALUES ('taken')", "COMMIT", "ROLLBACK"]);
    expect(await count("a")).toBe(0);
  });

  it("an ro token still refuses a one-statement write (no READONLY transaction needed)", async () => {
    const error = await runStatements(ro, [{ sql: "DELETE FROM t" }], "read").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403 });
    expect(await count("taken")).toBe(1);
  });
});
