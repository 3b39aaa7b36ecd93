/**
 * One local "cloud" per scenario: the strict fake flyctl (state dir), the box that turns its machines into real
 * sqld processes and serves uploaded Workers in workerd, and a Pulumi workspace whose engine, providers and
 * Command scripts all see them. Only 127.0.0.1 is ever contacted.
 */
import * as path from "node:path";
import { makeFakeFlyEnv, type FakeFlyEnv } from "../../doubles/fake-fly/harness";
import { freePort } from "../../support/sqld/process";
import { startBox, type Box } from "../box";
import { Workspace } from "./workspace";

export interface LocalCloud {
  ws: Workspace;
  fly: FakeFlyEnv;
  box: Box;
  /** Loopback port of each Fly app's public edge, by app name. */
  edges: Record<string, number>;
  close(): Promise<void>;
}

/** `apps`: the Fly apps whose public URL (sqld.publicUrl) the box serves. */
export async function localCloud(label: string, apps: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<LocalCloud> {
  const fly = makeFakeFlyEnv();
  const edges: Record<string, number> = {};
  for (const app of apps) edges[app] = await freePort();
  const box = await startBox({ root: path.join(fly.stateDir, "box"), flyStateDir: fly.stateDir, edges });
  const ws = Workspace.create(label, {
    FAKE_FLY_STATE: fly.stateDir,
    FLY_API_TOKEN: fly.env.FLY_API_TOKEN,
    LIBSQL_BOX_URL: box.url,
    CLOUDFLARE_API_URL: `${box.url}/client/v4`,
    CLOUDFLARE_API_TOKEN: "e2e-cloudflare-token",
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
