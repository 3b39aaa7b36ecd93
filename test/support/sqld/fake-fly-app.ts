/**
 * The stack's sqld app on the fake flyctl TEST DOUBLE, with its machines played by real sqld processes: runs the
 * plan's own sqld Commands (app, secrets, volumes, deploy, scale, ips) in dependency order against the fake, then
 * maps every started machine to the local process of the same process group and region, so the fake's
 * `fly proxy` (local/doubles/fake-fly/lib/proxy.js) reaches a real sqld port for the 6PN name it resolves.
 */
import type { Plan } from "../../../scripts/lib/plan-runner";
import { flyCommandsOf, inDependencyOrder } from "../fly/run-commands";
import { runScriptOk, type FakeFlyEnv } from "../../../local/doubles/fake-fly/harness";
import type { LocalSqldCluster, SqldMachine } from "../../../local/sqld/cluster";

export interface FakeFlyMachine {
  id: string;
  group: string;
  region: string;
  state: string;
  private_ip: string;
}

/**
 * Create the stack's sqld app on the fake fly (every `sqld-*` Command but `skip`), the secrets Command fed the
 * given values on stdin. Returns the fake's machines of the app.
 */
export function deployOnFakeFly(
  plan: Plan,
  fly: FakeFlyEnv,
  app: string,
  secrets: Record<string, string>,
  skip = ["sqld-namespaces"],
  /** Called right after each Command succeeded (synchronously: observe what that Command left behind). */
  afterCommand?: (name: string) => void,
): FakeFlyMachine[] {
  for (const c of inDependencyOrder(flyCommandsOf(plan, (name) => name.startsWith("sqld-") && !skip.includes(name), secrets))) {
    runScriptOk(c.create, { env: { ...fly.env, ...c.environment }, stdin: c.stdin });
    afterCommand?.(c.name);
  }
  return fakeMachines(fly, app);
}

export function fakeMachines(fly: FakeFlyEnv, app: string): FakeFlyMachine[] {
  return (fly.state().apps[app]?.machines ?? []) as FakeFlyMachine[];
}

/** FAKE_FLY_PROXY_TARGETS for the admin port: each started fake machine → the real sqld of its group and region. */
export function adminProxyTargets(machines: FakeFlyMachine[], cluster: LocalSqldCluster, remotePort = 9090): Record<string, string> {
  const local = [cluster.primary, ...cluster.replicas];
  const targets: Record<string, string> = {};
  for (const m of machines.filter((x) => x.state === "started")) {
    const process: SqldMachine | undefined = local.find((l) => l.group === m.group && l.region === m.region);
    if (!process) throw new Error(`no local sqld plays machine ${m.id} (${m.group} in ${m.region})`);
    targets[`${m.id}:${remotePort}`] = new URL(process.adminUrl).host;
  }
  return targets;
}
