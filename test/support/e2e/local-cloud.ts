/**
 * One local "cloud" per scenario: the strict fake flyctl (state dir), the box that turns its machines into real
 * sqld processes and serves uploaded Workers in workerd, and a Pulumi workspace whose engine, providers and
 * Command scripts all see them. Only 127.0.0.1 is ever contacted.
 */
import * as path from "node:path";
import { makeFakeFlyEnv, type FakeFlyEnv } from "../../../local/doubles/fake-fly/harness";
import { freePort } from "../../../local/sqld/process";
import { startBox, type Box, type BoxOptions } from "../../../local/box/box";
import { Workspace } from "../../../local/workspace";

export interface LocalCloud {
  ws: Workspace;
  fly: FakeFlyEnv;
  box: Box;
  /** Loopback port of each Fly app's public edge, by app name. */
  edges: Record<string, number>;
  close(): Promise<void>;
}

/** The Cloudflare account of the repo's stack files, and the workers.dev subdomain the local API gives it. */
const CLOUDFLARE = { token: "e2e-cloudflare-token", subdomains: { "0123456789abcdef0123456789abcdef": "acme-e2e" } };
/** The only Turso Platform API token the box's Turso double accepts. */
const TURSO_TOKEN = "e2e-turso-token";

/**
 * `apps`: the Fly apps whose public URL (sqld.publicUrl) the box serves; `localTenantDomains`: the `*.localhost`
 * tenant domains their edges also serve (the box routes by Host like Fly's edge: local/box/README.md).
 */
export async function localCloud(label: string, apps: string[], extraEnv: NodeJS.ProcessEnv = {}, localTenantDomains: BoxOptions["localTenantDomains"] = {}): Promise<LocalCloud> {
  const fly = makeFakeFlyEnv();
  const edges: Record<string, number> = {};
  for (const app of apps) edges[app] = await freePort();
  // In this process: the engine runs asynchronously (runProcess), so the box keeps answering the fake fly's waits.
  const box = await startBox({ root: path.join(fly.stateDir, "box"), flyStateDir: fly.stateDir, edges, localTenantDomains, cloudflare: CLOUDFLARE, turso: { token: TURSO_TOKEN } });
  const ws = Workspace.create(label, {
    FAKE_FLY_STATE: fly.stateDir,
    FLY_API_TOKEN: fly.env.FLY_API_TOKEN,
    LIBSQL_BOX_URL: box.url,
    CLOUDFLARE_API_URL: `${box.url}/client/v4`,
    CLOUDFLARE_API_TOKEN: CLOUDFLARE.token,
    TURSO_API_URL: `${box.url}/turso`,
    TURSO_API_TOKEN: TURSO_TOKEN,
    // The box's Turso databases answer TLS on loopback with a certificate of the box's CA: node-run Commands
    // (database-verify, migrations) trust it the way they trust Turso's public one.
    NODE_EXTRA_CA_CERTS: box.tursoCaFile,
    ...extraEnv,
  });
  return {
    ws,
    fly,
    box,
    edges,
    async close() {
      await box.stop();
      if (!process.env.E2E_KEEP) {
        ws.cleanup();
        fly.cleanup();
      }
    },
  };
}

/** http://127.0.0.1:<edge port> for `app`: the value of sqld.publicUrl in the e2e stacks. */
export function edgeUrl(cloud: LocalCloud, app: string): string {
  const port = cloud.edges[app];
  if (port === undefined) throw new Error(`no edge for app ${app}`);
  return `http://127.0.0.1:${port}`;
}

export interface MachineView {
  id: string;
  app: string;
  group: string;
  region: string;
  /** sqld's HTTP port (machine port 8080) on loopback. */
  httpUrl: string;
  /** What Fly's Prometheus scrapes: fly.toml [[metrics]] (the metrics relay, machine port 9091), or undefined. */
  metricsUrl?: string;
}

/** The box's machines whose sqld is up. */
export function runningMachines(cloud: LocalCloud): MachineView[] {
  return [...cloud.box.machines.running.values()]
    .filter((r) => r.status === "ready")
    .map((r) => ({
      id: r.wanted.id,
      app: r.wanted.app,
      group: r.wanted.group,
      region: r.wanted.region,
      httpUrl: `http://127.0.0.1:${r.ports[8080]}`,
      metricsUrl: r.ports[9091] === undefined ? undefined : `http://127.0.0.1:${r.ports[9091]}/metrics`,
    }));
}

/** Where the box serves an uploaded Worker; throws when none is uploaded under that name. */
export function workerUrl(cloud: LocalCloud, account: string, script: string): string {
  const url = cloud.box.workerUrl(account, script);
  if (!url) throw new Error(`no Worker ${script} uploaded for account ${account}`);
  return url;
}
