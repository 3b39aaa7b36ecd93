/**
 * How `npm run restore` reaches a deployed stack's primary, the way `npm run status` does: the primary machine from
 * `fly machines list --json` (process group `primary`), and its admin API through a pinned `fly proxy` session
 * (`<machine id>.vm.<app>.internal`, a unix socket in a private dir: scripts/lib/fly-proxy.ts). Secrets:
 * scripts/lib/deployed-stack.ts.
 */
import { SQLD_ADMIN_PORT } from "../../infra/sqld/files";
import { flyJson, type FlyMachine } from "./deployed-stack";
import { openFlyProxy, type FlyProxy } from "./fly-proxy";

export interface PrimaryAdmin {
  machineId: string;
  region: string;
  proxy: FlyProxy;
}

/** The started primary machine's admin API; exactly one must exist. */
export async function openPrimaryAdmin(app: string, env: NodeJS.ProcessEnv = process.env, bindWaitMs?: number): Promise<PrimaryAdmin> {
  const machines = await flyJson<FlyMachine[]>(["machines", "list", "-a", app], env);
  const primaries = machines.filter((m) => m.config?.metadata?.fly_process_group === "primary");
  if (primaries.length !== 1) throw new Error(`app ${app} has ${primaries.length} primary machines (${primaries.map((m) => m.id).join(", ")}): exactly one must run (npm run status)`);
  const primary = primaries[0]!;
  if (primary.state !== "started") throw new Error(`the primary machine ${primary.id} is ${primary.state}: fly machine start ${primary.id} -a ${app}`);
  const proxy = await openFlyProxy({ app, host: `${primary.id}.vm.${app}.internal`, remotePort: SQLD_ADMIN_PORT, env, bindWaitMs });
  return { machineId: primary.id, region: primary.region, proxy };
}
