/**
 * Scenarios d and f2: a prod-like stack (primary in ams, replicas in iad and sin, replication mTLS, bottomless
 * backups to s3rver, protected data) comes up; a write through a replica is read on the primary and reaches S3;
 * then `pulumi destroy` is refused for the protected resources and no data goes.
 */
import * as assert from "node:assert/strict";
import { openEmbeddedReplica } from "../../../local/clients/embedded-replica";
import { S3RVER_CREDENTIALS, startLocalS3 } from "../../../local/backups/s3";
import { namespaceClient, scopedToken } from "../../../local/sqld/tenant-client";
import type { Scenario } from "../scenario";
import { edgeUrl, localCloud, runningMachines, type LocalCloud } from "../../support/e2e/local-cloud";
import { repoStackConfig } from "../../../local/workspace";

export const PROD_APP = "acme-sqld-e2e-prod";
const APP = PROD_APP;

function machineUrl(cloud: LocalCloud, group: string, region: string): string {
  const machine = runningMachines(cloud).find((m) => m.app === APP && m.group === group && m.region === region);
  if (!machine) throw new Error(`no running ${group} machine in ${region}: ${JSON.stringify(runningMachines(cloud))}`);
  return machine.httpUrl;
}

/**
 * What Fly's Prometheus would scrape from each machine ([[metrics]] → the relay beside sqld): acme's frame number on
 * the primary and on both replicas, so the dashboard's lag is computable, bottomless series on the primary, no key.
 * Waits until every replica has caught up (lag 0) and returns the lag per region.
 */
