/**
 * The box CLI (cli.ts) as a child process, for tests and scripts whose own process blocks while the fake fly runs
 * (runScript is spawnSync: a box inside that process could not answer the fake's readiness polls), and, detached,
 * for `npm run demo`, whose box outlives the command that started it.
 */
import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { resolve } from "node:path";

export interface BoxMachineView {
  id: string;
  app: string;
  group: string;
  region: string;
  instance_id: string;
  release: string;
  status: "starting" | "ready" | "failed";
  error?: string;
  pid?: number;
  ports: Record<string, number>;
}

export interface SpawnedBox {
  url: string;
  pid: number;
  machine(id: string): Promise<BoxMachineView | undefined>;
  /** SIGTERM, then wait for the exit (the CLI ends its sqld and workerd processes first). */
  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, "../..");

export interface SpawnBoxOptions {
  root: string;
  flyStateDir: string;
  edges?: Record<string, number>;
  /** app → `*.localhost` tenant domains its edge serves (box.ts BoxOptions.localTenantDomains). */
  localTenantDomains?: Record<string, string[]>;
  cloudflare?: { token: string; subdomains: Record<string, string> };
  turso?: { token: string };
  /** Let the box outlive this process (its own session; stderr appended to this file). @default tied to this process */
  detachedLog?: string;
}

export async function spawnBox(o: SpawnBoxOptions): Promise<SpawnedBox> {
  // node with tsx's loader (as the provider launchers do), so the pid is the box itself, not a tsx wrapper.
  const args = ["--import", resolve(ROOT, "node_modules/tsx/dist/loader.mjs"), resolve(__dirname, "cli.ts"), "--root", o.root, "--fly-state", o.flyStateDir];
  for (const [app, port] of Object.entries(o.edges ?? {})) args.push("--edge", `${app}=${port}`);
  for (const [app, domains] of Object.entries(o.localTenantDomains ?? {})) for (const d of domains) args.push("--tenant-domain", `${app}=${d}`);
  if (o.cloudflare) {
    args.push("--cf-token", o.cloudflare.token);
    for (const [account, sub] of Object.entries(o.cloudflare.subdomains)) args.push("--cf-subdomain", `${account}=${sub}`);
  }
  // The CA is then <root>/turso/ca.pem and the state is not visible in this process: spawned boxes have no box.turso().
  if (o.turso) args.push("--turso-token", o.turso.token);
  const detached = o.detachedLog !== undefined;
  const child = spawn(process.execPath, args, { cwd: ROOT, detached, stdio: ["ignore", "pipe", detached ? openSync(o.detachedLog!, "a") : "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  // A test run that dies must not leave the box behind (it would keep its sqld processes).
  const killOnExit = () => child.exitCode === null && child.signalCode === null && child.kill("SIGTERM");
  if (!detached) {
    process.once("exit", killOnExit);
    void exited.then(() => process.removeListener("exit", killOnExit));
  }
  const url = await new Promise<string>((done, fail) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const line = /^(http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (line) done(line[1]!);
    });
    child.once("exit", (code) => fail(new Error(`box exited ${code} before it was up:\n${detached ? `see ${o.detachedLog}` : stderr}`)));
  });
  if (detached) {
    child.stdout!.destroy();
    child.unref();
  }
  return {
    url,
    pid: child.pid!,
    async machine(id) {
      const reply = await fetch(`${url}/fly/machines/${id}`);
      return reply.status === 200 ? ((await reply.json()) as BoxMachineView) : undefined;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
