/**
 * Scenarios a, b and f1: the dev stack from empty, a no-op second `up`, and `pulumi destroy`, on one local cloud.
 */
import * as assert from "node:assert/strict";
import type { Scenario, Shared } from "../scenario";
import { edgeUrl, localCloud, runningMachines, workerUrl, type LocalCloud } from "../../support/e2e/local-cloud";
import { gatewayQuery } from "../../support/e2e/gateway";
import { flyCallsSince, mutatingCalls, resourceNamed, upSummary } from "../../support/e2e/checks";
import { repoStackConfig } from "../../../local/workspace";

export const DEV_APP = "acme-sqld-dev";

export function devCloud(shared: Shared): LocalCloud {
  if (!shared.dev) throw new Error("the dev stack is not up (scenario a)");
  return shared.dev;
}

const a: Scenario = {
  id: "a dev-from-empty",
  async run(shared) {
    // Scenario h syncs an embedded replica through the edge at <tenant>.db.localhost.
    const cloud = await localCloud("dev", [DEV_APP], {}, { [DEV_APP]: ["db.localhost"] });
    shared.dev = cloud;
    shared.closers.push(() => cloud.close());
    const dev = repoStackConfig("dev");
    cloud.ws.writeStackConfig("dev", { sqld: { ...dev.sqld, publicUrl: edgeUrl(cloud, DEV_APP) } });
    await cloud.ws.initStack("dev");
    const up = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);

    const out = await cloud.ws.outputs("dev");
    const url = workerUrl(cloud, dev.worker.accountId, String(out.gatewayScriptName));
    const key = String(out.gatewayApiKey);
    const create = await gatewayQuery(url, key, "acme", [
      { sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)" },
      { sql: "INSERT INTO notes (body) VALUES (?)", args: ["acme's secret"] },
    ]);
    assert.equal(create.status, 200, `acme write through the gateway: ${JSON.stringify(create.body)}`);
    const read = await gatewayQuery(url, key, "acme", [{ sql: "SELECT body FROM notes" }], "read");
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.deepEqual(read.body.results?.[0]?.rows, [["acme's secret"]]);
    // globex is another sqld namespace: acme's table does not exist there.
    const globex = await gatewayQuery(url, key, "globex", [{ sql: "SELECT body FROM notes" }], "read");
    assert.notEqual(globex.status, 200, `globex read acme's table: ${JSON.stringify(globex.body)}`);
    assert.doesNotMatch(JSON.stringify(globex.body), /acme's secret/);

    const verify = await resourceNamed(cloud.ws, "dev", "database-verify");
    assert.match(String(verify.outputs?.stdout), /"ok":true/, "database-verify ran against sqld");
    return `up ${up.seconds.toFixed(1)} s; gateway → sqld namespace acme ok, globex isolated; database-verify: ${String(verify.outputs?.stdout).trim()}`;
  },
};

const b: Scenario = {
  id: "b second-up-no-op",
  needs: ["a"],
  async run(shared) {
    const cloud = devCloud(shared);
    const before = cloud.fly.calls().length;
    const up = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);
    const summary = upSummary(up.stdout);
    assert.deepEqual(summary.changed, {}, `second up changed resources:\n${up.stdout}`);
    const calls = flyCallsSince(cloud.fly, before);
    assert.deepEqual(mutatingCalls(calls), [], "second up made mutating fly calls");
    return `no-op up ${up.seconds.toFixed(1)} s, ${summary.unchanged} unchanged, ${calls.length} fly calls`;
  },
};

const fDev: Scenario = {
  id: "f1 destroy-dev",
  needs: ["a"],
  async run(shared) {
    const cloud = devCloud(shared);
    // Deleting data needs the operator's run-time consent naming the app (infra/deletion-consent.ts).
    const destroy = await cloud.ws.pulumi(["destroy", "--yes", "--skip-preview", "--stack", "dev"], { env: { LIBSQL_STACK_DELETE_DATA: DEV_APP } });
    const left = (await cloud.ws.resources("dev")).filter((r) => !r.type.startsWith("pulumi:"));
    assert.deepEqual(left.map((r) => r.urn), [], "resources left in state");
    const fly = cloud.fly.state();
    assert.deepEqual(Object.keys(fly.apps), [], "Fly apps left");
    assert.deepEqual(runningMachines(cloud), [], "sqld processes left");
    assert.equal(cloud.box.workerUrl(repoStackConfig("dev").worker.accountId, "acme-libsql-gateway-dev"), undefined, "the Worker is gone");
    return `destroy ${destroy.seconds.toFixed(1)} s; state, apps, volumes, machines and Worker gone`;
  },
};

export const devScenarios: Scenario[] = [a, b, fDev];
