import { spawn } from "node:child_process";

export interface ProcessResult {
  /** Exit status; -1 when the process was killed by a signal. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a process without blocking the event loop. Tests need this whenever a test double (fake Turso API,
 * sqld double) answers from this same process: a synchronous spawn would starve it and the child would hang.
 * Environment entries that are undefined are left out, as they are in `process.env`.
 */
export function runProcess(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined));
    const child = spawn(command, args, { env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `sh -c script`, the way `local.Command` runs its scripts. */
export function runShell(script: string, env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return runProcess("/bin/sh", ["-c", script], { env });
}
