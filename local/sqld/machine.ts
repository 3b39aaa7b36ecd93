/**
 * What Fly would run on one machine of a process group, taken from the stack's rendered fly.toml: the
 * `[processes]` command line (after the Dockerfile's ENTRYPOINT /bin/sqld), `[env]`, the app's secrets and the
 * runtime variables Fly sets. Only what cannot exist on this machine is rewritten: listen addresses (`[::]:PORT`
 * → 127.0.0.1 with a free port), paths in the volume or in files (→ a temp dir), and `.internal` hosts
 * (→ the loopback address of the process that name stands for).
 */
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse as parseShellWords } from "shell-quote";
import { parse as parseToml } from "smol-toml";
import { SQLD_DATA_DIR } from "../../infra/sqld/files";
import { renderSqldEntrypoint, SQLD_ENTRYPOINT_PATH } from "../../infra/sqld/image/entrypoint";
import { sqldBinary } from "./binary";
import { metricsRelayBinary } from "./metrics-relay";

export interface MachineSpec {
  /** sqld's arguments (no binary): exactly the process group's command line, with the rewrites applied. */
  args: string[];
  /** `[env]` + secrets + Fly's runtime variables, rewritten likewise. */
  env: Record<string, string>;
  /** Flag → local port for every listen address that was rewritten (`--http-listen-addr` → 41234). */
  ports: Record<string, number>;
  /** The machine's port (as in `[::]:8080`) → the local port standing for it, for the same listen addresses. */
  remotePorts: Record<number, number>;
  /**
   * Machine ports listened on by IPv4 only (`0.0.0.0:PORT`, the metrics relay): Fly's host reaches them (its
   * scraper), 6PN cannot (it is IPv6: `<app>.internal` names and `fly proxy` go over it).
   */
  ipv4OnlyPorts: number[];
}

export interface MachineRewrites {
  /** Fly region of the machine (FLY_REGION). */
  region: string;
  /** Local directory that stands for the volume mounted at SQLD_DATA_DIR. */
  dataDir: string;
  /** Other path prefixes inside the machine → local directories (e.g. where secret files land). */
  paths?: Record<string, string>;
  /** `.internal` host name → `127.0.0.1:PORT` of the process it names, keyed by the port in the URL too. */
  internalHosts?: Record<string, string>;
  /** Hands out a free loopback port for each listen address (told the machine's port, to keep one per port). */
  freePort: (machinePort: number) => Promise<number>;
  /**
   * The machine's environment as the platform configured it (fly.toml [env] plus what Fly adds, e.g. the fake
   * fly's machine config env). @default fly.toml [env]
   */
  machineEnv?: Record<string, string>;
}

interface FlyTomlFile {
  guest_path: string;
  secret_name?: string;
  raw_value?: string;
  local_path?: string;
  processes?: string[];
}

interface FlyToml {
  app: string;
  primary_region: string;
  env?: Record<string, string>;
  processes?: Record<string, string>;
  files?: FlyTomlFile[];
}

export function readFlyToml(text: string): FlyToml {
  const doc = parseToml(text) as unknown as FlyToml;
  if (typeof doc.app !== "string" || typeof doc.primary_region !== "string") throw new Error("fly.toml without app / primary_region");
  return doc;
}

/** flyctl splits a process command into words like a POSIX shell would (no globbing, no variables). */
export function processCommand(flyToml: FlyToml, group: string): string[] {
  const line = flyToml.processes?.[group];
  if (line === undefined) throw new Error(`fly.toml has no process group ${group} (has: ${Object.keys(flyToml.processes ?? {}).join(", ")})`);
  return parseShellWords(line).map((word) => {
    if (typeof word !== "string") throw new Error(`process ${group}: unsupported shell syntax ${JSON.stringify(word)}`);
    return word;
  });
}

function rewritePath(value: string, r: MachineRewrites): string {
  const prefixes: Record<string, string> = { [SQLD_DATA_DIR]: r.dataDir, ...r.paths };
  for (const [prefix, local] of Object.entries(prefixes)) {
    if (value === prefix || value.startsWith(`${prefix}/`)) return local + value.slice(prefix.length);
  }
  return value;
}

function rewriteUrl(value: string, r: MachineRewrites): string {
  const match = /^(https?:\/\/)([^/:]+\.internal):(\d+)(.*)$/.exec(value);
  if (!match) return value;
  const [, scheme, host, port, rest] = match;
  const target = r.internalHosts?.[`${host}:${port}`];
  if (!target) throw new Error(`no local process stands for ${host}:${port}; known: ${Object.keys(r.internalHosts ?? {}).join(", ") || "none"}`);
  return `${scheme}${target}${rest}`;
}

async function rewriteValue(flag: string | undefined, value: string, r: MachineRewrites, spec: Pick<MachineSpec, "ports" | "remotePorts" | "ipv4OnlyPorts">): Promise<string> {
  const listen = /^(\[::\]|0\.0\.0\.0):(\d+)$/.exec(value);
  if (listen) {
    const port = await r.freePort(Number(listen[2]));
    spec.ports[flag ?? value] = port;
    spec.remotePorts[Number(listen[2])] = port;
    if (listen[1] === "0.0.0.0") spec.ipv4OnlyPorts.push(Number(listen[2]));
    return `127.0.0.1:${port}`;
  }
  return rewriteUrl(rewritePath(value, r), r);
}

