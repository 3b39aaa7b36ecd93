// The sqld double's namespace resolution, admin API and Hrana behaviour, checked where it differs from a naive fake.
import { createClient } from "@libsql/client/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSqldDouble, type SqldDouble } from "../doubles/sqld-double";
import { NamespaceError, namespaceFromHeaders } from "../doubles/sqld-double/namespaces";
import { executeOnDouble, firstResultType } from "./helpers/jwt-for-tests";

const ADMIN_KEY = "admin-secret-123";
let double: SqldDouble;

beforeAll(async () => {
  double = await startSqldDouble({ adminKey: ADMIN_KEY, namespaces: ["t1"] });
});
afterAll(() => double?.close());

function admin(method: string, path: string, init: { body?: string; json?: boolean; key?: string | null } = {}) {
  const headers: Record<string, string> = {};
  const key = init.key === undefined ? ADMIN_KEY : init.key;
  if (key !== null) headers.authorization = `Basic ${key}`;
  if (init.json !== false && init.body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${double.adminUrl}${path}`, { method, headers, body: init.body });
}

describe("sqld double: namespace resolution", () => {
  it("prefers x-namespace-bin, then x-namespace, then the Host's first label, then default", () => {
    const bin = Buffer.from("from-bin").toString("base64").replace(/=+$/, "");
    expect(namespaceFromHeaders({ "x-namespace-bin": bin, "x-namespace": "plain", host: "h.example.com" }, false)).toBe("from-bin");
    expect(namespaceFromHeaders({ "x-namespace": "plain", host: "h.example.com" }, false)).toBe("plain");
    expect(namespaceFromHeaders({ host: "myapp.fly.dev:8080" }, false)).toBe("myapp");
    expect(namespaceFromHeaders({}, false)).toBe("default");
  });

  it("ignores IP-literal and localhost Host headers", () => {
    expect(namespaceFromHeaders({ host: "127.0.0.1:8080" }, false)).toBe("default");
    expect(namespaceFromHeaders({ host: "[::1]:8080" }, false)).toBe("default");
    expect(namespaceFromHeaders({ host: "localhost:8080" }, false)).toBe("default");
  });

  it("has no fallback with disableDefaultNamespace", () => {
    expect(() => namespaceFromHeaders({ host: "127.0.0.1" }, true)).toThrow(NamespaceError);
  });
});

describe("sqld double: admin API", () => {
  it("requires the literal key as Basic credentials", async () => {
    expect((await admin("GET", "/v1/namespaces/t1/stats", { key: null })).status).toBe(401);
    const encoded = Buffer.from(`user:${ADMIN_KEY}`).toString("base64");
    expect((await admin("GET", "/v1/namespaces/t1/stats", { key: encoded })).status).toBe(401);
    expect((await admin("GET", "/v1/namespaces/t1/stats")).status).toBe(200);
  });

  it("creates a namespace only with a JSON body, and refuses an existing one", async () => {
    expect((await admin("POST", "/v1/namespaces/n1/create", { body: "" })).status).toBe(400);
    expect((await admin("POST", "/v1/namespaces/n1/create", { body: "{}", json: false })).status).toBe(415);
    expect((await admin("POST", "/v1/namespaces/n1/create", { body: "{}" })).status).toBe(200);
    const again = await admin("POST", "/v1/namespaces/n1/create", { body: "{}" });
    expect(again.status).toBe(400); // sqld answers NamespaceAlreadyExist with 400, not 409
    expect(await again.json()).toEqual({ error: "Namespace `n1` already exists" });
    expect(firstResultType(await executeOnDouble(double.url, "SELECT 1", { namespace: "n1" }))).toBe("ok");
  });

  it("deletes a namespace; it is then 404 on the user API and the admin API", async () => {
    await admin("POST", "/v1/namespaces/gone/create", { body: "{}" });
    expect((await admin("DELETE", "/v1/namespaces/gone")).status).toBe(200);
    expect((await executeOnDouble(double.url, "SELECT 1", { namespace: "gone" })).status).toBe(404);
    expect((await admin("DELETE", "/v1/namespaces/gone")).status).toBe(404);
  });

  it("reports stats and has no list route", async () => {
    await executeOnDouble(double.url, "SELECT 1", { namespace: "t1" });
    const stats = (await (await admin("GET", "/v1/namespaces/t1/stats")).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ query_count: expect.any(Number), storage_bytes_used: expect.any(Number) });
    expect((await admin("GET", "/v1/namespaces")).status).toBe(404);
    expect(double.stats.adminRequests).toBeGreaterThan(0);
  });
});

describe("sqld double: Hrana over HTTP with @libsql/client", () => {
  const client = () => createClient({ url: double.url, intMode: "bigint" });

  it("serves /health and /version without auth", async () => {
    expect((await fetch(`${double.url}/health`)).status).toBe(200);
    expect(await (await fetch(`${double.url}/version`)).text()).toMatch(/double/);
  });

  it("round-trips every value type", async () => {
    const db = client();
    const rs = await db.execute({
      sql: "SELECT ? AS i, ? AS f, ? AS t, ? AS b, NULL AS n",
      args: [9007199254740993n, 1.5, "text", new Uint8Array([1, 2, 3])],
    });
    const row = rs.rows[0]!;
    expect(row.i).toBe(9007199254740993n);
    expect(row.f).toBe(1.5);
    expect(row.t).toBe("text");
    expect([...new Uint8Array(row.b as ArrayBuffer)]).toEqual([1, 2, 3]);
    expect(row.n).toBeNull();
    db.close();
  });

  it("keeps interactive transactions on one stream (baton) and rolls back", async () => {
    const db = client();
    await db.execute("CREATE TABLE IF NOT EXISTS tx(v INTEGER)");
    const tx = await db.transaction("write");
    await tx.execute("INSERT INTO tx VALUES (1)");
    expect((await tx.execute("SELECT count(*) AS n FROM tx")).rows[0]!.n).toBe(1n);
    await tx.rollback();
    expect((await db.execute("SELECT count(*) AS n FROM tx")).rows[0]!.n).toBe(0n);
    db.close();
  });

  it("runs batches atomically: a failing statement rolls back the earlier ones", async () => {
    const db = client();
    await db.execute("CREATE TABLE IF NOT EXISTS uniq(id INTEGER PRIMARY KEY)");
    await expect(db.batch(["INSERT INTO uniq VALUES (1)", "INSERT INTO uniq VALUES (1)"], "write")).rejects.toThrow(
      /UNIQUE constraint failed/,
    );
    expect((await db.execute("SELECT count(*) AS n FROM uniq")).rows[0]!.n).toBe(0n);
    db.close();
  });

  it("reports sqld's error codes for SQL mistakes", async () => {
    const db = client();
    await expect(db.execute("SELECT * FROM missing_table")).rejects.toMatchObject({ code: "SQLITE_UNKNOWN" });
    await expect(db.execute("SELEC 1")).rejects.toMatchObject({ code: "SQL_PARSE_ERROR" });
    await expect(db.execute("SELECT 1; SELECT 2")).rejects.toMatchObject({ code: "SQL_MANY_STATEMENTS" });
    db.close();
  });

  it("rejects a reused baton as an expired stream", async () => {
    const post = (body: unknown) =>
      fetch(`${double.url}/v2/pipeline`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const first = (await (await post({ requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }] })).json()) as { baton: string };
    expect((await post({ baton: first.baton, requests: [] })).status).toBe(200);
    const reused = await post({ baton: first.baton, requests: [] });
    expect(reused.status).toBe(500);
    expect(await reused.json()).toMatchObject({ code: "STREAM_EXPIRED" });
  });

  it("answers malformed pipeline JSON with 400 text, like sqld's protocol errors", async () => {
    const res = await fetch(`${double.url}/v2/pipeline`, { method: "POST", body: "{nope" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
  });
});
