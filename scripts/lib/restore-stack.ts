/**
 * How `npm run restore` reaches a deployed stack, the way `npm run status` does: secrets from `pulumi stack output
 * --json --show-secrets` into this process only (never argv, never printed), the primary machine from
 * `fly machines list --json` (process group `primary`), and its admin API through a pinned `fly proxy` session
 * (`<machine id>.vm.<app>.internal`, a unix socket in a private dir: scripts/lib/fly-proxy.ts).
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { SQLD_ADMIN_PORT } from "../../infra/sqld/files";
import { UsageError } from "./cli-flags";
import { openFlyProxy, type FlyProxy } from "./fly-proxy";

const run = promisify(execFile);

/** What the restore needs from the stack's outputs. */
export interface RestoreOutputs {
  sqldAdminKey: string;
  jwtPrivateKeyPem: string;
  databaseUrl: string;
}

export function restoreOutputs(stack: string, env: NodeJS.ProcessEnv = process.env): RestoreOutputs {
  const result = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8", env });
  if (result.error) throw new UsageError(`cannot run the pulumi CLI (${result.error.message}): it must be on PATH`);
  if (result.status !== 0) throw new Error(`pulumi stack output failed (exit ${result.status}): ${result.stderr.trim().slice(0, 500)}`);
  const out = JSON.parse(result.stdout) as Partial<RestoreOutputs>;
  for (const key of ["sqldAdminKey", "jwtPrivateKeyPem", "databaseUrl"] as const) {
    if (typeof out[key] !== "string") throw new Error(`stack ${stack} has no ${key} output: run pulumi up --stack ${stack} once with this version (it adds the output)`);
  }
  return out as RestoreOutputs;
}

interface FlyMachine {
  id: string;
  state: string;
  region: string;
  config?: { metadata?: { fly_process_group?: string } };
}

export interface PrimaryAdmin {
  machineId: string;
  region: string;
  proxy: FlyProxy;
}

/** The started primary machine's admin API; exactly one must exist. */
export async function openPrimaryAdmin(app: string, env: NodeJS.ProcessEnv = process.env, bindWaitMs?: number): Promise<PrimaryAdmin> {
  let machines: FlyMachine[];
  try {
    const { stdout } = await run("fly", ["machines", "list", "-a", app, "--json"], { env, maxBuffer: 64 * 1024 * 1024 });
    machines = JSON.parse(stdout) as FlyMachine[];
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`fly machines list -a ${app} failed: ${(e.stderr || e.message).trim().slice(0, 500)} (is flyctl on PATH and FLY_API_TOKEN set?)`);
  }
  const primaries = machines.filter((m) => m.config?.metadata?.fly_process_group === "primary");
  if (primaries.length !== 1) throw new Error(`app ${app} has ${primaries.length} primary machines (${primaries.map((m) => m.id).join(", ")}): exactly one must run (npm run status)`);
  const primary = primaries[0]!;
  if (primary.state !== "started") throw new Error(`the primary machine ${primary.id} is ${primary.state}: fly machine start ${primary.id} -a ${app}`);
  const proxy = await openFlyProxy({ app, host: `${primary.id}.vm.${app}.internal`, remotePort: SQLD_ADMIN_PORT, env, bindWaitMs });
  return { machineId: primary.id, region: primary.region, proxy };
}
