/**
 * Scenario x: sqld.encryptionAtRest through the real engine, on its own local cloud with two dev-shaped stacks.
 * - `enc` is deployed encrypted from the start: the Worker reaches real sqld started with the stack's generated
 *   SQLD_ENCRYPTION_KEY. Turning encryption off must fail `up` at `sqld-encryption-guard`, naming the config key.
 * - `plain` is deployed without encryption and holds a row. Turning encryption on must fail the same way.
 * After each refusal: no mutating fly call, the same secrets (digests), machines (same instance: not restarted) and
 * volumes, the rows still served through the Worker, and with the config put back nothing left to do but drop the key
 * the refused `up` generated (`plain`).
 */
import * as assert from "node:assert/strict";
import type { Scenario } from "../scenario";
import { edgeUrl, localCloud, workerUrl, type LocalCloud } from "../../support/e2e/local-cloud";
import { gatewayQuery } from "../../support/e2e/gateway";
import { changedSteps, flyCallsSince, mutatingCalls } from "../../support/e2e/checks";
import { repoStackConfig } from "../../../local/workspace";

const ENC_APP = "acme-sqld-e2e-enc";
const PLAIN_APP = "acme-sqld-e2e-plain";

/** What a refused `up` must leave alone: secrets by digest, machines by instance (a restart changes it), volumes. */
function platformOf(cloud: LocalCloud, app: string): string {
  const a = cloud.fly.state().apps[app];
  const machines = (a.machines as Record<string, unknown>[]).map((m) => [m.id, m.group, m.region, m.state, m.instance_id]).sort();
  const volumes = (a.volumes as Record<string, unknown>[]).map((v) => [v.id, v.attached_machine_id, v.state]).sort();
  const secrets = Object.values(a.secrets as Record<string, { name: string; digest: string }>).map((s) => [s.name, s.digest]).sort();
  return JSON.stringify({ machines, volumes, secrets, secretRestarts: a.secretRestarts ?? 0 });
}

async function upStack(cloud: LocalCloud, stack: string, app: string, encryptionAtRest: boolean): Promise<{ url: string; key: string; seconds: number }> {
  const dev = repoStackConfig("dev");
  cloud.ws.writeStackConfig(stack, {
    fly: { ...dev.fly, app },
    sqld: { ...dev.sqld, publicUrl: edgeUrl(cloud, app), encryptionAtRest },
    worker: { ...dev.worker, scriptName: `${app}-gateway` },
  }, "dev");
  await cloud.ws.initStack(stack);
  const up = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", stack]);
  const out = await cloud.ws.outputs(stack);
  return { url: workerUrl(cloud, dev.worker.accountId, String(out.gatewayScriptName)), key: String(out.gatewayApiKey), seconds: up.seconds };
}

async function assertRows(gateway: { url: string; key: string }, rows: unknown[][], what: string): Promise<void> {
  const read = await gatewayQuery(gateway.url, gateway.key, "acme", [{ sql: "SELECT body FROM notes ORDER BY id" }], "read");
  assert.equal(read.status, 200, `${what}: ${JSON.stringify(read.body)}`);
  assert.deepEqual(read.body.results?.[0]?.rows, rows, what);
}

/** Flips sqld.encryptionAtRest, expects `up` to fail with `message`, puts the config back; returns the seconds. */
async function refusedFlip(cloud: LocalCloud, stack: string, app: string, to: boolean, message: RegExp): Promise<number> {
  const sqld = cloud.ws.readStackConfig(stack).sqld as Record<string, unknown>;
  const before = platformOf(cloud, app);
  const callsBefore = cloud.fly.calls().length;
  cloud.ws.writeStackConfig(stack, { sqld: { ...sqld, encryptionAtRest: to } });
  let up;
  try {
    up = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", stack], { allowFailure: true });
  } finally {
    cloud.ws.writeStackConfig(stack, { sqld });
  }
  assert.notEqual(up.code, 0, `${stack}: up with encryptionAtRest ${to} succeeded`);
  assert.match(up.stdout + up.stderr, message);
  assert.deepEqual(mutatingCalls(flyCallsSince(cloud.fly, callsBefore)), [], `${stack}: no Fly change after the refusal`);
  assert.equal(platformOf(cloud, app), before, `${stack}: secrets, machines and volumes unchanged`);
  return up.seconds;
}

const x: Scenario = {
  id: "x encryption-at-rest",
  async run() {
    const cloud = await localCloud("enc", [ENC_APP, PLAIN_APP]);
    try {
      const enc = await upStack(cloud, "enc", ENC_APP, true);
      assert.ok(cloud.fly.state().apps[ENC_APP].secrets.SQLD_ENCRYPTION_KEY, "the encrypted stack set SQLD_ENCRYPTION_KEY");
      const write = await gatewayQuery(enc.url, enc.key, "acme", [
        { sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)" },
        { sql: "INSERT INTO notes (body) VALUES (?)", args: ["kept encrypted"] },
      ]);
      assert.equal(write.status, 200, `write through the gateway to encrypted sqld: ${JSON.stringify(write.body)}`);
      await assertRows(enc, [["kept encrypted"]], "encrypted stack serves its rows");
      const off = await refusedFlip(cloud, "enc", ENC_APP, false, new RegExp(`libsql-stack:sqld\\.encryptionAtRest: ${ENC_APP} holds SQLD_ENCRYPTION_KEY: its volumes are encrypted at rest`));
      await assertRows(enc, [["kept encrypted"]], "rows served after the refused off");
      assert.deepEqual(await changedSteps(cloud.ws, "enc"), {}, "enc differs from its config after the refused up");

      const plain = await upStack(cloud, "plain", PLAIN_APP, false);
      const seeded = await gatewayQuery(plain.url, plain.key, "acme", [
        { sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)" },
        { sql: "INSERT INTO notes (body) VALUES (?)", args: ["written plain"] },
      ]);
      assert.equal(seeded.status, 200, JSON.stringify(seeded.body));
      const on = await refusedFlip(cloud, "plain", PLAIN_APP, true, new RegExp(`libsql-stack:sqld\\.encryptionAtRest: ${PLAIN_APP} already has sqld volumes \\(vol_[a-z0-9]+\\) written without encryption`));
      await assertRows(plain, [["written plain"]], "rows served after the refused on");
      // The refused up may have generated the key (nothing on Fly holds it); with the config back it is dropped.
      const left = await changedSteps(cloud.ws, "plain");
      assert.ok(Object.entries(left).every(([name, op]) => name === "keys-encryption-key" && op === "delete"), `plain: ${JSON.stringify(left)}`);
      return `enc up ${enc.seconds.toFixed(1)} s, served through the Worker; off refused in ${off.toFixed(1)} s; plain up ${plain.seconds.toFixed(1)} s; on refused in ${on.toFixed(1)} s; 0 mutating fly calls, secrets and machine instances unchanged`;
    } finally {
      await cloud.close();
    }
  },
};

export const encryptionScenario = x;