async function replicationLagFromScrapes(cloud: LocalCloud, adminKey: string): Promise<string> {
  const frame = (text: string, group: string) => Number(new RegExp(`^libsql_server_current_frame_no\\{process_group="${group}",namespace="acme"\\} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
  let lags: Record<string, number> = {};
  for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 250))) {
    const scrapes = await Promise.all(
      runningMachines(cloud)
        .filter((m) => m.app === APP)
        .map(async (m) => ({ m, text: await (await fetch(m.metricsUrl ?? assert.fail(`no [[metrics]] port on ${m.group}@${m.region}`))).text() })),
    );
    for (const { m, text } of scrapes) assert.ok(!text.includes(adminKey), `the admin key is in ${m.region}'s scrape`);
    const primary = scrapes.find((s) => s.m.group === "primary")!;
    assert.match(primary.text, /^bottomless_s3_processed_frame_ranges\{process_group="primary",db_name="ns-[^"]+:acme"\} \d+$/m, "backup series on the primary");
    lags = Object.fromEntries(scrapes.filter((s) => s.m.group === "replica").map((s) => [s.m.region, frame(primary.text, "primary") - frame(s.text, "replica")]));
    if (Object.values(lags).every((l) => l === 0) || Date.now() > deadline) break;
  }
  assert.deepEqual(Object.keys(lags).sort(), ["iad", "sin"]);
  assert.deepEqual(Object.values(lags), [0, 0], `replicas caught up per the scraped frame numbers: ${JSON.stringify(lags)}`);
  return JSON.stringify(lags);
}

const d: Scenario = {
  id: "d prod-three-regions",
  async run(shared) {
    const s3 = await startLocalS3("e2e-backups");
    const cloud = await localCloud("prod", [APP]);
    shared.prod = { cloud, s3 };
    shared.closers.push(() => s3.close(), () => cloud.close());
    const prod = repoStackConfig("prod");
    cloud.ws.writeStackConfig("prod", {
      fly: { ...prod.fly, app: APP },
      sqld: { ...prod.sqld, publicUrl: edgeUrl(cloud, APP) },
      api: undefined,
      deploy: { sqld: prod.deploy.sqld },
      backups: { endpoint: s3.endpoint, bucket: s3.bucket, region: "us-east-1" },
    });
    await cloud.ws.initStack("prod");
    await cloud.ws.pulumi(["config", "set", "--secret", "--stack", "prod", "backupAccessKeyId", S3RVER_CREDENTIALS.accessKeyId]);
    await cloud.ws.pulumi(["config", "set", "--secret", "--stack", "prod", "backupSecretAccessKey", S3RVER_CREDENTIALS.secretAccessKey]);
    const up = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "prod"]);

    const app = cloud.fly.state().apps[APP];
    const placed = app.machines.filter((m: { state: string }) => m.state === "started").map((m: { group: string; region: string }) => `${m.group}@${m.region}`);
    assert.deepEqual(placed.sort(), ["primary@ams", "replica@iad", "replica@sin"]);
    assert.equal(app.volumes.filter((v: { attached_machine_id?: string }) => v.attached_machine_id).length, 3, "three attached volumes");

    const out = await cloud.ws.outputs("prod");
    const token = await scopedToken(String(out.jwtPrivateKeyPem), "acme", "rw");
    // A client at the iad replica: an embedded replica (npm libsql) syncs from it and writes through it; sqld
    // forwards the writes to the primary. (A Hrana write a replica forwards fails for a namespace with its own key
    // on sqld 0.24.32 — the stack's own writers send fly-prefer-region instead, see README "Tenant signing keys".)
    const phone = await openEmbeddedReplica({ namespace: "acme", port: Number(new URL(machineUrl(cloud, "replica", "iad")).port), token });
    const primary = namespaceClient(machineUrl(cloud, "primary", "ams"), "acme", token);
    const writesBefore = s3.writes();
    try {
      assert.equal((await phone.sync()).ok, true, "the embedded replica synced from iad");
      for (const sql of ["CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, item TEXT)", "INSERT INTO orders (item) VALUES ('written via iad')"]) {
        const done = await phone.execute(sql);
        assert.equal(done.ok, true, `${sql} through iad: ${JSON.stringify(done)}`);
      }
      const rows = await primary.execute("SELECT item FROM orders");
      assert.deepEqual(rows.rows.map((r) => r.item), ["written via iad"], "the replica's write is on the primary");
    } finally {
      await phone.close();
      primary.close();
    }
    const deadline = Date.now() + 20_000;
    while (s3.writes() === writesBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.ok(s3.writes() > writesBefore, "the primary backed the write up to S3");
    // A replica loads a namespace on its first request, which makes sin replicate acme too. Seen here: sin's first
    // requests for acme (even `SELECT 1`) are forwarded to the primary and fail with 500 for a tenant with its own
    // signing key ("Expected authorization header", README "Tenant signing keys"); it serves once acme is loaded.
    const sin = namespaceClient(machineUrl(cloud, "replica", "sin"), "acme", token);
    try {
      let refusedFirst = 0;
      for (const until = Date.now() + 20_000; ; refusedFirst++, await new Promise((r) => setTimeout(r, 250))) {
        const ok = await sin.execute("SELECT 1").then(() => true, (e) => (Date.now() > until ? Promise.reject(e) : false));
        if (ok) break;
      }
      const lag = await replicationLagFromScrapes(cloud, String(out.sqldAdminKey));
      assert.deepEqual((await sin.execute("SELECT item FROM orders")).rows.map((r) => r.item), ["written via iad"], "sin caught up, as its frame number said");
      return `up ${up.seconds.toFixed(1)} s; ${placed.length} machines; replica write read on primary; ${s3.writes() - writesBefore} S3 writes after it; scraped lag ${lag}; sin refused its first ${refusedFirst} acme request(s)`;
    } finally {
      sin.close();
    }
  },
};

const fProd: Scenario = {
  id: "f2 destroy-prod-refused",
  needs: ["d"],
  async run(shared) {
    const { cloud } = shared.prod!;
    const destroy = await cloud.ws.pulumi(["destroy", "--yes", "--skip-preview", "--stack", "prod"], { allowFailure: true });
    assert.notEqual(destroy.code, 0, "destroy of a protected stack must fail");
    assert.match(destroy.stdout + destroy.stderr, /protect/);
    const app = cloud.fly.state().apps[APP];
    assert.ok(app, "the sqld app is still there");
    assert.equal(app.volumes.length, 3, "all volumes are still there");
    const out = await cloud.ws.outputs("prod");
    const token = await scopedToken(String(out.jwtPrivateKeyPem), "acme", "ro");
    const primary = namespaceClient(machineUrl(cloud, "primary", "ams"), "acme", token);
    try {
      const rows = await primary.execute("SELECT item FROM orders");
      assert.deepEqual(rows.rows.map((r) => r.item), ["written via iad"], "the data survived");
    } finally {
      primary.close();
    }
    const kept = (await cloud.ws.resources("prod")).filter((r) => r.protect).length;
    return `destroy refused in ${destroy.seconds.toFixed(1)} s; ${kept} protected resources kept; app, 3 volumes and rows intact`;
  },
};

export const prodScenarios: Scenario[] = [d, fProd];
