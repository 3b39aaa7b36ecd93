/**
 * Managed mode in the box: the Turso Platform API double under <box>/turso creates databases that are real sqld
 * processes behind TLS on loopback, with real EdDSA tokens: the product's scripts/verify-database.ts answers over
 * `libsql://localhost:<port>` when it trusts the box CA, a read-only token cannot write, and deleting a database
 * (or its group) ends its sqld and removes its data.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBox, type Box } from "../../local/box/box";
import { runProcess, type ProcessResult } from "../../local/run-process";
import { isProcessAlive } from "../../local/pid";

const TOKEN = "turso-api-token-for-box-tests";
const ORG = "acme";
const REPO = join(__dirname, "..", "..");

/** One query with @libsql/client in a child node, as the product's node Commands run (CA only via env). */
const SQL_SCRIPT = `
const { createClient } = require("@libsql/client");
const client = createClient({ url: process.env.DATABASE_URL, authToken: process.env.DATABASE_AUTH_TOKEN });
client.execute(process.env.SQL).then(
  (rs) => { process.stdout.write(JSON.stringify(rs.rows)); client.close(); },
  (e) => { process.stderr.write(String(e && e.message)); client.close(); process.exit(1); });
`;

describe("box: Turso API double backed by real sqld over TLS", () => {
  let box: Box;
  let dir: string;
  const api = (method: string, path: string, body?: unknown, token = TOKEN) =>
    fetch(`${box.url}/turso${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const createDatabase = async (name: string, group: string) => {
    const r = await api("POST", `/v1/organizations/${ORG}/databases`, { name, group });
    expect(r.status, await r.clone().text()).toBe(200);
    return ((await r.json()) as { database: { Hostname: string; DbId: string; Name: string } }).database;
  };
  const mint = async (db: string, query = "authorization=full-access") => {
    const r = await api("POST", `/v1/organizations/${ORG}/databases/${db}/auth/tokens?${query}`);
    expect(r.status).toBe(200);
    return ((await r.json()) as { jwt: string }).jwt;
  };
  const env = (hostname: string, token: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: `libsql://${hostname}`,
    DATABASE_AUTH_TOKEN: token,
    NODE_EXTRA_CA_CERTS: box.tursoCaFile,
    ...extra,
  });
  const sql = (hostname: string, token: string, statement: string): Promise<ProcessResult> =>
    runProcess(process.execPath, ["-e", SQL_SCRIPT], { env: env(hostname, token, { SQL: statement }), cwd: REPO });
  // The product's post-deploy check, with the environment infra/verify.ts gives it in managed mode.
  const verify = (hostname: string, token: string, extra: NodeJS.ProcessEnv = {}) =>
    runProcess(process.execPath, ["--import", "tsx", "scripts/verify-database.ts"], {
      env: env(hostname, token, { NAMESPACE: "", VERIFY_DEADLINE_MS: "1", ...extra }),
      cwd: REPO,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "box-turso-"));
    box = await startBox({ root: join(dir, "root"), flyStateDir: join(dir, "fly"), turso: { token: TOKEN } });
    const group = await api("POST", `/v1/organizations/${ORG}/groups`, { name: "acme-eu", location: "aws-eu-west-1" });
    expect(group.status).toBe(200);
  });
  afterAll(async () => {
    await box?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the fake's strictness under /turso: wrong API token 401, unknown group 400", async () => {
    expect((await api("GET", `/v1/organizations/${ORG}/groups`, undefined, "wrong")).status).toBe(401);
    const r = await api("POST", `/v1/organizations/${ORG}/databases`, { name: "nope", group: "missing" });
    expect(r.status).toBe(400);
    expect((await box.turso()).databases).not.toHaveProperty("nope");
  });

  it("a database is a running sqld at libsql://localhost:<port>; verify-database answers only when it trusts the box CA", async () => {
    const db = await createDatabase("acme-main", "acme-eu");
    expect(db.Hostname).toMatch(/^localhost:\d+$/);
    const view = (await box.turso()).databases["acme-main"]!;
    expect(view).toMatchObject({ org: ORG, group: "acme-eu", dbId: db.DbId, hostname: db.Hostname, running: true });
    expect(isProcessAlive(view.pid!)).toBe(true);
    expect(existsSync(view.dataDir)).toBe(true);
    expect(box.tursoCaFile).toBe(join(dir, "root", "turso", "ca.pem"));

    const token = await mint("acme-main");
    const ok = await verify(db.Hostname, token);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, url: `libsql://${db.Hostname}` });

    const untrusted = await verify(db.Hostname, token, { NODE_EXTRA_CA_CERTS: "" });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/did not answer/);
    const noToken = await verify(db.Hostname, "");
    expect(noToken.code).toBe(1);
  });

  it("rw tokens write, ro tokens only read, a token of another database is refused; exp as sqld reads it", async () => {
    const db = (await box.turso()).databases["acme-main"]!;
    const rw = await mint("acme-main");
    const ro = await mint("acme-main", "authorization=read-only&expiration=2w");
    expect((await sql(db.hostname, rw, "create table t(x)")).code).toBe(0);
    expect((await sql(db.hostname, rw, "insert into t values (41), (1)")).code).toBe(0);

    const denied = await sql(db.hostname, ro, "insert into t values (2)");
    expect(denied.code).toBe(1);
    // @libsql/client reports only the status; sqld answers 403 "doesn't not have Write permission" (program.rs).
    expect(denied.stderr).toMatch(/HTTP status 403/);
    const read = await sql(db.hostname, ro, "select sum(x) as s from t");
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toEqual([{ s: 42 }]);

    const other = await createDatabase("acme-other", "acme-eu");
    expect(other.Hostname).not.toBe(db.hostname);
    const foreign = await sql(other.Hostname, rw, "select 1");
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/HTTP status 40[34]/);
    expect((await sql(other.Hostname, await mint("acme-other"), "select count(*) as n from sqlite_master")).stdout).toBe('[{"n":0}]');

    // sqld checks `exp` with jsonwebtoken's default 60 s leeway, too long to wait for here: check the claims.
    const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(claims(ro)).toMatchObject({ a: "ro", id: (await box.turso()).databases["acme-main"]!.dbId, exp: (claims(ro).iat as number) + 14 * 86_400 });
    expect(claims(rw)).not.toHaveProperty("exp");
  });

  it("a Worker uploaded to the box reaches a database over TLS (the box CA trusted, as Turso's public one is)", async () => {
    const db = (await box.turso()).databases["acme-main"]!;
    const rw = await mint("acme-main");
    // A probe in the gateway's place: Hrana over https://<Hostname>, the URL the Worker gets in managed mode.
    const code = `export default { async fetch(request, env) {
      const r = await fetch("https://${db.hostname}/v2/pipeline", { method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer " + env.TOKEN },
        body: JSON.stringify({ requests: [{ type: "execute", stmt: { sql: "SELECT sum(x) FROM t" } }, { type: "close" }] }) });
      return new Response(await r.text(), { status: r.status });
    } };`;
    const upload = {
      mainModule: "probe.js",
      modules: [{ name: "probe.js", type: "esm", contentBase64: Buffer.from(code).toString("base64") }],
      bindings: [{ type: "secret_text", name: "TOKEN", text: rw }],
      compatibilityDate: "2025-01-01",
    };
    const put = await fetch(`${box.url}/workers/0123456789abcdef0123456789abcdef/probe`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(upload) });
    expect(put.status, await put.clone().text()).toBe(200);
    const answer = await fetch(((await put.json()) as { url: string }).url);
    const text = await answer.text();
    expect(answer.status, text).toBe(200);
    expect(text).toContain('"value":"42"');
  });

  it("deleting a database ends its sqld, removes its data, and its URL stops answering", async () => {
    const db = (await box.turso()).databases["acme-main"]!;
    const token = await mint("acme-main");
    expect((await api("DELETE", `/v1/organizations/${ORG}/databases/acme-main`)).status).toBe(200);
    expect((await box.turso()).databases).not.toHaveProperty("acme-main");
    expect(isProcessAlive(db.pid!)).toBe(false);
    expect(existsSync(db.dataDir)).toBe(false);
    expect((await verify(db.hostname, token)).code).toBe(1);
    expect((await api("DELETE", `/v1/organizations/${ORG}/databases/acme-main`)).status).toBe(404);
  });

  it("deleting a group ends the sqld of every database in it", async () => {
    const before = (await box.turso()).databases["acme-other"]!;
    expect(before.running).toBe(true);
    expect((await api("DELETE", `/v1/organizations/${ORG}/groups/acme-eu`)).status).toBe(200);
    const after = await box.turso();
    expect(after).toEqual({ groups: [], databases: {} });
    expect(isProcessAlive(before.pid!)).toBe(false);
    expect(existsSync(before.dataDir)).toBe(false);
  });
});
