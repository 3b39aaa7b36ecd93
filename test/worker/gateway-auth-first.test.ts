// The API key is checked before any other binding is read: whatever is misconfigured, a caller without the key
// gets exactly the 401 of a well-configured gateway, and the detail goes to the Worker's log only.
// Worker in workerd (miniflare) → real sqld (dev stack's fly.toml).
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, callWorker, startGateway, startWorker, type GatewayReply, type GatewayHarness, type TestBindings } from "../../local/gateway-harness";

let gw: GatewayHarness;
beforeAll(async () => {
  gw = await startGateway({ tenants: ["t1"] });
});
afterAll(() => gw?.close());

const misconfigurations: [string, Partial<TestBindings>][] = [
  ["missing GATEWAY_API_KEY", { GATEWAY_API_KEY: undefined }],
  ["blank GATEWAY_API_KEY", { GATEWAY_API_KEY: "  " }],
  ["missing DB_URL", { DB_URL: undefined }],
  ["a DB_URL without scheme", { DB_URL: "db.internal:8080" }],
  ["missing JWT_PRIVATE_KEY", { JWT_PRIVATE_KEY: undefined }],
  ["a bad DB_MODE", { DB_MODE: "cloud" }],
  ["missing TENANTS", { TENANTS: undefined }],
  ["a TENANTS entry that is no tenant name", { TENANTS: ["t1", "Bad_Name"] }],
  ["managed mode without TENANT_DATABASES_<n>", { DB_MODE: "managed" }],
];

/** Starts the Worker with `change` applied to the working bindings, collecting what it writes to its log. */
async function startVariant(change: Partial<TestBindings>) {
  const bindings = { ...gw.bindings, ...change } as Record<string, unknown>;
  for (const key of Object.keys(change)) if (bindings[key] === undefined) delete bindings[key];
  const log: string[] = [];
  const collect = (stream: Readable) => stream.on("data", (chunk: Buffer) => log.push(chunk.toString("utf8")));
  const mf = await startWorker(bindings as TestBindings, { handleRuntimeStdio: (out: Readable, err: Readable) => (collect(out), collect(err)) });
  return { mf, log };
}

/** Everything a caller can observe, minus what differs between two runs by nature (none of our headers do). */
const observable = (reply: GatewayReply) => ({ status: reply.status, json: reply.json, headers: Object.fromEntries(reply.headers as unknown as Iterable<[string, string]>) });

const unauthenticated = [
  ["no Authorization header", null],
  ["a wrong key", "wrong-key"],
  ["the real key minus its last character", API_KEY.slice(0, -1)],
] as const;

describe("gateway: unauthenticated callers learn nothing about the configuration", () => {
  it.each(misconfigurations)("%s: every unauthenticated call gets the well-configured gateway's 401", async (_, change) => {
    const { mf, log } = await startVariant(change);
    try {
      for (const [, apiKey] of unauthenticated) {
        for (const route of ["token", "query"]) {
          const options = { apiKey, body: route === "token" ? { access: "ro" } : { statements: [{ sql: "SELECT 1" }] } };
          const path = `/v1/tenants/t1/${route}`;
          const expected = await callWorker(gw.mf, "POST", path, options);
          const reply = await callWorker(mf, "POST", path, options);
          expect(reply.status).toBe(401);
          expect(observable(reply)).toEqual(observable(expected));
          expect(JSON.stringify(reply.json)).not.toMatch(/misconfigured|binding|GATEWAY_API_KEY[^>]|DB_|TENANTS|JWT/);
        }
      }
    } finally {
      await mf.dispose();
    }
    expect(log.join("")).not.toContain(API_KEY);
  });

  it("without GATEWAY_API_KEY even the old key is refused, and the log names the binding", async () => {
    const { mf, log } = await startVariant({ GATEWAY_API_KEY: undefined });
    try {
      const reply = await callWorker(mf, "POST", "/v1/tenants/t1/query", { body: { statements: [{ sql: "SELECT 1" }] } });
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual({ error: "invalid API key" });
      await expect.poll(() => log.join(""), { timeout: 5000 }).toMatch(/binding GATEWAY_API_KEY is not set/);
    } finally {
      await mf.dispose();
    }
  });

  it("an authenticated caller gets the 500 naming the binding, and the log has it too", async () => {
    const { mf, log } = await startVariant({ TENANTS: undefined });
    try {
      const reply = await callWorker(mf, "POST", "/v1/tenants/t1/query", { body: { statements: [{ sql: "SELECT 1" }] } });
      expect(reply.status).toBe(500);
      expect(reply.json.error).toMatch(/binding TENANTS is not set/);
      await expect.poll(() => log.join(""), { timeout: 5000 }).toMatch(/binding TENANTS is not set/);
    } finally {
      await mf.dispose();
    }
  });
});
