/**
 * The fake Fly platform's machines as real sqld processes on 127.0.0.1. Polls the fake flyctl's state (fly-state.ts)
 * and converges: a started machine runs sqld with its release's fly.toml process group, [env], the app's secrets as
 * env and [[files]], its volumes as directories under <root>/volumes; a new machine version (deploy, non-staged
 * secrets) restarts it; a stopped or destroyed machine's sqld is ended; a destroyed volume's directory is removed.
 * The per-machine translation (argv, env, loopback rewrites, files) is local/sqld/machine.ts.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { SQLD_DATA_DIR } from "../../infra/sqld/files";
import { machineSpec, throughEntrypoint, writeMachineFiles } from "../sqld/machine";
import { freePort, SqldProcess } from "../sqld/process";
import { readFlyPlatform, readSecretValues, type WantedMachine } from "./fly-state";

export type MachineStatus = "starting" | "ready" | "failed";

export interface RunningMachine {
  wanted: WantedMachine;
  status: MachineStatus;
  error?: string;
  process?: SqldProcess;
  /** Machine port (8080, 9090, 5001, 9091…) → local port: what the machine's host reaches (Fly's proxy, its scraper). */
  ports: Record<number, number>;
  /** Of those, the ports bound on IPv4 only: not reachable over 6PN (`.internal` names, `fly proxy`). */
  ipv4Only?: number[];
  failedAt?: number;
}

const POLL_MS = 150;
/** Fly restarts a machine whose process exits (restart policy on-failure); the box retries a failed start this often. */
const RETRY_FAILED_MS = 3000;
const STOP_TIMEOUT_MS = 10_000;

const versionOf = (m: WantedMachine) => JSON.stringify([m.instanceId, m.release, m.flyToml, m.env, m.mounts]);

export class MachineSupervisor {
  readonly running = new Map<string, RunningMachine>();
  /** Local ports stay the same for a machine id across restarts, so URLs others rewrote to keep working. */
  private readonly portsById = new Map<string, Map<number, number>>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private lastTargets = "";

  constructor(private readonly o: { root: string; flyStateDir: string }) {}

