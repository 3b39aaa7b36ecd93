/**
 * Scenario e: for each flyctl operation the dev stack's Commands run, a fresh dev stack whose first `up` fails there
 * (fly exits 1 before the change lands; for `deploy` also after it landed, like a health-check timeout), then a
 * clean `up`. The platform must converge: one app, one started primary, one attached volume, nothing unattached,
 * the tenants reachable, and a further `up` with nothing to do.
 */
import * as assert from "node:assert/strict";
import type { Scenario } from "../scenario";
import { edgeUrl, localCloud, runningMachines, workerUrl, type LocalCloud } from "../../support/e2e/local-cloud";
import { gatewayQuery } from "../../support/e2e/gateway";
import { upSummary } from "../../support/e2e/checks";
import { repoStackConfig } from "../../../local/workspace";

const APP = "acme-sqld-e2e-fail";

/**
 * One failure point per Command of the dev stack, as FAKE_FLY_FAIL rules "<fly command>:<nth call>[:after]", each
 * the first or the mutating fly call of that Command (a dev `up` calls, in order: apps list, apps create, machines
 * list [primary guard], secrets list [encryption guard], volumes list, volumes create, volumes list, secrets import, machines list [deploy], deploy,
 * ips list, machines list [scale], ips list, proxy [namespaces]; the first deploy allocates the IPs and starts the primary, so the ips and
 * scale Commands only read).
 */
const FAILURE_POINTS = [
  "apps create:1", // sqld-app
  "machines list:1", // sqld-primary-guard
  "secrets list:1", // sqld-encryption-guard
  "volumes create:1", // sqld-volume-ams
  "secrets import:1", // sqld-secrets
  "deploy:1", // sqld-deploy, before the release lands
  "deploy:1:after", // sqld-deploy, after it landed (a health-check timeout)
  "machines list:3", // sqld-scale-primary-ams
  "ips list:1", // sqld-ips
  "proxy:1", // sqld-namespaces
];

export const failureScenario: Scenario = {
  id: "e failure-at-each-command",
  async run() {
    // A fresh stack per failure point: Pulumi runs independent Commands in parallel, so on a shared stack an
    // earlier failed `up` may already have run the next point's operation, and its injection would never fire.
    // Two stacks at a time: each `up` mostly waits on processes starting, so two share a 2-core machine well.
    const facts = new Array<string>(FAILURE_POINTS.length);
    let next = 0;
    const worker = async () => {
      while (next < FAILURE_POINTS.length) {
        const i = next++;
        facts[i] = await failOnceThenConverge(FAILURE_POINTS[i]!);
      }
    };
    await Promise.all([worker(), worker()]);
    return facts.join(", ");
  },
};

async function failOnceThenConverge(point: string): Promise<string> {
  const cloud = await localCloud("fail", [APP]);
  try {
    const dev = repoStackConfig("dev");
    cloud.ws.writeStackConfig("dev", { fly: { ...dev.fly, app: APP }, sqld: { ...dev.sqld, publicUrl: edgeUrl(cloud, APP) } });
    await cloud.ws.initStack("dev");
    const failing = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"], { allowFailure: true, env: { FAKE_FLY_FAIL: point } });
    assert.notEqual(failing.code, 0, `up with "${point}" failing succeeded: the stack never ran it`);
    assert.match(failing.stdout + failing.stderr, /injected failure/, `up failed, but not at ${point}`);
    const clean = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);
    await assertConverged(cloud, dev);
    const again = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);
    assert.deepEqual(upSummary(again.stdout).changed, {}, `${point}: an up after convergence changes nothing`);
    return `${point} ${failing.seconds.toFixed(0)}+${clean.seconds.toFixed(0)} s`;
  } catch (err) {
    throw new Error(`failure point "${point}": ${err instanceof Error ? err.message : err}`);
  } finally {
    await cloud.close();
  }
}

/** One app, one started primary in ams, one attached volume, one sqld, one Worker, every tenant answering. */
async function assertConverged(cloud: LocalCloud, dev: Record<string, any>): Promise<void> {
  const app = cloud.fly.state().apps[APP];
  assert.ok(app, "the app exists");
  assert.deepEqual(Object.keys(cloud.fly.state().apps), [APP], "one app");
  assert.deepEqual(
    app.machines.map((m: { group: string; region: string; state: string }) => `${m.group}@${m.region}:${m.state}`),
    ["primary@ams:started"],
    "exactly one machine, the started primary in ams",
  );
  assert.equal(app.volumes.length, 1, `one volume, found ${app.volumes.length}`);
  assert.ok(app.volumes[0].attached_machine_id, "the volume is attached");
  assert.equal(runningMachines(cloud).length, 1, "one sqld process");
  const out = await cloud.ws.outputs("dev");
  const url = workerUrl(cloud, dev.worker.accountId, String(out.gatewayScriptName));
  for (const tenant of dev.tenants as string[]) {
    const answer = await gatewayQuery(url, String(out.gatewayApiKey), tenant, [{ sql: "SELECT 1" }], "read");
    assert.equal(answer.status, 200, `${tenant} after convergence: ${JSON.stringify(answer.body)}`);
  }
}
