/**
 * A real sqld process on 127.0.0.1. Started with exactly the arguments and environment it is given (nothing
 * inherited but PATH/HOME), logs to a file in its own directory, ended only by the PID this module started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { sqldBinary } from "./binary";

const started = new Set<ChildProcess>();
// A test run that dies must not leave servers behind: end every process this module started, by PID. Also on
// SIGTERM/SIGINT/SIGHUP, which end a test worker without an "exit" event (a clean CI run once left two sqld behind).
function killStarted(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, "SIGKILL");
}
process.once("exit", killStarted);
for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130], ["SIGHUP", 129]] as const) {
  process.once(signal, () => {
    killStarted();
    process.exit(code);
  });
}

/** A free TCP port on 127.0.0.1 (the OS picks; the port is released before sqld binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface SqldProcessOptions {
  args: string[];
  env: Record<string, string>;
  /** Where stdout/stderr go (appended: a restart keeps the earlier log). */
  logFile: string;
  /**
   * GET this URL (or each of these) until it answers (any HTTP status) to call the process ready. sqld binds its
   * ports one by one: a caller of the admin API must list the admin port too (it once answered "connection refused"
   * right after /health did, at load 10).
   */
  readyUrl: string | readonly string[];
  /** Generous: it ends as soon as sqld answers, and a loaded CI machine starts it slowly. @default 60000 */
  readyTimeoutMs?: number;
  /**
   * Working directory, created if missing: the image's WORKDIR is the volume (/var/lib/sqld), and bottomless
   * stages WAL copies under `./<bucket>/` relative to it before uploading.
   */
  cwd: string;
  /** The executable; anything but sqldBinary() only to compare with the unhardened release. @default sqldBinary() */
  binary?: string;
}

export class SqldProcess {
  private child: ChildProcess | undefined;
  constructor(readonly options: SqldProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error("sqld already running");
    const log = createWriteStream(this.options.logFile, { flags: "a" });
    await new Promise((resolve) => log.once("open", resolve));
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...this.options.env };
    mkdirSync(this.options.cwd, { recursive: true });
    const child = spawn(this.options.binary ?? sqldBinary(), this.options.args, { env, cwd: this.options.cwd, stdio: ["ignore", log, log] });
    started.add(child);
    child.once("exit", () => started.delete(child));
    this.child = child;
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 60_000);
    const waiting = [this.options.readyUrl].flat();
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`sqld exited (${this.child?.exitCode ?? this.child?.signalCode}) before it was ready:\n${this.logTail()}`);
      try {
        await fetch(waiting[0]!, { signal: AbortSignal.timeout(1000) });
        waiting.shift();
        if (waiting.length === 0) return;
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    throw new Error(`sqld did not answer ${waiting.join(", ")} in time:\n${this.logTail()}`);
  }

  /** Ends the process: SIGINT is sqld's graceful shutdown (as fly.toml's kill_signal), SIGKILL a crash. */
  async stop(signal: "SIGINT" | "SIGTERM" | "SIGKILL" = "SIGINT", timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.pid && this.running && child.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.options.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }
}

export const logFileIn = (dir: string) => join(dir, "sqld.log");
