/**
 * Runs the box until SIGTERM/SIGINT:
 *   tsx local/box/cli.ts --root DIR --fly-state DIR [--edge app=port ...] [--tenant-domain app=db.localhost ...] [--port N]
 *                           [--cf-token TOKEN --cf-subdomain account=subdomain ...] [--turso-token TOKEN]
 * Writes <root>/box.pid, prints the control URL (one line) on stdout, logs sqld output under <root>/logs/.
 * On SIGTERM/SIGINT every process it started is ended by PID (local/sqld/process.ts, Miniflare's exit hook).
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startBox } from "./box";

function pairs(values: string[] | undefined, what: string): [string, string][] {
  return (values ?? []).map((v) => {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new Error(`${what} must be name=value, got ${JSON.stringify(v)}`);
    return [v.slice(0, eq), v.slice(eq + 1)];
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      root: { type: "string" },
      "fly-state": { type: "string" },
      edge: { type: "string", multiple: true },
      "tenant-domain": { type: "string", multiple: true },
      port: { type: "string" },
      "cf-token": { type: "string" },
      "cf-subdomain": { type: "string", multiple: true },
      "turso-token": { type: "string" },
    },
    strict: true,
  });
  if (!values.root || !values["fly-state"]) throw new Error("usage: cli.ts --root DIR --fly-state DIR [--edge app=port ...] [--tenant-domain app=db.localhost ...] [--port N] [--cf-token T --cf-subdomain account=sub ...] [--turso-token T]");
  const edges: Record<string, number> = {};
  for (const [app, port] of pairs(values.edge, "--edge")) {
    if (!/^[0-9]+$/.test(port)) throw new Error(`--edge ${app}: port must be a number`);
    edges[app] = Number(port);
  }
  const localTenantDomains: Record<string, string[]> = {};
  for (const [app, domain] of pairs(values["tenant-domain"], "--tenant-domain")) (localTenantDomains[app] ??= []).push(domain);
  const subdomains = Object.fromEntries(pairs(values["cf-subdomain"], "--cf-subdomain"));
  if (Object.keys(subdomains).length > 0 && !values["cf-token"]) throw new Error("--cf-subdomain needs --cf-token");
  const box = await startBox({
    root: values.root,
    flyStateDir: values["fly-state"],
    edges,
    localTenantDomains,
    port: values.port === undefined ? undefined : Number(values.port),
    cloudflare: values["cf-token"] ? { token: values["cf-token"], subdomains } : undefined,
    turso: values["turso-token"] ? { token: values["turso-token"] } : undefined,
  });
  const pidFile = join(values.root, "box.pid");
  writeFileSync(pidFile, `${process.pid}\n`);
  process.once("exit", () => rmSync(pidFile, { force: true }));
  process.stdout.write(`${box.url}\n`);
}

main().catch((error) => {
  process.stderr.write(`box: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
