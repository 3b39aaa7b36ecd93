import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { appScripts } from "../../infra/fly/scripts";
import { namespaceScripts } from "../../infra/sqld/namespace-scripts";
import { makeFakeFlyEnv, runScriptOk, type FakeFlyEnv } from "../doubles/fake-fly/harness";
import { startSqldDouble, type SqldDouble } from "../doubles/sqld-double";
import { runShell as run } from "../support/run-process";

const ADMIN_KEY = "adminKey0123456789abcdefABCDEF";
const APP = "acme-sqld-test";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("tenant namespaces through the admin API over `fly proxy` (fake fly + sqld double)", () => {
  let sqld: SqldDouble;
  let fly: FakeFlyEnv;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sqld = await startSqldDouble({ adminKey: ADMIN_KEY });
  });
  afterAll(async () => {
    await sqld.close();
  });
  beforeEach(async () => {
    fly = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fly.env });
    env = {
      ...fly.env,
      FAKE_FLY_PROXY_TARGET: new URL(sqld.adminUrl).host,
      LIBSQL_STACK_PROXY_PORT: String(await freePort()),
      LIBSQL_ADMIN_AUTH_KEY: ADMIN_KEY,
    };
    for (const ns of sqld.namespaces()) if (ns !== "default") await fetch(`${sqld.adminUrl}/v1/namespaces/${ns}`, { method: "DELETE", headers: { authorization: `Basic ${ADMIN_KEY}` } });
    return () => fly.cleanup();
  });

  const keep = namespaceScripts({ app: APP, allowDeletion: false });
  const allow = namespaceScripts({ app: APP, allowDeletion: true });

  it("creates the missing namespaces in one proxy session and prints the managed set", async () => {
    const res = await run(keep.create, { ...env, NAMESPACES: "acme globex" });
    expect(res.stderr).toContain("created namespace acme");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual(["acme", "globex"]);
    expect(sqld.namespaces().sort()).toEqual(["acme", "default", "globex"]);
    const proxies = fly.calls().filter((argv) => argv[0] === "proxy");
    expect(proxies).toEqual([["proxy", `${env.LIBSQL_STACK_PROXY_PORT}:9090`, "-a", APP]]);
    // The admin key reaches curl on stdin: it is in no fly argv and not in the script text.
    expect(JSON.stringify(fly.calls())).not.toContain(ADMIN_KEY);
    expect(keep.create).not.toContain(ADMIN_KEY);
  });

  it("re-running changes nothing: existing namespaces are only checked", async () => {
    const first = await run(keep.create, { ...env, NAMESPACES: "acme globex" });
    const before = sqld.stats.adminRequests;
    const again = await run(keep.create, { ...env, NAMESPACES: "acme globex", PULUMI_COMMAND_STDOUT: first.stdout });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).not.toContain("created");
    // one readiness probe through the proxy + one stats GET per namespace; no create
    expect(sqld.stats.adminRequests - before).toBe(1 + 2);
  });

  it("keeps a namespace removed from config unless deletion is allowed", async () => {
    const first = await run(keep.create, { ...env, NAMESPACES: "acme globex" });
    const kept = await run(keep.create, { ...env, NAMESPACES: "acme initech", PULUMI_COMMAND_STDOUT: first.stdout });
    expect(kept.code).toBe(0);
    expect(kept.stderr).toMatch(/namespace globex was removed from config but is KEPT/);
    expect(sqld.namespaces().sort()).toEqual(["acme", "default", "globex", "initech"]);
    expect(JSON.parse(kept.stdout)).toEqual(["acme", "initech"]);

    const deleted = await run(allow.create, { ...env, NAMESPACES: "acme", PULUMI_COMMAND_STDOUT: kept.stdout });
    expect(deleted.code).toBe(0);
    expect(sqld.namespaces().sort()).toEqual(["acme", "default", "globex"]); // initech deleted; globex was no longer managed
  });

  it("destroy deletes managed namespaces only when allowed", async () => {
    await run(keep.create, { ...env, NAMESPACES: "acme globex" });
    const kept = await run(keep.delete!, { ...env, NAMESPACES: "acme globex" });
    expect(kept.code).toBe(0);
    expect(sqld.namespaces()).toContain("acme");
    const gone = await run(allow.delete!, { ...env, NAMESPACES: "acme globex" });
    expect(gone.code).toBe(0);
    expect(sqld.namespaces()).toEqual(["default"]);
  });

  it("fails clearly on a wrong admin key, and converges when re-run with the right one", async () => {
    const bad = await run(keep.create, { ...env, NAMESPACES: "acme", LIBSQL_ADMIN_AUTH_KEY: "wrong" });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/refused the admin key \(HTTP 401\)/);
    expect(sqld.namespaces()).toEqual(["default"]);
    const good = await run(keep.create, { ...env, NAMESPACES: "acme" });
    expect(good.code).toBe(0);
    expect(sqld.namespaces().sort()).toEqual(["acme", "default"]);
  });

  it("fails clearly when the proxy cannot start (app missing)", async () => {
    const res = await run(namespaceScripts({ app: "no-such-app", allowDeletion: false }).create, { ...env, NAMESPACES: "acme" });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/fly proxy exited/);
  });

  it("validates its arguments", () => {
    expect(() => namespaceScripts({ app: "Bad App", allowDeletion: false })).toThrow(/app "Bad App"/);
    expect(() => namespaceScripts({ app: APP, allowDeletion: false, localPort: 80 })).toThrow(/localPort 80/);
  });
});
