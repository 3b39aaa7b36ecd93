/**
 * The gateway's own Hrana request (worker/hrana.ts) against @libsql/client, which it replaced, on the same real
 * sqld: the same rows, cells, counts and rowids for every value type, and the same error codes and statement
 * indexes for failures. Differential: if either side changes, this fails.
 */
import { createClient, LibsqlBatchError, LibsqlError, type Client, type ResultSet } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStatements, type DbTarget, type StatementResult } from "../../worker/db";
import { BatchFailure, pipelineUrl, runBatch, UpstreamRefusal } from "../../worker/hrana";
import { fetchWithNamespace, NAMESPACE_HEADER, namespaceHeaderValue } from "../../worker/db";
import type { QueryRequest } from "../../worker/validation";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, scopedToken } from "../../local/sqld/tenant-client";

const NS = "parity";
let cluster: LocalSqldCluster;
let rw: string;
let ro: string;
let reference: Client;

beforeAll(async () => {
  cluster = await startStackSqld("dev", { tenants: [NS] });
  await createNamespaces(cluster, [NS]);
  rw = await scopedToken(cluster.keys.privateKeyPem, NS, "rw", 3600);
  ro = await scopedToken(cluster.keys.privateKeyPem, NS, "ro", 3600);
  reference = createClient({ url: cluster.primary.httpUrl, authToken: rw, intMode: "bigint", fetch: fetchWithNamespace(NS) });
  await reference.batch(["CREATE TABLE t(id INTEGER PRIMARY KEY, v UNIQUE)", "INSERT INTO t(v) VALUES ('taken')"], "write");
});
afterAll(async () => {
  reference?.close();
  await cluster?.close();
});

type Statements = QueryRequest["statements"];
const target = (authToken: string, access: "ro" | "rw"): DbTarget => ({ url: cluster.primary.httpUrl, authToken, namespace: NS, access });

/** What the gateway rendered from @libsql/client's ResultSet before (the same JSON rules as worker/db.ts). */
function fromReference(result: ResultSet): StatementResult {
  const cell = (value: unknown) => {
    if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    if (value instanceof ArrayBuffer) return { base64: Buffer.from(value).toString("base64") };
    return value as string | number | null;
  };
  const rowid = result.lastInsertRowid;
  return {
    columns: [...result.columns],
    rows: result.rows.map((row) => result.columns.map((_, i) => cell(row[i]))),
    rowsAffected: result.rowsAffected,
    lastInsertRowid: rowid === undefined ? null : (cell(rowid) as number | string),
  };
}

const asReferenceArgs = (statements: Statements) =>
  statements.map(({ sql, args }) => {
    const value = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : v);
    if (args === undefined) return { sql, args: [] };
    if (Array.isArray(args)) return { sql, args: args.map(value) as never };
    return { sql, args: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, value(v)])) as never };
  });

