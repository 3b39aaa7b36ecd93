/**
 * One `fly proxy` session to a machine's admin port, the TypeScript twin of the namespace step's shell
 * (infra/sqld/namespace-scripts.ts `open_proxy`), with the same pinned behaviours:
 * - the local end is a unix socket in our own mkdtemp dir (mode 0700; flyctl takes a path where a port would be,
 *   proxy/connect.go `NewServer`): no other local process can listen there first and receive the admin key, and
 *   two sessions never meet; a TCP port offers neither;
 * - the remote host is always named (`<machine id>.vm.<app>.internal`): without it flyctl dials `<app>.internal`,
 *   which can be any started machine;
 * - we wait for the socket with a deadline (flyctl binds only after its WireGuard tunnel and the name's DNS are up)
 *   and give up at once if the proxy exits;
 * - the proxy is ended by its own PID, never by name.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROXY_BIND_WAIT_SECONDS } from "../../infra/sqld/namespace-scripts";

export interface FlyProxy {
  socketPath: string;
  close(): Promise<void>;
}

export interface FlyProxyOptions {
  app: string;
  host: string;
  remotePort: number;
  env?: NodeJS.ProcessEnv;
  /** @default PROXY_BIND_WAIT_SECONDS (9 minutes, what flyctl itself may take) */
  bindWaitMs?: number;
}

const isSocket = (path: string) => {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
};

/** The start of the proxy's log on one line, for an error message. */
const excerpt = (file: string) => {
  try {
    return readFileSync(file, "utf8").replace(/\s+/g, " ").slice(0, 500);
  } catch {
    return "";
  }
};

export async function openFlyProxy(o: FlyProxyOptions): Promise<FlyProxy> {
  const dir = mkdtempSync(join(tmpdir(), "fly-proxy-")); // mkdtemp creates it 0700
  if (dir.includes(":")) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the temp dir ${dir} holds ':', which fly proxy cannot take in a socket path; set TMPDIR to a path without ':'`);
  }
  const socketPath = join(dir, "admin.sock");
  const log = join(dir, "proxy.log");
  const fd = openSync(log, "w", 0o600);
  const child: ChildProcess = spawn("fly", ["proxy", `${socketPath}:${o.remotePort}`, o.host, "-a", o.app], { env: o.env ?? process.env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  let exited = false;
  child.on("exit", () => (exited = true));
  const spawnError = new Promise<Error>((resolve) => child.on("error", resolve));
  const close = async () => {
    if (!exited && child.pid !== undefined) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (o.bindWaitMs ?? PROXY_BIND_WAIT_SECONDS * 1000);
  // Only our proxy can create the socket (the dir is ours, 0700), so its existence means our proxy listens.
  while (!isSocket(socketPath)) {
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(r, 100))]);
    if (failed || exited) {
      const reason = failed ? failed.message : excerpt(log);
      await close();
      throw new Error(`fly proxy to ${o.host} exited; is the app deployed and are you logged in (FLY_API_TOKEN)? ${reason}`);
    }
    if (Date.now() > deadline) {
      const reason = excerpt(log);
      await close();
      throw new Error(`fly proxy to ${o.host}:${o.remotePort} did not listen within ${Math.round((o.bindWaitMs ?? PROXY_BIND_WAIT_SECONDS * 1000) / 1000)} s: ${reason}`);
    }
  }
  return { socketPath, close };
}
