/**
 * The box runs the fake Fly platform for real: the dev stack's own sqld Commands (planned under mocks) against the
 * fake flyctl TEST DOUBLE with a box attached, then the machine is a real sqld reached through the app's edge and
 * through `fly proxy` (no FAKE_FLY_PROXY_TARGETS), restarted by a redeploy with its volume kept, ended by
 * `fly machine stop`/`destroy`.
 */
import { spawn } from "node:child_process";
import { request } from "node:http";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../scripts/lib/plan-runner";
import { makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";
import { spawnBox, type SpawnedBox } from "../../local/box/spawn-box";
import { flyCommandsOf } from "../support/fly/run-commands";
import { byName, planStack } from "../../local/plan";
import { generateTestKeys, stackSecretValues, withEnv, type TestKeys } from "../../local/sqld/cluster";
import { deployOnFakeFly, fakeMachines } from "../support/sqld/fake-fly-app";
import { freePort } from "../../local/sqld/process";
import { sqldBinary } from "../../local/sqld/binary";
import { executeRaw, namespaceClient, scopedToken } from "../../local/sqld/tenant-client";
import { makeTestReplicationTls } from "../../local/sqld/tls";
import { isProcessAlive } from "../../local/pid";

const APP = "acme-sqld-dev";

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `fly proxy 0:<remote> -a APP` with the fake's env (no FAKE_FLY_PROXY_TARGETS); resolves the local port. */
async function flyProxy(fly: FakeFlyEnv, remotePort: number): Promise<{ port: number; close(): Promise<void> }> {
  const env = { ...fly.env };
  delete env.FAKE_FLY_PROXY_TARGETS;
  const proxy = spawn("fly", ["proxy", `0:${remotePort}`, "-a", APP], { env });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = "";
    proxy.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = /Proxying localhost:(\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    proxy.on("exit", (code) => reject(new Error(`fly proxy exited ${code}`)));
  });
  return { port, close: () => new Promise<void>((resolve) => (proxy.on("exit", () => resolve()), proxy.kill("SIGTERM"))) };
}

