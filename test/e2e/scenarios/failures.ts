/**
 * Scenario e: the dev stack's `up` fails once at each flyctl operation its Commands run (fly exits 1, before the
 * change lands; for `deploy` also after it landed, like a health-check timeout), one `up` per failure point, then
 * a clean `up`. The platform must converge: one app, one started primary, one attached volume, nothing unattached,
 * the tenants reachable, and a further `up` with nothing to do.
 */
import * as assert from "node:assert/strict";
import type { Scenario } from "../scenario";
import { edgeUrl, localCloud, runningMachines, workerUrl } from "../support/local-cloud";
import { gatewayQuery } from "../support/gateway";
import { upSummary } from "../support/checks";
import { repoStackConfig } from "./dev";

const APP = "acme-sqld-e2e-fail";

/** flyctl operations of the dev stack in the order its Commands first run them (fake fly call keys). */
const FAILURE_POINTS = ["apps create", "secrets import", "volumes create", "deploy", "deploy:after", "scale count", "ips allocate-v6", "proxy"];

export const failureScenario: Scenario = {
  id: "e failure-at-each-command",
  async run(shared) {
    const cloud = await localCloud("fail", [APP]);
    shared.closers.push(() => cloud.close());
    const dev = repoStackConfig("dev");
    cloud.ws.writeStackConfig("dev", { fly: { ...dev.fly, app: APP }, sqld: { ...dev.sqld, publicUrl: edgeUrl(cloud, APP) } });
    await cloud.ws.initStack("dev");
    const times: string[] = [];
    for (const point of FAILURE_POINTS) {
      const [key, when = "before"] = point.split(":") as [string, string?];
      const next = (cloud.fly.state().callCounts[key] ?? 0) + 1;
      const failing = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"], {
        allowFailure: true,
        env: { FAKE_FLY_FAIL: `${key}:${next}:${when}` },
      });
      assert.notEqual(failing.code, 0, `up with "${point}" failing succeeded: the stack never ran it`);
      assert.match(failing.stdout + failing.stderr, /injected failure/, `up failed, but not at ${point}`);
      times.push(`${point} ${failing.seconds.toFixed(0)}s`);
    }
    const clean = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);

    const app = cloud.fly.state().apps[APP];
    assert.ok(app, "the app exists");
    const started = app.machines.filter((m: { state: string }) => m.state === "started");
    assert.deepEqual(
      started.map((m: { group: string; region: string }) => `${m.group}@${m.region}`),
      ["primary@ams"],
      "exactly one started machine, the primary in ams",
    );
    assert.equal(app.machines.length, 1, "no leftover machines");
    assert.equal(app.volumes.length, 1, `one volume, found ${app.volumes.length}`);
    assert.ok(app.volumes[0].attached_machine_id, "the volume is attached");
    assert.equal(runningMachines(cloud).length, 1, "one sqld process");

    const out = await cloud.ws.outputs("dev");
    const url = workerUrl(cloud, dev.worker.accountId, String(out.gatewayScriptName));
    for (const tenant of dev.tenants as string[]) {
      const answer = await gatewayQuery(url, String(out.gatewayApiKey), tenant, [{ sql: "SELECT 1" }], "read");
      assert.equal(answer.status, 200, `${tenant} after convergence: ${JSON.stringify(answer.body)}`);
    }
    const again = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);
    assert.deepEqual(upSummary(again.stdout).changed, {}, "an up after convergence changes nothing");
    return `${FAILURE_POINTS.length} failed ups (${times.join(", ")}), clean up ${clean.seconds.toFixed(0)} s, converged`;
  },
};
