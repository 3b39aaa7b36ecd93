/**
 * Scenario i: on the deployed prod stack (primary ams, replicas iad and sin), swapping the roles of ams and iad in the
 * config must fail `up` before any Fly change, naming `libsql-stack:regions[1].role`, and leave the platform as it
 * was: same machines in the same groups and regions, same volumes and attachments, the rows still on the primary.
 * The original config is put back afterwards for the scenarios that follow.
 */
import * as assert from "node:assert/strict";
import { namespaceClient, scopedToken } from "../../../local/sqld/tenant-client";
import type { Scenario } from "../scenario";
import { runningMachines } from "../../support/e2e/local-cloud";
import { changedSteps, flyCallsSince, mutatingCalls } from "../../support/e2e/checks";
import { PROD_APP } from "./prod";

interface Region { code: string; role: string }

function platformOf(app: { machines: Record<string, unknown>[]; volumes: Record<string, unknown>[] }): string {
  const machines = app.machines.map((m) => [m.id, m.group, m.region, m.state]).sort();
  const volumes = app.volumes.map((v) => [v.id, v.region, v.attached_machine_id, v.state]).sort();
  return JSON.stringify({ machines, volumes });
}

const i: Scenario = {
  id: "i primary-move-refused",
  needs: ["d"],
  async run(shared) {
    const { cloud } = shared.prod!;
    const original = cloud.ws.readStackConfig("prod").regions as Region[];
    assert.deepEqual(original.slice(0, 2).map((r) => `${r.code}/${r.role}`), ["ams/primary", "iad/replica"], "prod's first two regions");
    const swapped = original.map((r, index) => (index === 0 ? { ...r, role: "replica" } : index === 1 ? { ...r, role: "primary" } : r));
    const before = platformOf(cloud.fly.state().apps[PROD_APP]);
    const callsBefore = cloud.fly.calls().length;

    cloud.ws.writeStackConfig("prod", { regions: swapped });
    let up;
    try {
      up = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "prod"], { allowFailure: true });
    } finally {
      cloud.ws.writeStackConfig("prod", { regions: original });
    }
    assert.notEqual(up.code, 0, "up with the primary moved to iad succeeded");
    assert.match(up.stdout + up.stderr, /libsql-stack:regions\[1\]\.role: the primary machine of acme-sqld-e2e-prod runs in another region \([0-9a-f]+:ams\), not in iad/);
    assert.deepEqual(mutatingCalls(flyCallsSince(cloud.fly, callsBefore)), [], "no Fly change after the refusal");
    assert.equal(platformOf(cloud.fly.state().apps[PROD_APP]), before, "machines and volumes unchanged");
    // Nothing else changed either (the Worker's PRIMARY_REGION once did): with the config back, nothing to do.
    assert.deepEqual(await changedSteps(cloud.ws, "prod"), {}, "the stack differs from its config after the refused up");

    const out = await cloud.ws.outputs("prod");
    const token = await scopedToken(String(out.jwtPrivateKeyPem), "acme", "ro");
    const primary = runningMachines(cloud).find((m) => m.app === PROD_APP && m.group === "primary");
    assert.equal(primary?.region, "ams", "the primary still runs in ams");
    const client = namespaceClient(primary!.httpUrl, "acme", token);
    try {
      const rows = await client.execute("SELECT item FROM orders");
      assert.deepEqual(rows.rows.map((r) => r.item), ["written via iad"], "the rows are still on the primary");
    } finally {
      client.close();
    }
    return `up refused in ${up.seconds.toFixed(1)} s naming regions[1].role; 0 mutating fly calls; machines, volumes and rows unchanged`;
  },
};

export const primaryMoveScenario = i;