/** One Hrana pipeline to the edge with this Host header (fetch may not set Host); no x-namespace-bin. */
function pipelineAs(edgeUrl: string, host: string, token: string, sql: string): Promise<{ status: number; text: string }> {
  const body = JSON.stringify({ requests: [{ type: "execute", stmt: { sql } }, { type: "close" }] });
  return new Promise((done, fail) => {
    const req = request(`${edgeUrl}/v2/pipeline`, { method: "POST", headers: { host, authorization: `Bearer ${token}`, "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c)).on("end", () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", fail).end(body);
  });
}

describe("the box runs the dev stack's sqld machine", () => {
  let fly: FakeFlyEnv;
  let box: SpawnedBox;
  let root: string;
  let plan: Plan;
  let keys: TestKeys;
  let secrets: Record<string, string>;
  let edge: string;
  let edgeRightAfterDeploy = "";
  const machineId = () => fakeMachines(fly, APP)[0]!.id;
  const pidOf = async () => (await box.machine(machineId()))?.pid;
  const client = async () => namespaceClient(edge, "acme", await scopedToken(keys.privateKeyPem, "acme", "rw"));

  beforeAll(async () => {
    fly = makeFakeFlyEnv();
    root = mkdtempSync(join(tmpdir(), "box-test-"));
    const edgePort = await freePort();
    box = await spawnBox({ root, flyStateDir: fly.stateDir, edges: { [APP]: edgePort }, localTenantDomains: { [APP]: ["db.localhost"] } });
    edge = `http://127.0.0.1:${edgePort}`;
    plan = await planStack("dev");
    keys = generateTestKeys();
    secrets = stackSecretValues(plan, keys, await makeTestReplicationTls());
    deployOnFakeFly(plan, fly, APP, secrets, undefined, (name) => {
      if (name === "sqld-deploy") edgeRightAfterDeploy = runScript(`curl -s -o /dev/null -w '%{http_code}' ${edge}/health`, { env: fly.env }).stdout;
    });
  });
  afterAll(async () => {
    await box?.stop();
    fly?.cleanup();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("fly deploy returned only once the machine's sqld answered, and the edge reaches it", async () => {
    const [machine] = fakeMachines(fly, APP);
    expect(machine?.state).toBe("started");
    const running = await box.machine(machine!.id);
    expect(running?.status).toBe("ready");
    expect(running?.instance_id).toBe((fly.state().apps[APP].machines[0] as { instance_id: string }).instance_id);
    // Probed the moment the deploy Command exited, before any other Command ran: deploy waited (lib/box.js).
    expect(edgeRightAfterDeploy).toBe("200");
  });

  it("fly proxy reaches the admin port with no FAKE_FLY_PROXY_TARGETS, and a query through the edge reaches sqld", async () => {
    const proxy = await flyProxy(fly, 9090);
    try {
      const reply = await fetch(`http://127.0.0.1:${proxy.port}/v1/namespaces/acme/create`, {
        method: "POST",
        headers: { authorization: `Basic ${keys.adminKey}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(reply.status, await reply.text()).toBe(200);
    } finally {
      await proxy.close();
    }
    // The app's secret values reached sqld: without a token it refuses (SQLD_AUTH_JWT_KEY is set)…
    expect((await executeRaw(edge, "SELECT 1", { namespace: "acme" })).status).toBe(401);
    // …and a token signed with the matching key works.
    const db = await client();
    await db.execute("CREATE TABLE t (v TEXT)");
    await db.execute("INSERT INTO t VALUES ('kept')");
    expect((await db.execute("SELECT v FROM t")).rows.map((r) => r.v)).toEqual(["kept"]);
  });

  it("the edge serves <tenant>.db.localhost with the Host unchanged, so sqld takes the namespace from it; other hosts 404", async () => {
    const token = await scopedToken(keys.privateKeyPem, "acme", "rw");
    const port = new URL(edge).port;
    const acme = await pipelineAs(edge, `acme.db.localhost:${port}`, token, "SELECT v FROM t");
    expect(acme.status, acme.text).toBe(200);
    expect(JSON.parse(acme.text).results[0].response.result.rows).toEqual([[{ type: "text", value: "kept" }]]);
    // Another first label is another namespace: acme's table is not there (and acme's token is not globex's).
    expect((await pipelineAs(edge, `globex.db.localhost:${port}`, token, "SELECT v FROM t")).text).not.toContain("kept");
    const unknown = await pipelineAs(edge, `acme.db.test:${port}`, token, "SELECT v FROM t");
    expect(unknown.status).toBe(404);
    expect(unknown.text).toMatch(/is not a host of acme-sqld-dev/);
  });

  it("the machine runs the hardened sqld through the image's entrypoint: uid 666, no capabilities, owning its volume", async () => {
    const pid = (await pidOf())!;
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(status).toMatch(/^Uid:\s+666\s+666\s+666\s+666$/m);
    expect(status).toMatch(/^CapEff:\s+0{16}$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(sqldBinary());
    const volume = (fly.state().apps[APP].volumes[0] as { id: string }).id;
    expect(statSync(join(root, "volumes", volume, "data.sqld")).uid).toBe(666);
    // fileio is gone for a tenant's token on the deployed machine too.
    await expect((await client()).execute("SELECT readfile('/etc/hostname')")).rejects.toThrow(/no such function: readfile/);
  });

  it("Fly's scraper reaches the machine's [[metrics]] port: the relay beside sqld answers with acme's series, never the key", async () => {
    const machine = await box.machine(machineId());
    const port = machine?.ports[9091];
    expect(port, "the box maps fly.toml's relay address 0.0.0.0:9091 to a loopback port").toBeDefined();
    let text = "";
    await until("acme's frame number in the scrape", async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      text = await response.text();
      return response.status === 200 && /^libsql_server_current_frame_no\{process_group="primary",namespace="acme"\} \d+$/m.test(text) ? true : undefined;
    });
    expect(text).not.toContain(keys.adminKey);
    expect((await fetch(`http://127.0.0.1:${port}/v1/namespaces/acme/stats`)).status).toBe(404);
    // The relay listens on IPv4 only: 6PN (IPv6: `fly proxy`, `.internal` names) does not reach it, the admin port does.
    const targets = JSON.parse(readFileSync(join(fly.stateDir, "proxy-targets.json"), "utf8")) as Record<string, string>;
    expect(Object.keys(targets)).toContain(`${machineId()}:9090`);
    expect(Object.keys(targets)).not.toContain(`${machineId()}:9091`);
  });

  it("a redeploy restarts the machine with the new config and keeps the volume's data", async () => {
    const before = await pidOf();
    const deploy = flyCommandsOf(plan, (name) => name === "sqld-deploy")[0]!;
    const flyToml = withEnv(String((byName(plan, "sqld-deploy").inputs.environment as Record<string, string>).FLY_TOML), { BOX_TEST_MARK: "2" });
    runScriptOk(deploy.create, { env: { ...fly.env, ...deploy.environment, FLY_TOML: flyToml } });
    // Right after the deploy: the box already runs the new machine version (deploy waited for it).
    const after = await box.machine(machineId());
    expect(after?.pid).toBeDefined();
    expect(after?.pid).not.toBe(before);
    expect(after?.release).toBe((fly.state().apps[APP].machines[0] as { config: { metadata: { fly_release_version: string } } }).config.metadata.fly_release_version);
    expect(after?.release).toBe("2");
    expect((await (await client()).execute("SELECT v FROM t")).rows.map((r) => r.v)).toEqual(["kept"]);
  });

  it("a non-staged fly secrets import restarts the machine and returns only once it serves again (flyctl DeploySecrets)", async () => {
    const before = await pidOf();
    const imported = runScriptOk(`printf 'BOX_TEST_SECRET=rotated\\n' | fly secrets import -a ${APP}`, { env: fly.env });
    expect(imported.stdout + imported.stderr).toMatch(/Updating existing machines/);
    // The command returned: the box already runs the new machine version, sqld answers, the data is there.
    const after = await box.machine(machineId());
    expect(after?.status).toBe("ready");
    expect(after?.pid).not.toBe(before);
    expect(after?.instance_id).toBe((fly.state().apps[APP].machines[0] as { instance_id: string }).instance_id);
    expect((await (await client()).execute("SELECT v FROM t")).rows.map((r) => r.v)).toEqual(["kept"]);
  });

  it("fly machine stop ends the process (edge 502), start brings it back, destroy ends it for good", async () => {
    const [machine] = fakeMachines(fly, APP);
    const pid = (await pidOf())!;
    runScriptOk(`fly machine stop ${machine!.id} -a ${APP}`, { env: fly.env });
    await until("sqld to exit", () => (isProcessAlive(pid) ? undefined : true));
    expect((await fetch(`${edge}/health`)).status).toBe(502);
    runScriptOk(`fly machine start ${machine!.id} -a ${APP}`, { env: fly.env });
    await until("the machine to be ready again", async () => ((await box.machine(machine!.id))?.status === "ready" ? true : undefined));
    expect((await (await client()).execute("SELECT v FROM t")).rows.map((r) => r.v)).toEqual(["kept"]);

    const restarted = (await pidOf())!;
    expect(runScript(`fly machine destroy ${machine!.id} -a ${APP}`, { env: fly.env }).stderr).toMatch(/currently started, either stop first or use --force/);
    runScriptOk(`fly machine destroy ${machine!.id} -a ${APP} --force`, { env: fly.env });
    await until("sqld to exit", () => (isProcessAlive(restarted) ? undefined : true));
    const volume = (fly.state().apps[APP].volumes[0] as { id: string }).id;
    expect(existsSync(join(root, "volumes", volume!))).toBe(true);
    runScriptOk(`fly volumes destroy ${volume} -a ${APP} --yes`, { env: fly.env });
    await until("the volume's directory to go", () => (existsSync(join(root, "volumes", volume!)) ? undefined : true));
  });

  it("fly deploy fails like flyctl when a machine never becomes ready within --wait-timeout", () => {
    const dir = mkdtempSync(join(root, "broken-"));
    runScriptOk("fly apps create broken-app --org personal", { env: fly.env });
    const toml = `app = "broken-app"\nprimary_region = "ams"\n[build]\nimage = "x:1"\n[processes]\napp = "--http-listen-addr [::]:8080 --no-such-flag"\n`;
    const result = runScript(`printf '%s' '${toml}' > ${dir}/fly.toml && fly deploy ${dir} -a broken-app -c ${dir}/fly.toml --yes --wait-timeout 3s`, { env: fly.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/timeout reached waiting for machine's state to change/);
    expect(result.stderr).toMatch(/--wait-timeout/);
  });
});
