/**
 * Scenario w: the mode switch through the real engine (README "Mode switch"). The dev stack (self-hosted, tenants
 * acme and globex) gets rows through its gateway; `mode: managed` with a `turso` block → `pulumi up` carries both
 * tenants into the box's Turso double (each database a real sqld) before the Worker moves; a row written in managed
 * mode; back to `mode: self-hosted` → every row is on sqld again; then the documented second step (the `turso`
 * block removed) leaves the Turso databases in place. While each switch runs, the gateway is read continuously:
 * it never answers a tenant without its rows.
 */
import * as assert from "node:assert/strict";
import type { Scenario } from "../scenario";
import { edgeUrl, localCloud, workerUrl, type LocalCloud } from "../../support/e2e/local-cloud";
import { gatewayQuery } from "../../support/e2e/gateway";
import { resourceNamed } from "../../support/e2e/checks";
import { repoStackConfig } from "../../../local/workspace";

const APP = "acme-sqld-dev";
const TURSO = { org: "acme", group: "acme-dev", location: "aws-eu-west-1", database: "acme-dev" };

interface Gateway {
  url: string;
  key: string;
}

/** Reads acme's notes through the gateway until `done` settles; every answer that is not all of `expected` rows is kept. */
async function readWhile<T>(gateway: () => Gateway, done: Promise<T>, expected: number): Promise<{ result: T; reads: number; wrong: string[] }> {
  let finished = false;
  const wrong: string[] = [];
  let reads = 0;
  const settled = done.finally(() => (finished = true));
  while (!finished) {
    try {
      const { url, key } = gateway();
      const r = await gatewayQuery(url, key, "acme", [{ sql: "SELECT count(*) FROM notes" }], "read");
      reads++;
      // A write block on the old side is fine for a read; a missing table or a count below the rows written is not.
      if (r.status !== 200 || Number(r.body.results?.[0]?.rows[0]?.[0]) < expected) wrong.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    } catch {
      // The Worker is being re-uploaded (its port closes for a moment): no answer is not a wrong answer.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { result: await settled, reads, wrong };
}

async function countNotes(g: Gateway, tenant: string): Promise<number> {
  const r = await gatewayQuery(g.url, g.key, tenant, [{ sql: "SELECT count(*) FROM notes" }], "read");
  assert.equal(r.status, 200, `${tenant} read: ${JSON.stringify(r.body)}`);
  return Number(r.body.results?.[0]?.rows[0]?.[0]);
}

async function write(g: Gateway, tenant: string, body: string): Promise<void> {
  const r = await gatewayQuery(g.url, g.key, tenant, [{ sql: "INSERT INTO notes (body) VALUES (?)", args: [body] }]);
  assert.equal(r.status, 200, `${tenant} write: ${JSON.stringify(r.body)}`);
}

async function switchTo(cloud: LocalCloud, gateway: () => Gateway, config: Record<string, unknown>, rows: number) {
  cloud.ws.writeStackConfig("dev", config);
  const { result: up, reads, wrong } = await readWhile(gateway, cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]), rows);
  assert.deepEqual(wrong, [], "the gateway answered acme without its rows during the switch");
  const record = JSON.parse(String((await resourceNamed(cloud.ws, "dev", "mode-switch")).outputs?.stdout).trim()) as { serving: string; tenants: Record<string, string> };
  return { up, reads, record };
}

export const modeSwitchScenario: Scenario = {
  id: "w mode-switch",
  async run(shared) {
    const cloud = await localCloud("switch", [APP]);
    shared.closers.push(() => cloud.close());
    const dev = repoStackConfig("dev");
    cloud.ws.writeStackConfig("dev", { sqld: { ...dev.sqld, publicUrl: edgeUrl(cloud, APP) } });
    await cloud.ws.initStack("dev");
    await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);
    const out = await cloud.ws.outputs("dev");
    const key = String(out.gatewayApiKey);
    const gateway = () => ({ url: workerUrl(cloud, dev.worker.accountId, String(out.gatewayScriptName)), key });
    for (const tenant of ["acme", "globex"]) {
      const r = await gatewayQuery(gateway().url, key, tenant, [{ sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)" }]);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    await write(gateway(), "acme", "acme 1");
    await write(gateway(), "acme", "acme 2");
    await write(gateway(), "globex", "globex 1");

    // 1. To managed: the turso block added with the flip, in one up.
    const toManaged = await switchTo(cloud, gateway, { mode: "managed", turso: TURSO }, 2);
    assert.deepEqual(toManaged.record, { serving: "managed", tenants: { acme: "copied", globex: "copied" } });
    const turso = await cloud.box.turso();
    assert.ok(turso.databases["acme-dev-acme"]?.running && turso.databases["acme-dev-globex"]?.running, "a Turso database per tenant");
    assert.equal(await countNotes(gateway(), "acme"), 2);
    assert.equal(await countNotes(gateway(), "globex"), 1);
    await write(gateway(), "acme", "acme 3, written in managed mode");
    assert.equal((await cloud.ws.outputs("dev")).gatewayScriptName, out.gatewayScriptName, "the same Worker serves");

    // 2. Back to self-hosted, the turso block kept: the row written in managed mode comes along.
    const back = await switchTo(cloud, gateway, { mode: "self-hosted" }, 3);
    assert.deepEqual(back.record, { serving: "self-hosted", tenants: { acme: "copied", globex: "already-complete" } });
    assert.equal(await countNotes(gateway(), "acme"), 3);
    await write(gateway(), "acme", "acme 4, self-hosted again");

    // 3. The second step: the turso block removed. The databases leave the stack but stay at Turso (not allowed to delete).
    cloud.ws.writeStackConfig("dev", { turso: undefined });
    await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);
    const kept = await cloud.box.turso();
    assert.ok(kept.databases["acme-dev-acme"] && kept.databases["acme-dev-globex"], "the Turso databases are kept");
    assert.ok(!(await cloud.ws.resources("dev")).some((r) => r.urn.endsWith("::mode-switch")), "no mode-switch step left");
    assert.equal(await countNotes(gateway(), "acme"), 4);
    return `to managed ${toManaged.up.seconds.toFixed(1)} s (${toManaged.reads} gateway reads during it), back ${back.up.seconds.toFixed(1)} s (${back.reads} reads); every row present after each switch`;
  },
};