/** The machine spec of one process group, as Fly would start it, rewritten to run on loopback. */
export async function machineSpec(flyTomlText: string, group: string, secrets: Record<string, string>, r: MachineRewrites): Promise<MachineSpec> {
  const flyToml = readFlyToml(flyTomlText);
  const words = processCommand(flyToml, group);
  const ports: Record<string, number> = {};
  const remotePorts: Record<number, number> = {};
  const ipv4OnlyPorts: number[] = [];
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const previous = i > 0 ? words[i - 1] : undefined;
    args.push(word.startsWith("--") ? word : await rewriteValue(previous?.startsWith("--") ? previous : undefined, word, r, { ports, remotePorts, ipv4OnlyPorts }));
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...(r.machineEnv ?? flyToml.env), ...secrets })) env[name] = await rewriteValue(name, value, r, { ports, remotePorts, ipv4OnlyPorts });
  Object.assign(env, {
    FLY_APP_NAME: flyToml.app,
    FLY_REGION: r.region,
    PRIMARY_REGION: flyToml.primary_region,
    FLY_PROCESS_GROUP: group,
  });
  return { args, env, ports, remotePorts, ipv4OnlyPorts };
}

/**
 * Writes the fly.toml `[[files]]` that apply to `group` under `root` (guest path kept below it) and returns guest
 * path → local file, for MachineRewrites.paths. As Fly does (flyctl internal/appconfig/config.go
 * `File.toMachineFile`): `secret_name` files hold the secret base64-DECODED, `raw_value` files the value as is.
 */
export function writeMachineFiles(flyTomlText: string, group: string, secrets: Record<string, string>, root: string): Record<string, string> {
  const written: Record<string, string> = {};
  for (const file of readFlyToml(flyTomlText).files ?? []) {
    if (file.processes && file.processes.length > 0 && !file.processes.includes(group)) continue;
    let content: Buffer;
    if (file.secret_name !== undefined) {
      const value = secrets[file.secret_name];
      if (value === undefined) throw new Error(`[[files]] ${file.guest_path}: the app has no secret ${file.secret_name}`);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) throw new Error(`[[files]] ${file.guest_path}: secret ${file.secret_name} is not base64`);
      content = Buffer.from(value, "base64");
    } else if (file.raw_value !== undefined) {
      content = Buffer.from(file.raw_value, "utf8");
    } else {
      throw new Error(`[[files]] ${file.guest_path}: only secret_name and raw_value are supported here`);
    }
    const local = join(root, file.guest_path);
    mkdirSync(dirname(local), { recursive: true });
    writeFileSync(local, content, { mode: 0o600 });
    written[file.guest_path] = local;
  }
  return written;
}

/**
 * Directories made with mkdtemp are 0700: the entrypoint's uid 666 could not reach the volume or the [[files]] below
 * them. Adds search permission (o+x, nothing else) to `dir` and every ancestor under the OS temp dir that lacks it;
 * an ancestor elsewhere that lacks it is an error (this harness never changes modes outside its temp dirs).
 */
export function traversableByAnyUser(dir: string): void {
  const temp = resolve(tmpdir());
  for (let d = resolve(dir); d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode;
    if (mode & 0o001) continue;
    if (!d.startsWith(`${temp}/`)) throw new Error(`${d} is not searchable by other users: sqld (uid 666) cannot reach ${dir}`);
    chmodSync(d, (mode & 0o7777) | 0o001);
  }
}

/**
 * How Fly starts the machine: the image's ENTRYPOINT [sqld-entrypoint, /bin/sqld] followed by the process command.
 * Writes the same entrypoint text the Dockerfile installs under `machineDir`'s rootfs and returns the executable
 * and arguments for SqldProcess, with the hardened binary (sqldBinary()) standing for /bin/sqld. `reachable`: the
 * local dirs standing for the volume and the [[files]] dirs, which uid 666 must be able to reach. As root, sqld then
 * runs as uid 666 and owns the volume and the [[files]], as on Fly. The entrypoint starts the metrics relay built
 * from the repo's source (metricsRelayBinary()) where the image has its own, when fly.toml [env] names its address.
 */
export function throughEntrypoint(machineDir: string, spec: Pick<MachineSpec, "args">, reachable: string[]): { binary: string; args: string[] } {
  const entrypoint = join(machineDir, "rootfs", SQLD_ENTRYPOINT_PATH);
  mkdirSync(dirname(entrypoint), { recursive: true });
  writeFileSync(entrypoint, renderSqldEntrypoint(metricsRelayBinary()), { mode: 0o755 });
  for (const dir of reachable) {
    mkdirSync(dir, { recursive: true }); // a Fly mount point exists (root-owned) before the entrypoint runs
    traversableByAnyUser(dir);
  }
  return { binary: entrypoint, args: [sqldBinary(), ...spec.args] };
}
