/**
 * The gateway keeps its connections to sqld alive (issue 19: no more work for sqld than a direct client, which
 * reuses its connections too): queries one after another ride the connections already open. Real workerd (miniflare) → real sqld 0.24.32; connections
 * read off the kernel's table (/proc/net/tcp{,6}) by sqld's HTTP port.
 */
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayHarness } from "../../local/gateway-harness";

const TENANT = "keepalive";
const ESTABLISHED = "01";
const TIME_WAIT = "06";

let gw: GatewayHarness;
let sqldPort: number;

beforeAll(async () => {
  gw = await startGateway({ tenants: [TENANT] });
  sqldPort = Number(new URL(gw.dbUrl).port);
  expect((await query("CREATE TABLE t(x)", "write")).status).toBe(200);
});
afterAll(async () => {
  await gw?.close();
});

async function query(sql: string, mode: "read" | "write" = "read") {
  return gw.call("POST", `/v1/tenants/${TENANT}/query`, { body: { statements: [{ sql }], mode } });
}

/**
 * Both ends of every TCP connection with sqld's HTTP port, as `local>remote:state` (state in the kernel's hex): a
 * connection closed by either side leaves a TIME_WAIT on the side that closed first, so a new or closed connection
 * shows on one side or the other.
 */
function connectionsToSqld(): string[] {
  const ends: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      const localPort = parseInt(fields[1]!.split(":").pop()!, 16);
      const remotePort = parseInt(fields[2]!.split(":").pop()!, 16);
      if (remotePort === sqldPort || localPort === sqldPort) ends.push(`${localPort}>${remotePort}:${fields[3]}`);
    }
  }
  return ends.sort();
}

describe("the gateway's connections to sqld", () => {
  it("sequential queries reuse the open connections: none opened, none closed", async () => {
    for (let i = 0; i < 5; i++) expect((await query("SELECT 1")).status).toBe(200); // warm
    const before = connectionsToSqld();
    expect(before.some((end) => end.endsWith(`:${ESTABLISHED}`))).toBe(true);
    for (let i = 0; i < 100; i++) expect((await query("SELECT count(*) FROM t")).status).toBe(200);
    const after = connectionsToSqld();
    const inState = (ends: string[], state: string) => ends.filter((end) => end.endsWith(`:${state}`));
    expect(inState(after, ESTABLISHED)).toEqual(inState(before, ESTABLISHED));
    // No new TIME_WAIT (a connection opened and closed); older ones, the harness's start-up probes, may expire.
    expect(inState(after, TIME_WAIT).filter((end) => !before.includes(end))).toEqual([]);
  });

  it("(the instrument) a client that does not keep its connection alive shows in the table", async () => {
    const before = connectionsToSqld();
    for (let i = 0; i < 3; i++) {
      // A fresh connection per request (agent: false) that the client closes: a TIME_WAIT on its side.
      await new Promise<void>((done, fail) => request(`${gw.dbUrl}/health`, { agent: false }, (reply) => reply.resume().on("end", done)).on("error", fail).end());
    }
    const after = connectionsToSqld();
    expect(after).not.toEqual(before);
    expect(after.filter((end) => end.endsWith(`:${TIME_WAIT}`)).length).toBeGreaterThan(before.filter((end) => end.endsWith(`:${TIME_WAIT}`)).length);
  });
});
