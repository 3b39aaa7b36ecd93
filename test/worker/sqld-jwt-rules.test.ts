/**
 * sqld's JWT rules as the real binary (sqld 0.24.32) applies them, started from the prod stack's fly.toml
 * (primary + replicas): what the gateway's minting relies on (scope by `p`, always `exp`, never `aud`, never
 * unscoped) and what it must map (ro writes: 403 on a primary, PROXY_ERROR through a replica).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchWithNamespace } from "../../worker/db";
import { generateTestKeys, startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, executeRaw, firstResult, scopedToken } from "../../local/sqld/tenant-client";
import { nowSeconds, signTestJwt } from "../support/worker/jwt-for-tests";

let cluster: LocalSqldCluster;
let primary: string;
let replica: string;
const sign = (claims: Record<string, unknown>) => signTestJwt(claims, cluster.keys.privateKeyPem);

beforeAll(async () => {
  cluster = await startStackSqld("prod", { tenants: ["t1", "t2"] });
  primary = cluster.primary.httpUrl;
  replica = cluster.replicas[0]!.httpUrl;
  await createNamespaces(cluster, ["t1", "t2"]);
  for (const ns of ["default", "t1", "t2"]) {
    const created = await executeRaw(primary, "CREATE TABLE items(v TEXT)", { token: sign({}), namespace: ns });
    expect(firstResult(created)?.type, created.text).toBe("ok");
  }
});
afterAll(() => cluster?.close());

const read = (url: string, token: string | undefined, namespace: string) => executeRaw(url, "SELECT count(*) FROM items", { token, namespace });
const write = (url: string, token: string, namespace: string) => executeRaw(url, "INSERT INTO items VALUES ('x')", { token, namespace });
const notFound = (ns: string) => ({ error: `Namespace \`${ns}\` doesn't exist` });
const forbiddenWrite = (ns: string) => `Authorization forbidden: Current session doesn't not have Write permission to namespace ${ns}`;

describe("real sqld: tokens the gateway mints (p scoped to one namespace, exp)", () => {
  it("an rw token reads and writes its own namespace", async () => {
    const token = await scopedToken(cluster.keys.privateKeyPem, "t1", "rw");
    expect(firstResult(await write(primary, token, "t1"))?.type).toBe("ok");
    expect(firstResult(await read(primary, token, "t1"))?.type).toBe("ok");
  });

  it("another tenant's namespace answers 404 as if it did not exist, on the primary and on a replica", async () => {
    const token = await scopedToken(cluster.keys.privateKeyPem, "t1", "rw");
    for (const url of [primary, replica]) {
      const reply = await read(url, token, "t2");
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual(notFound("t2"));
    }
  });

  it("an ro token reads, and its write is refused: 403 on the primary", async () => {
    const token = await scopedToken(cluster.keys.privateKeyPem, "t1", "ro");
    expect(firstResult(await read(primary, token, "t1"))?.type).toBe("ok");
    const reply = await write(primary, token, "t1");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ error: forbiddenWrite("t1") });
  });

  it("through a replica an ro write is 200 with a PROXY_ERROR statement error, and nothing is written", async () => {
    const rw = await scopedToken(cluster.keys.privateKeyPem, "t1", "rw");
    const before = await executeRaw(primary, "SELECT count(*) AS n FROM items", { token: rw, namespace: "t1" });
    const token = await scopedToken(cluster.keys.privateKeyPem, "t1", "ro");
    const reply = await write(replica, token, "t1");
    expect(reply.status).toBe(200);
    expect(firstResult(reply)).toEqual({
      type: "error",
      error: { message: `error executing a request on the primary: ${forbiddenWrite("t1")}`, code: "PROXY_ERROR" },
    });
    const after = await executeRaw(primary, "SELECT count(*) AS n FROM items", { token: rw, namespace: "t1" });
    expect(after.text.replace(/"query_duration_ms":[\d.]+/, "")).toBe(before.text.replace(/"query_duration_ms":[\d.]+/, ""));
  });

  it("through a replica an ro write inside a batch (how the gateway sends statements) is HTTP 400", async () => {
    const token = await scopedToken(cluster.keys.privateKeyPem, "t1", "ro");
    const response = await fetchWithNamespace("t1")(`${replica}/v2/pipeline`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ requests: [{ type: "batch", batch: { steps: [{ stmt: { sql: "INSERT INTO items VALUES ('y')" } }] } }, { type: "close" }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: `Failed to execute query via RPC. Error code: 3, message: ${forbiddenWrite("t1")}`,
    });
  });

  it("a read-only transaction is no guard: with an rw token a DELETE inside BEGIN READONLY runs (finding 2)", async () => {
    const token = await scopedToken(cluster.keys.privateKeyPem, "t2", "rw");
    await write(primary, token, "t2");
    const body = {
      requests: [
        { type: "batch", batch: { steps: [
          { stmt: { sql: "BEGIN TRANSACTION READONLY" } },
          { stmt: { sql: "DELETE FROM items" }, condition: { type: "ok", step: 0 } },
          { stmt: { sql: "COMMIT" }, condition: { type: "ok", step: 1 } },
        ] } },
        { type: "close" },
      ],
    };
    const response = await fetchWithNamespace("t2")(`${primary}/v2/pipeline`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const count = await executeRaw(primary, "SELECT count(*) FROM items", { token, namespace: "t2" });
    expect(JSON.stringify(count.body)).toContain('"rows":[[{"type":"integer","value":"0"}]]');
  });
});

describe("real sqld: claims the gateway never sends", () => {
  it("a token with an aud claim is rejected (401), even with a valid scope", async () => {
    const reply = await read(primary, sign({ p: { rw: { ns: ["t1"] } }, aud: "sqld", exp: nowSeconds() + 60 }), "t1");
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: "Unauthorized: `Authentication failed`" });
  });

  it("exp is checked with 60 s leeway: 30 s past is accepted, 120 s past is 401", async () => {
    expect(firstResult(await read(primary, sign({ p: { ro: { ns: ["t1"] } }, exp: nowSeconds() - 30 }), "t1"))?.type).toBe("ok");
    const reply = await read(primary, sign({ p: { ro: { ns: ["t1"] } }, exp: nowSeconds() - 120 }), "t1");
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: "Unauthorized: `The JWT has expired`" });
  });

  it("a token with neither p nor id writes EVERY namespace, default included: why the gateway never mints one", async () => {
    const unscoped = sign({ exp: nowSeconds() + 60 });
    for (const ns of ["default", "t1", "t2"]) expect(firstResult(await write(primary, unscoped, ns))?.type).toBe("ok");
  });

  it("legacy id/a: scoped to id, a=ro reads but writes get 403; p wins over id/a", async () => {
    const legacy = sign({ id: "t1", a: "ro" });
    expect(firstResult(await read(primary, legacy, "t1"))?.type).toBe("ok");
    expect((await write(primary, legacy, "t1")).status).toBe(403);
    expect((await read(primary, legacy, "t2")).body).toEqual(notFound("t2"));
    expect(firstResult(await write(primary, sign({ id: "t1" }), "t1"))?.type).toBe("ok"); // a defaults to rw
    const both = sign({ id: "t2", a: "rw", p: { ro: { ns: ["t1"] } } });
    expect(firstResult(await read(primary, both, "t1"))?.type).toBe("ok");
    expect((await read(primary, both, "t2")).status).toBe(404);
  });

  it("a token from another key, garbage, or none: 401 for an existing namespace", async () => {
    const otherKey = signTestJwt({}, generateTestKeys().privateKeyPem);
    expect((await read(primary, otherKey, "t1")).body).toEqual({ error: "Unauthorized: `The JWT is invalid`" });
    expect((await read(primary, "abc.def.ghi", "t1")).body).toEqual({ error: "Unauthorized: `The JWT is invalid`" });
    expect((await read(primary, undefined, "t1")).body).toEqual({ error: "Unauthorized: `Expected authorization header but none given`" });
  });

  it("checks the namespace before the token: a missing one is 404 with no token, or with any token (finding 6)", async () => {
    for (const token of [undefined, "abc.def.ghi", sign({})]) {
      const reply = await read(primary, token, "no-such-tenant");
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual(notFound("no-such-tenant"));
    }
  });
});
