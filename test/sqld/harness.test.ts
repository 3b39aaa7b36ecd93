/**
 * The real-sqld harness itself: machines start from the stack's rendered fly.toml with only listen addresses and
 * paths rewritten, and the facts the gateway depends on hold on the real binary.
 */
import { readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@libsql/client";
import { fetchWithNamespace } from "../../worker/db";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { processCommand, readFlyToml } from "../../local/sqld/machine";
import { scopedToken } from "../../local/sqld/tenant-client";

let cluster: LocalSqldCluster & { flyToml: string };
beforeAll(async () => {
  cluster = await startStackSqld("dev");
  expect((await cluster.admin(cluster.primary, "POST", "/v1/namespaces/acme/create", {})).status).toBe(200);
});
afterAll(() => cluster?.close());

async function rwToken(tenant: string): Promise<string> {
  return scopedToken(cluster.keys.privateKeyPem, tenant, "rw");
}

describe("real sqld started from the dev stack's fly.toml", () => {
  it("runs the primary process group's command line word for word, rewriting only addresses, the volume path and [[files]] paths", () => {
    const words = processCommand(readFlyToml(cluster.flyToml), "primary");
    const ran = cluster.primary.spec.args;
    expect(ran).toHaveLength(words.length);
    ran.forEach((arg, i) => {
      if (arg === words[i]) return;
      expect(words[i]).toMatch(/^\[::\]:\d+$|^\/var\/lib\/sqld\/|^\/etc\/sqld\/tls\//);
      expect(arg).toMatch(/^127\.0\.0\.1:\d+$|^\/.*\/volume\/|^\/.*\/files\/etc\/sqld\/tls\//);
    });
    expect(cluster.primary.spec.env.SQLD_AUTH_JWT_KEY).toBe(cluster.keys.sqldJwtKey);
    expect(cluster.primary.spec.env.RUST_LOG).toBe("info");
  });

  it("starts it as Fly does, through the image's entrypoint: sqld runs as uid 666 and owns the 0400 TLS files", () => {
    expect(readFileSync(`/proc/${cluster.primary.process.pid}/status`, "utf8")).toMatch(/^Uid:\s+666\s+666\s+666\s+666$/m);
    const keyFile = cluster.primary.spec.args[cluster.primary.spec.args.indexOf("--grpc-key-file") + 1]!;
    expect(statSync(keyFile)).toMatchObject({ uid: 666, gid: 666, mode: expect.any(Number) });
    expect(statSync(keyFile).mode & 0o777).toBe(0o400);
  });

  it("refuses requests without a token (auth is on), but tells a missing namespace apart first (finding 6)", async () => {
    const pipeline = (namespace: string) =>
      fetchWithNamespace(namespace)(`${cluster.primary.httpUrl}/v2/pipeline`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql: "select 1" } }] }),
      });
    expect((await pipeline("acme")).status).toBe(401);
    expect((await pipeline("no-such-tenant")).status).toBe(404);
  });

  it("picks the namespace from x-namespace-bin, and ignores a plain x-namespace header (finding 1)", async () => {
    const token = await rwToken("acme");
    const viaBin = createClient({ url: cluster.primary.httpUrl, authToken: token, fetch: fetchWithNamespace("acme") });
    await viaBin.execute("create table if not exists t (x)");
    expect((await viaBin.execute("select count(*) as n from t")).rows[0]?.n).toBe(0);
    viaBin.close();

    // What the first version sent: sqld takes the Host's first label (127 for 127.0.0.1) and the acme token fails.
    const viaPlain = createClient({
      url: cluster.primary.httpUrl,
      authToken: token,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        request.headers.set("x-namespace", "acme");
        return fetch(request);
      },
    });
    await expect(viaPlain.execute("select count(*) from t")).rejects.toThrow(/404|not found|does not exist|doesn't exist/i);
    viaPlain.close();
  });
});
