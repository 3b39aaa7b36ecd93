/**
 * The status collector against Fly in a box: the prod stack's own sqld Commands on the fake flyctl TEST DOUBLE, its
 * three machines (ams primary, iad and sin replicas) played by real sqld processes, every admin call through the
 * collector's own `fly proxy` sessions (`<machine id>.vm.<app>.internal`, unix sockets). Tenants are written
 * through the app's edge (the primary) and read through each replica, then the status must show what happened.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SelfHostedPlan } from "../../infra/config/plan";
import { spawnBox, type SpawnedBox } from "../../local/box/spawn-box";
import { makeFakeFlyEnv, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";
import { ROOT, planStack } from "../../local/plan";
import { generateTestKeys, stackSecretValues, type TestKeys } from "../../local/sqld/cluster";
import { freePort } from "../../local/sqld/process";
import { namespaceClient, scopedToken } from "../../local/sqld/tenant-client";
import { makeTestReplicationTls } from "../../local/sqld/tls";
import { openFlyProxy } from "../../scripts/lib/fly-proxy";
import { adminRequest } from "../../scripts/lib/sqld-admin";
import { readStackPlan } from "../../scripts/lib/stack-config-file";
import { buildStatus, DEFAULT_THRESHOLDS, parseDfPortable, type StackStatus } from "../../scripts/lib/stack-status";
import { collectStatus } from "../../scripts/lib/status-collect";
import { deployOnFakeFly, fakeMachines } from "../support/sqld/fake-fly-app";

const APP = "acme-sqld-prod";
const TENANTS = ["acme", "globex", "initech"];

describe("npm run status's collector on Fly in a box (real sqld, prod topology)", () => {
  let fly: FakeFlyEnv;
  let box: SpawnedBox;
  let root: string;
  let keys: TestKeys;
  let edge: string;
  let plan: SelfHostedPlan;

  const status = async (sampleSeconds = 0.5): Promise<StackStatus> => {
    const outputs = { sqldAdminKey: keys.adminKey, jwtPrivateKeyPem: keys.privateKeyPem, databaseUrl: edge };
    const raw = await collectStatus({ stack: "prod", plan, outputs, sampleSeconds, env: fly.env, proxyWaitMs: 20_000 });
    return buildStatus(raw, { ...DEFAULT_THRESHOLDS, sampleSeconds, maxLagFrames: 0 });
  };
  const client = async (url: string, tenant: string) => namespaceClient(url, tenant, await scopedToken(keys.privateKeyPem, tenant, "rw"));

  beforeAll(async () => {
    fly = makeFakeFlyEnv();
    delete fly.env.FAKE_FLY_PROXY_TARGETS; // the box's proxy-targets.json, as in a deploy
    root = mkdtempSync(join(tmpdir(), "status-box-"));
    const edgePort = await freePort();
    box = await spawnBox({ root, flyStateDir: fly.stateDir, edges: { [APP]: edgePort } });
    edge = `http://127.0.0.1:${edgePort}`;
    keys = generateTestKeys();
    const planned = await planStack("prod");
    deployOnFakeFly(planned, fly, APP, stackSecretValues(planned, keys, await makeTestReplicationTls()));
    const read = readStackPlan("prod", join(ROOT, "Pulumi.prod.yaml"));
    if (read.mode !== "self-hosted") throw new Error("Pulumi.prod.yaml is expected to be self-hosted");
    plan = read;
    // The tenants, created on the primary's admin API the way the namespace step does (through fly proxy).
    const primary = fakeMachines(fly, APP).find((m) => m.group === "primary")!;
    const proxy = await openFlyProxy({ app: APP, host: `${primary.id}.vm.${APP}.internal`, remotePort: 9090, env: fly.env, bindWaitMs: 20_000 });
    try {
      for (const t of TENANTS) expect((await adminRequest(proxy, keys.adminKey, "POST", `/v1/namespaces/${t}/create`, "{}")).status).toBe(200);
    } finally {
      await proxy.close();
    }
  }, 240_000);

  afterAll(async () => {
    await box?.stop();
    fly?.cleanup();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("shows every machine started, the write rate while a tenant writes, and lag 0 once replicas caught up", async () => {
    for (const t of ["acme", "globex"]) {
      const db = await client(edge, t);
      await db.execute("CREATE TABLE notes (body TEXT)");
      await db.execute({ sql: "INSERT INTO notes VALUES (?)", args: [`${t} row`] });
      db.close();
    }
    // Each replica loads the two tenants (sqld replicates a namespace only once it is used there) and reads the row.
    for (const m of fakeMachines(fly, APP).filter((x) => x.group === "replica")) {
      const port = (await box.machine(m.id))!.ports["8080"];
      for (const t of ["acme", "globex"]) {
        const db = await client(`http://127.0.0.1:${port}`, t);
        await expect.poll(async () => (await db.execute("SELECT count(*) AS n FROM notes")).rows[0]!.n, { timeout: 10_000 }).toBe(1);
        db.close();
      }
    }
    // acme keeps writing while the collector samples; globex is idle.
    const writer = await client(edge, "acme");
    let writing = true;
    const loop = (async () => {
      while (writing) await writer.execute({ sql: "INSERT INTO notes VALUES (?)", args: ["more"] });
    })();
    let s: StackStatus;
    try {
      s = await status(1);
    } finally {
      writing = false;
      await loop;
      writer.close();
    }
    expect(s.machines.map((m) => `${m.group}@${m.region}:${m.state}:${m.adminApi}`).sort()).toEqual(["primary@ams:started:ok", "replica@iad:started:ok", "replica@sin:started:ok"]);
    expect(s.volumes.map((v) => [v.region, v.sizeGb, v.attachedMachineId !== null])).toEqual(expect.arrayContaining([["ams", 20, true], ["iad", 20, true], ["sin", 20, true]]));
    // Fill from df on each machine (fly machine exec → the box runs df on the volume's directory): the figures of
    // the filesystem that really holds the volumes here, compared with df run directly on it.
    const host = parseDfPortable(execFileSync("df", ["-Pk", join(root, "volumes")], { encoding: "utf8" }));
    if ("error" in host) throw new Error(host.error);
    const hostFill = (host.usedBytes / (host.usedBytes + host.availableBytes)) * 100;
    for (const v of s.volumes) {
      expect(v.usageError, v.id).toBeUndefined();
      expect(Math.abs(v.fillPercent! - hostFill), `${v.id}: ${v.fillPercent}% vs ${hostFill}%`).toBeLessThan(1);
    }
    const acme = s.tenants.find((t) => t.name === "acme")!;
    const globex = s.tenants.find((t) => t.name === "globex")!;
    expect(acme.writesPerSecond).toBeGreaterThan(0);
    expect(globex.writesPerSecond).toBe(0);
    expect(acme.primaryFrame).toBeGreaterThan(0);
    // initech was never used on a replica: its lag there is unknown, not a problem.
    expect(s.tenants.find((t) => t.name === "initech")!.replicas.every((r) => r.lagFrames === null)).toBe(true);
    expect(acme.migrations).toBeNull(); // Pulumi.prod.yaml has no migrations
    expect(s.backups.configured).toBe(false);
    // Idle now: both replicas reach the primary's frame for both written tenants.
    await expect
      .poll(async () => (await status()).tenants.filter((t) => t.name !== "initech").flatMap((t) => t.replicas.map((r) => r.lagFrames)), { timeout: 15_000, interval: 500 })
      .toEqual([0, 0, 0, 0]);
    const settled = await status();
    expect(settled.healthy, settled.problems.join("\n")).toBe(true);
  }, 120_000);

  it("a stopped replica makes the stack unhealthy, naming the machine", async () => {
    const replica = fakeMachines(fly, APP).find((m) => m.group === "replica" && m.region === "sin")!;
    runScriptOk(`fly machine stop ${replica.id} -a ${APP}`, { env: fly.env });
    const s = await status();
    expect(s.healthy).toBe(false);
    expect(s.machines.find((m) => m.id === replica.id)).toMatchObject({ state: "stopped", adminApi: "not-checked" });
    expect(s.problems).toEqual([`replica machine ${replica.id} (sin) is stopped, not started (fly machine start ${replica.id} -a ${APP})`]);
    // The stopped machine's volume is not read (flyctl's exec needs a started machine); the others still are.
    const volumes = new Map(s.volumes.map((v) => [v.attachedMachineId, v]));
    expect(volumes.get(replica.id)).toMatchObject({ fillPercent: null, usageError: "its machine is not started" });
    expect([...volumes.values()].filter((v) => v.fillPercent !== null)).toHaveLength(2);
  }, 60_000);
});