  start(): void {
    mkdirSync(join(this.o.root, "logs"), { recursive: true });
    mkdirSync(join(this.o.root, "volumes"), { recursive: true });
    this.loop = (async () => {
      while (!this.stopped) {
        await this.converge().catch((error) => process.stderr.write(`box: converge failed: ${error?.stack ?? error}\n`));
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all([...this.running.values()].map((r) => r.process?.stop("SIGKILL")));
    this.running.clear();
  }

  /** The ready machine that should take a request for `app` on `machinePort`: primary region first. */
  pick(app: string, machinePort: number, primaryRegion?: string): RunningMachine | undefined {
    const candidates = [...this.running.values()].filter((r) => r.wanted.app === app && r.status === "ready" && r.ports[machinePort] !== undefined);
    return candidates.find((r) => r.wanted.region === primaryRegion) ?? candidates[0];
  }

  private async converge(): Promise<void> {
    const platform = readFlyPlatform(this.o.flyStateDir);
    if (!platform) return;
    const wanted = new Map(platform.machines.map((m) => [m.id, m]));
    for (const [id, r] of this.running) {
      // A process that exited after it was ready crashed: Fly restarts it (restart policy), so does the box.
      if (r.status === "ready" && !r.process?.running) Object.assign(r, { status: "failed", failedAt: Date.now(), error: `sqld exited: ${r.process?.logTail(1)}` });
      const now = wanted.get(id);
      if (!now || versionOf(now) !== versionOf(r.wanted)) {
        await r.process?.stop(killSignalOf(r.wanted.flyToml), STOP_TIMEOUT_MS);
        this.running.delete(id);
      }
    }
    this.removeDestroyedVolumes(platform.volumeIds);
    // Machines that name a `.internal` host of a machine not running yet (a replica's --primary-grpc-url) cannot
    // be started before it: each round starts what it can, so the primary comes up first.
    const order = [...wanted.values()].sort((a, b) => Number(b.region === platform.primaryRegions[b.app]) - Number(a.region === platform.primaryRegions[a.app]));
    for (const m of order) {
      if (this.stopped) return;
      const r = this.running.get(m.id);
      if (r && (r.status !== "failed" || Date.now() - (r.failedAt ?? 0) < RETRY_FAILED_MS)) continue;
      await this.startMachine(m);
      this.writeProxyTargets();
    }
    this.writeProxyTargets();
  }

  private async startMachine(m: WantedMachine): Promise<void> {
    const record: RunningMachine = { wanted: m, status: "starting", ports: {} };
    this.running.set(m.id, record);
    const machineDir = join(this.o.root, "machines", m.id);
    // A machine's root filesystem is fresh on every start (Fly boots it from the image); volumes persist.
    rmSync(machineDir, { recursive: true, force: true });
    const paths: Record<string, string> = {};
    for (const mount of m.mounts) {
      paths[mount.path] = join(this.o.root, "volumes", mount.volume);
      mkdirSync(paths[mount.path]!, { recursive: true });
    }
    const dataDir = paths[SQLD_DATA_DIR] ?? join(machineDir, "rootfs", SQLD_DATA_DIR);
    const known = (this.portsById.get(m.id) ?? new Map<number, number>()) as Map<number, number>;
    this.portsById.set(m.id, known);
    try {
      const secrets = readSecretValues(this.o.flyStateDir, m.app);
      const files = writeMachineFiles(m.flyToml, m.group, secrets, join(machineDir, "files"));
      const spec = await machineSpec(m.flyToml, m.group, secrets, {
        region: m.region,
        dataDir,
        paths: { ...paths, ...files },
        internalHosts: this.internalHosts(m.app),
        machineEnv: { ...m.env, FLY_MACHINE_ID: m.id, FLY_ALLOC_ID: m.id, FLY_PRIVATE_IP: m.privateIp, FLY_IMAGE_REF: m.image, FLY_MACHINE_VERSION: m.instanceId },
        freePort: async (machinePort) => {
          const port = known.get(machinePort) ?? (await freePort());
          known.set(machinePort, port);
          return port;
        },
      });
      record.ports = spec.remotePorts;
      record.ipv4Only = spec.ipv4OnlyPorts;
      const http = spec.ports["--http-listen-addr"];
      if (http === undefined) throw new Error(`process group ${m.group} has no --http-listen-addr to check`);
      // As on Fly: the image's entrypoint hands the volume and [[files]] to uid 666 and runs the hardened sqld as it.
      const start = throughEntrypoint(machineDir, spec, [dataDir, ...Object.values(files).map((file) => dirname(file))]);
      const proc = new SqldProcess({ ...start, env: spec.env, logFile: join(this.o.root, "logs", `${m.id}.log`), readyUrl: `http://127.0.0.1:${http}/health`, cwd: dataDir });
      record.process = proc;
      await proc.start();
      record.status = "ready";
    } catch (error) {
      await record.process?.stop("SIGKILL");
      // Waiting for the machine a `.internal` name stands for is not a failure: try again on the next round.
      if (error instanceof Error && error.message.startsWith("no local process stands for")) {
        record.error = error.message;
        return void this.running.delete(m.id);
      }
      record.status = "failed";
      record.failedAt = Date.now();
      record.error = error instanceof Error ? error.message.split("\n")[0] : String(error);
    }
  }

  /** 6PN names of the app's running machines (Fly docs "Private networking") → their local host:port. */
  private internalHosts(app: string): Record<string, string> {
    const hosts: Record<string, string> = {};
    for (const r of this.running.values()) {
      if (r.wanted.app !== app || r.status !== "ready") continue;
      const names = [`${r.wanted.group}.process.${app}.internal`, `${r.wanted.id}.vm.${app}.internal`, `${r.wanted.region}.${app}.internal`, `${app}.internal`];
      for (const [machinePort, local] of sixPnPorts(r)) for (const name of names) hosts[`${name}:${machinePort}`] ??= `127.0.0.1:${local}`;
    }
    return hosts;
  }

  /** $FAKE_FLY_STATE/proxy-targets.json for the fake's `fly proxy` (lib/proxy.js), replaced atomically. */
  private writeProxyTargets(): void {
    const targets: Record<string, string> = {};
    for (const r of this.running.values()) {
      if (!r.process?.running) continue;
      for (const [machinePort, local] of sixPnPorts(r)) targets[`${r.wanted.id}:${machinePort}`] = `127.0.0.1:${local}`;
    }
    const text = JSON.stringify(targets);
    if (text === this.lastTargets) return;
    const tmp = join(this.o.flyStateDir, `.proxy-targets.${process.pid}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.o.flyStateDir, "proxy-targets.json"));
    this.lastTargets = text;
  }

  /** A volume the fake destroyed (or whose app it destroyed) takes its data with it, as on Fly. */
  private removeDestroyedVolumes(volumeIds: Set<string>): void {
    const dir = join(this.o.root, "volumes");
    for (const name of readdirSync(dir)) if (!volumeIds.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** The machine's ports other machines and `fly proxy` reach over 6PN (IPv6): not those bound on IPv4 only. */
function sixPnPorts(r: RunningMachine): [string, number][] {
  return Object.entries(r.ports).filter(([port]) => !r.ipv4Only?.includes(Number(port)));
}

/** fly.toml kill_signal (Fly's default SIGINT); sqld shuts down gracefully on SIGINT and SIGTERM. */
function killSignalOf(flyToml: string): "SIGINT" | "SIGTERM" {
  const signal = (parseToml(flyToml) as { kill_signal?: string }).kill_signal;
  return signal === "SIGTERM" ? "SIGTERM" : "SIGINT";
}
