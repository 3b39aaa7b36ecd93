// The gateway pointed at a read replica (prod stack's fly.toml: primary + 2 replicas, real sqld): writes are
// forwarded to the primary, and a read-mode write, which the replica refuses in its own ways, is still a 403.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayHarness } from "../../local/gateway-harness";

let gw: GatewayHarness;
beforeAll(async () => {
  gw = await startGateway({ stack: "prod", tenants: ["acme", "globex"], via: "replica" });
});
afterAll(() => gw?.close());

const query = (body: unknown) => gw.call("POST", "/v1/tenants/acme/query", { body });
const rowsOf = (reply: { json: Record<string, unknown> }) => (reply.json.results as { rows: unknown[][] }[]).at(-1)!.rows;

describe("gateway through a replica", () => {
  it("runs on the replica machine, and writes in write mode (forwarded to the primary)", async () => {
    expect(gw.target.group).toBe("replica");
    const reply = await query({
      statements: [{ sql: "CREATE TABLE items(v TEXT)" }, { sql: "INSERT INTO items VALUES ('a'), ('b')" }, { sql: "SELECT count(*) FROM items" }],
      mode: "write",
    });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(rowsOf(reply)).toEqual([[2]]);
  });

  it("reads in read mode", async () => {
    const reply = await query({ statements: [{ sql: "SELECT v FROM items ORDER BY v" }], mode: "read" });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(rowsOf(reply)).toEqual([["a"], ["b"]]);
  });

  it.each(["DELETE FROM items", "INSERT INTO items VALUES ('c')"])(
    "refuses %j in read mode with 403 READ_ONLY (through the replica sqld answers a batch with HTTP 400 'Failed to execute query via RPC', a lone statement with 200 + PROXY_ERROR), and nothing changes",
    async (sql) => {
      const reply = await query({ statements: [{ sql }], mode: "read" });
      expect(reply.status).toBe(403);
      expect(reply.json).toEqual({ error: expect.stringMatching(/^mode "read" is read-only/), code: "READ_ONLY" });
      const check = await query({ statements: [{ sql: "SELECT count(*) FROM items" }], mode: "write" });
      expect(rowsOf(check)).toEqual([[2]]);
    },
  );
});

it("a write error relayed from the primary (PROXY_ERROR) keeps SQLite's message, not the replica's proxy wording", async () => {
  const reply = await query({ statements: [{ sql: "INSERT INTO nope VALUES (1)" }], mode: "write" });
  expect(reply.status).toBe(400);
  // sqld's text: "PROXY_ERROR: error executing a request on the primary: no such table: nope" (observed).
  expect(reply.json).toEqual({ error: "statement 0: PROXY_ERROR: no such table: nope", code: "PROXY_ERROR" });
});