describe("the gateway's Hrana batch matches @libsql/client on real sqld", () => {
  const cases: [string, Statements, "read" | "write" | "deferred"][] = [
    ["every value type", [{ sql: "SELECT 9223372036854775807 AS big, -9223372036854775808, 42, 1.5, 'text', x'00ff10', NULL, '' AS [a b]" }], "read"],
    ["positional args of each JSON type", [{ sql: "SELECT ?, ?, ?, ?, ?, ?", args: [1, 2.5, "a", true, null, 9007199254740993] }], "read"],
    ["named args with and without a prefix", [{ sql: "SELECT :a, @b, $c", args: { ":a": 1, b: "x", $c: null } }], "read"],
    // Leaves nothing behind, so both sides start from the same state.
    [
      "rows affected and rowids",
      [
        { sql: "CREATE TABLE w(id INTEGER PRIMARY KEY, v)" },
        { sql: "INSERT INTO w(v) VALUES ('one'), ('two')" },
        { sql: "UPDATE w SET v = v || '!'" },
        { sql: "SELECT id, v FROM w ORDER BY id" },
        { sql: "DROP TABLE w" },
      ],
      "write",
    ],
    ["a column without a name and repeated names", [{ sql: "SELECT 1 AS x, 2 AS x, count(*) FROM t" }], "deferred"],
  ];
  for (const [name, statements, mode] of cases) {
    it(name, async () => {
      const ours = await runStatements(target(rw, "rw"), statements, mode);
      const theirs = (await reference.batch(asReferenceArgs(statements), mode)).map(fromReference);
      expect(ours).toEqual(theirs);
    });
  }

  const failures: [string, Statements, "read" | "write" | "deferred"][] = [
    ["no such table in the second statement", [{ sql: "SELECT 1" }, { sql: "SELECT * FROM missing" }], "read"],
    ["a syntax error", [{ sql: "SELEC 1" }], "read"],
    ["a constraint violation, after a statement that ran", [{ sql: "INSERT INTO t(v) VALUES ('fresh')" }, { sql: "INSERT INTO t(v) VALUES ('taken')" }], "write"],
    ["two statements in one", [{ sql: "SELECT 1; SELECT 2" }], "read"],
    ["a statement that is only a comment", [{ sql: "-- nothing" }], "read"],
    ["the caller's own COMMIT ends the batch's transaction", [{ sql: "COMMIT" }, { sql: "SELECT 1" }], "deferred"],
  ];
  for (const [name, statements, mode] of failures) {
    it(`fails the same way: ${name}`, async () => {
      const ours = await runBatch(
        { url: cluster.primary.httpUrl, authToken: rw, headers: { [NAMESPACE_HEADER]: namespaceHeaderValue(NS) }, access: "rw" },
        statements.map((s) => ({ sql: s.sql, args: [], named_args: [] })),
        mode,
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      const theirs = await reference.batch(asReferenceArgs(statements), mode).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(theirs).toBeInstanceOf(LibsqlError);
      expect(ours).toBeInstanceOf(BatchFailure);
      const { code, statementIndex, message } = ours as BatchFailure;
      expect({ code, statementIndex }).toEqual({ code: (theirs as LibsqlError).code, statementIndex: theirs instanceof LibsqlBatchError ? theirs.statementIndex : undefined });
      expect((theirs as LibsqlError).message).toContain(message);
    });
  }
  it("nothing of a failed write batch stays", async () => {
    const count = async () => Number((await reference.execute("SELECT count(*) AS n FROM t WHERE v = 'fresh'")).rows[0]!.n);
    expect(await count()).toBe(0);
  });

  it("an ro write is the HTTP refusal @libsql/client reports as SERVER_ERROR", async () => {
    const ours = await runBatch({ url: cluster.primary.httpUrl, authToken: ro, headers: { [NAMESPACE_HEADER]: namespaceHeaderValue(NS) }, access: "ro" }, [{ sql: "DELETE FROM t", args: [], named_args: [] }], "read").catch((e: unknown) => e);
    expect(ours).toBeInstanceOf(UpstreamRefusal);
    expect(ours).toMatchObject({ status: 403, message: expect.stringMatching(/Authorization forbidden/) });
    const roClient = createClient({ url: cluster.primary.httpUrl, authToken: ro, fetch: fetchWithNamespace(NS) });
    await expect(roClient.batch(["DELETE FROM t"], "read")).rejects.toMatchObject({ code: "SERVER_ERROR" });
    roClient.close();
    expect(Number((await reference.execute("SELECT count(*) AS n FROM t")).rows[0]!.n)).toBeGreaterThan(0);
  });
});

describe("pipelineUrl resolves DB_URL as @libsql/client does", () => {
  it.each([
    ["https://acme-sqld.fly.dev", "https://acme-sqld.fly.dev/v2/pipeline"],
    ["https://acme-sqld.fly.dev/", "https://acme-sqld.fly.dev/v2/pipeline"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080/v2/pipeline"],
    ["libsql://db-org.turso.io", "https://db-org.turso.io/v2/pipeline"],
    ["libsql://127.0.0.1:8080?tls=0", "http://127.0.0.1:8080/v2/pipeline"],
    ["https://proxy.example/base/", "https://proxy.example/base/v2/pipeline"],
  ])("%s → %s", (url, expected) => {
    expect(pipelineUrl(url)).toBe(expected);
  });

  it.each([
    ["ws://host", "URL_SCHEME_NOT_SUPPORTED"],
    ["https://user:pw@host", "URL_INVALID"],
    ["https://host?authToken=x", "URL_INVALID"],
    ["not a url", "URL_INVALID"],
  ])("refuses %s (%s)", (url, code) => {
    expect(() => pipelineUrl(url)).toThrow(expect.objectContaining({ code }));
  });
});
