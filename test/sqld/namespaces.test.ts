/**
 * Tenant namespaces through sqld's admin API over `fly proxy`: the stack's namespace scripts run against the fake
 * flyctl TEST DOUBLE, whose proxy resolves 6PN names like Fly does (newest machine first for `<app>.internal`),
 * and every machine is a REAL sqld process started from the prod stack's fly.toml (primary + 2 replicas).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { namespaceScripts } from "../../infra/sqld/namespace-scripts";
import { runShell as run } from "../../local/run-process";
import type { LocalSqldCluster, SqldMachine } from "../../local/sqld/cluster";
import { startNamespaceScriptEnv, type NamespaceScriptEnv } from "../support/sqld/namespace-script-env";
import { freePort } from "../../local/sqld/process";
import { tenantClientOn } from "../../local/sqld/tenant-client";

let arena: NamespaceScriptEnv;
let cluster: NamespaceScriptEnv["cluster"];
let fly: NamespaceScriptEnv["fly"];
let env: NodeJS.ProcessEnv;
let APP: string;

beforeAll(async () => {
  arena = await startNamespaceScriptEnv("prod");
  ({ cluster, fly, env, app: APP } = arena);
});
afterAll(() => arena?.close());

const machinesOf = (c: LocalSqldCluster) => [c.primary, ...c.replicas];
const exists = async (m: SqldMachine, ns: string) => (await cluster.admin(m, "GET", `/v1/namespaces/${ns}/stats`)).status === 200;
const loopLines = (m: SqldMachine) => (readFileSync(m.process.options.logFile, "utf8").match(/trying to replicate again/g) ?? []).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function clientFor(m: SqldMachine, tenant: string) {
  return tenantClientOn(cluster, m, tenant);
}

beforeEach(async () => {
  // Each test starts from only `default`: drop test namespaces on the primary first, then on every replica.
  for (const m of machinesOf(cluster)) for (const ns of ["acme", "globex", "initech"]) await cluster.admin(m, "DELETE", `/v1/namespaces/${ns}`);
});

const keep = () => namespaceScripts({ app: APP, allowDeletion: false });
const allow = () => namespaceScripts({ app: APP, allowDeletion: true });
const proxyCalls = () => fly.calls().filter((argv) => argv[0] === "proxy");

describe("finding 3: an admin session must reach the primary", () => {
  it("real sqld: on a replica's admin port create answers 404 and DELETE answers 200 while nothing happens", async () => {
    const replica = cluster.replicas[0]!;
    const create = await cluster.admin(replica, "POST", "/v1/namespaces/acme/create", {});
    expect(create.status).toBe(404);
    expect(await exists(cluster.primary, "acme")).toBe(false);
    expect((await cluster.admin(cluster.primary, "POST", "/v1/namespaces/acme/create", {})).status).toBe(200);
    expect((await cluster.admin(replica, "DELETE", "/v1/namespaces/acme")).status).toBe(200);
    expect(await exists(cluster.primary, "acme")).toBe(true);
  });

  it("fake fly: `fly proxy PORT:9090 -a APP` (no host) lands on a replica, where create fails", async () => {
    const port = await freePort();
    const proxy = spawn("fly", ["proxy", `${port}:9090`, "-a", APP], { env, stdio: ["ignore", "pipe", "pipe"] });
    try {
      await new Promise<void>((resolve, reject) => {
        proxy.stdout.on("data", (d: Buffer) => String(d).includes(`Proxying localhost:${port} to remote [${APP}.internal]:9090`) && resolve());
        proxy.once("exit", (code) => reject(new Error(`fly proxy exited ${code}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/v1/namespaces/acme/create`, {
        method: "POST",
        headers: { authorization: `Basic ${cluster.keys.adminKey}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(res.status).toBe(404);
      expect(await res.text()).toMatch(/Replicator error/);
    } finally {
      proxy.kill("SIGTERM");
    }
  });

  it("the create script pins its session to primary.process.<app>.internal and creates on the primary", async () => {
    const res = await run(keep().create, { ...env, NAMESPACES: "acme globex" });
    expect(res.stderr).toContain("created namespace acme");
    expect(res.code).toBe(0);
    expect(res.stdout).toBe("acme\nglobex\n"); // one name per line: no line grows with the number of tenants
    expect(await exists(cluster.primary, "acme")).toBe(true);
    expect(await exists(cluster.primary, "globex")).toBe(true);
    const call = proxyCalls().at(-1)!;
    expect(call).toEqual(["proxy", expect.stringMatching(/\/admin\.sock:9090$/), `primary.process.${APP}.internal`, "-a", APP]);
    // The admin key reaches curl on stdin: it is in no fly argv and not in the script text.
    expect(JSON.stringify(fly.calls())).not.toContain(cluster.keys.adminKey);
    expect(keep().create).not.toContain(cluster.keys.adminKey);
    // A namespace created on the primary is usable through a replica at once.
    const viaReplica = await clientFor(cluster.replicas[1]!, "globex");
    expect((await viaReplica.execute("select 1 as one")).rows[0]?.one).toBe(1);
    viaReplica.close();
  });
});

describe("namespace set management", () => {
  it("re-running changes nothing: existing namespaces are only checked", async () => {
    const first = await run(keep().create, { ...env, NAMESPACES: "acme globex" });
    expect(first.code).toBe(0);
    const again = await run(keep().create, { ...env, NAMESPACES: "acme globex", PULUMI_COMMAND_STDOUT: first.stdout });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).not.toContain("created");
  });

  it("reads a previous stdout in the JSON-array form earlier versions printed", async () => {
    await run(keep().create, { ...env, NAMESPACES: "acme globex" });
    const upgraded = await run(keep().create, { ...env, NAMESPACES: "acme", PULUMI_COMMAND_STDOUT: '["acme","globex"]' });
    expect(upgraded.code).toBe(0);
    expect(upgraded.stderr).toMatch(/namespace globex was removed from config but is KEPT/);
    expect(upgraded.stdout).toBe("acme\n");
  });

  it("keeps a namespace removed from config unless deletion is allowed", async () => {
    const first = await run(keep().create, { ...env, NAMESPACES: "acme globex" });
    const kept = await run(keep().create, { ...env, NAMESPACES: "acme initech", PULUMI_COMMAND_STDOUT: first.stdout });
    expect(kept.code).toBe(0);
    expect(kept.stderr).toMatch(/namespace globex was removed from config but is KEPT/);
    expect(await exists(cluster.primary, "globex")).toBe(true);
    expect(kept.stdout).toBe("acme\ninitech\n");

    const deleted = await run(allow().create, { ...env, NAMESPACES: "acme", PULUMI_COMMAND_STDOUT: kept.stdout });
    expect(deleted.code).toBe(0);
    expect(await exists(cluster.primary, "initech")).toBe(false);
    expect(await exists(cluster.primary, "globex")).toBe(true); // no longer managed, so left alone
    expect(await exists(cluster.primary, "acme")).toBe(true);
  });

  it("destroy deletes managed namespaces only when allowed, and only with the operator's run-time consent", async () => {
    await run(keep().create, { ...env, NAMESPACES: "acme globex" });
    expect((await run(keep().delete!, { ...env, NAMESPACES: "acme globex" })).code).toBe(0);
    expect(await exists(cluster.primary, "acme")).toBe(true);
    const unconsented = await run(allow().delete!, { ...env, NAMESPACES: "acme globex", LIBSQL_STACK_DELETE_DATA: "" });
    expect(unconsented.code).toBe(0);
    expect(unconsented.stderr).toMatch(/the namespaces of .*: kept\./);
    expect(await exists(cluster.primary, "acme")).toBe(true);
    const gone = await run(allow().delete!, { ...env, NAMESPACES: "acme globex" });
    expect(gone.code).toBe(0);
    expect(await exists(cluster.primary, "acme")).toBe(false);
    expect(await exists(cluster.primary, "globex")).toBe(false);
  });

  it("fails clearly on a wrong admin key, and converges when re-run with the right one", async () => {
    const bad = await run(keep().create, { ...env, NAMESPACES: "acme", LIBSQL_ADMIN_AUTH_KEY: "wrong" });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/refused the admin key \(HTTP 401\)/);
    expect(await exists(cluster.primary, "acme")).toBe(false);
    expect((await run(keep().create, { ...env, NAMESPACES: "acme" })).code).toBe(0);
    expect(await exists(cluster.primary, "acme")).toBe(true);
  });

  it("fails clearly when the proxy cannot start (app missing)", async () => {
    const res = await run(namespaceScripts({ app: "no-such-app", allowDeletion: false }).create, { ...env, NAMESPACES: "acme" });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/fly proxy to primary\.process\.no-such-app\.internal exited/);
  });

  it("listens on a unix socket in its own 0700 temp dir, so no other process can be there first; the dir is removed", async () => {
    const res = await run(keep().create, { ...env, NAMESPACES: "acme" });
    expect(res.code, res.stderr).toBe(0);
    const socketPath = proxyCalls().at(-1)![1]!.replace(/:9090$/, "");
    expect(socketPath).toMatch(/^\/.+\/admin\.sock$/);
    // The script's temp dir is gone with the run (EXIT trap), the socket with it.
    expect(existsSync(dirname(socketPath))).toBe(false);
    expect(keep().create).toContain('chmod 700 "$tmp"');
  });

  it("waits for a slow `fly proxy` (agent + WireGuard start-up), beyond the old 10 s limit", async () => {
    const res = await run(keep().create, { ...env, NAMESPACES: "acme", FAKE_FLY_PROXY_START_DELAY_MS: "12000" });
    expect(res.code, res.stderr).toBe(0);
    expect(await exists(cluster.primary, "acme")).toBe(true);
  });

  it("validates its arguments", () => {
    expect(() => namespaceScripts({ app: "Bad App", allowDeletion: false })).toThrow(/app "Bad App"/);
  });
});

describe("finding 4: deleting a tenant leaves no replica serving it or looping", () => {
  async function tenantReadOnEveryReplica() {
    const p = await clientFor(cluster.primary, "initech");
    await p.execute("create table t (x)");
    await p.execute("insert into t values (1)");
    p.close();
    for (const r of cluster.replicas) {
      const c = await clientFor(r, "initech");
      for (let i = 0; i < 1500 && Number((await c.execute("select count(*) as n from sqlite_master")).rows[0]?.n) === 0; i++) await sleep(20);
      expect((await c.execute("select count(*) as n from t")).rows[0]?.n).toBe(1);
      c.close();
    }
  }

  it("real sqld: a delete on the primary alone leaves a replica serving stale rows and looping", async () => {
    expect((await cluster.admin(cluster.primary, "POST", "/v1/namespaces/initech/create", {})).status).toBe(200);
    await tenantReadOnEveryReplica();
    expect((await cluster.admin(cluster.primary, "DELETE", "/v1/namespaces/initech")).status).toBe(200);
    const replica = cluster.replicas[0]!;
    const before = loopLines(replica);
    await sleep(300);
    expect(loopLines(replica)).toBeGreaterThan(before);
    const stale = await clientFor(replica, "initech");
    expect((await stale.execute("select count(*) as n from t")).rows[0]?.n).toBe(1);
    stale.close();
    // What the script does next stops it: DELETE on the replica's own admin API.
    expect((await cluster.admin(replica, "DELETE", "/v1/namespaces/initech")).status).toBe(200);
  });

  for (const how of ["create (tenant removed from config)", "delete (destroy)"] as const) {
    it(`the ${how} script drops the namespace on every replica`, async () => {
      const first = await run(allow().create, { ...env, NAMESPACES: "acme initech" });
      expect(first.code).toBe(0);
      await tenantReadOnEveryReplica();
      const res =
        how === "delete (destroy)"
          ? await run(allow().delete!, { ...env, NAMESPACES: "initech" })
          : await run(allow().create, { ...env, NAMESPACES: "acme", PULUMI_COMMAND_STDOUT: first.stdout });
      expect(res.stderr).toContain("deleted namespace initech");
      expect(res.code).toBe(0);
      const hosts = proxyCalls().slice(-3).map((argv) => argv[2]);
      expect(hosts.slice(1).sort()).toEqual(fly.state().apps[APP].machines.filter((m: { group: string }) => m.group === "replica").map((m: { id: string }) => `${m.id}.vm.${APP}.internal`).sort());
      for (const r of cluster.replicas) {
        const before = loopLines(r);
        await sleep(300);
        expect(loopLines(r)).toBe(before);
        const c = await clientFor(r, "initech");
        await expect(c.execute("select count(*) as n from t")).rejects.toThrow(/404/);
        c.close();
      }
      expect(await exists(cluster.primary, "acme")).toBe(true);
    });
  }

  it("a run that fails after the primary delete converges when re-run (replicas are dropped then)", async () => {
    const first = await run(allow().create, { ...env, NAMESPACES: "acme initech" });
    expect(first.code).toBe(0);
    await tenantReadOnEveryReplica();
    const nextListCall = (fly.state().callCounts["machines list"] ?? 0) + 1;
    const failed = await run(allow().create, { ...env, NAMESPACES: "acme", PULUMI_COMMAND_STDOUT: first.stdout, FAKE_FLY_FAIL: `machines list:${nextListCall}` });
    expect(failed.code).not.toBe(0);
    expect(await exists(cluster.primary, "initech")).toBe(false);
    // The failed run stored no new stdout, so the re-run still sees initech as managed and finishes the job.
    const again = await run(allow().create, { ...env, NAMESPACES: "acme", PULUMI_COMMAND_STDOUT: first.stdout });
    expect(again.code).toBe(0);
    for (const r of cluster.replicas) {
      const c = await clientFor(r, "initech");
      await expect(c.execute("select count(*) as n from t")).rejects.toThrow(/404/);
      c.close();
    }
  });
});
