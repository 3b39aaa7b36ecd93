/**
 * `fly machine exec` on a box machine (the fake flyctl posts here, local/doubles/fake-fly/lib/machines.js). A box
 * machine has no root filesystem of its own, so only `df` runs, the one command `npm run status` sends, with each
 * argument that names a mount path (or a path under it) mapped to the volume's directory: the figures are the
 * real ones of the filesystem that holds the volume. Anything else answers like a shell that lacks the command.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { parse as parseShellWords } from "shell-quote";

export interface ExecRequest {
  cmd: string;
  /** Seconds (fly-go MachineExecRequest.Timeout); the box's own limit when absent. */
  timeout?: number;
}

/** fly-go MachineExecResponse, before flyctl drops the zero fields. */
export interface ExecResult {
  exit_code: number;
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_S = 30;

export function boxExecArgv(cmd: string, mounts: readonly { volume: string; path: string }[], volumesDir: string): string[] | string {
  const words = parseShellWords(cmd);
  if (words.some((w) => typeof w !== "string")) return "the box runs a plain command line only (no shell operators)";
  const [program, ...args] = words as string[];
  if (program !== "df") return `${program ?? "(empty)"}: the box runs only df on its machines (local/box/machine-exec.ts)`;
  return args.map((arg) => {
    const mount = mounts.find((m) => arg === m.path || arg.startsWith(`${m.path}/`));
    return mount ? join(volumesDir, mount.volume, arg.slice(mount.path.length)) : arg;
  });
}

export function runBoxExec(request: ExecRequest, mounts: readonly { volume: string; path: string }[], volumesDir: string): Promise<ExecResult> {
  const argv = boxExecArgv(request.cmd, mounts, volumesDir);
  if (typeof argv === "string") return Promise.resolve({ exit_code: 127, stdout: "", stderr: `${argv}\n` });
  const timeout = (request.timeout && request.timeout > 0 ? request.timeout : DEFAULT_TIMEOUT_S) * 1000;
  return new Promise((resolve) => {
    execFile("df", argv, { timeout, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ exit_code: code, stdout, stderr });
    });
  });
}
