/**
 * Runs the Turso scripts the way `local.Command` does (`/bin/sh -c <script>`) against the fake Turso API, with
 * `curl` and `node` wrapped by shims that log their argv, so tests can prove the token never reaches argv.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The scripts run like `local.Command` runs them: `/bin/sh -c <script>` (async: the fake API is in-process). */
export { runShell as runScript } from "../../local/run-process";

/** Absolute path of a tool on this machine's PATH (`command -v`). */
export function realTool(name: string): string {
  return execFileSync("/bin/sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
}

export interface ArgvLog {
  /** Directory to put first on PATH. */
  binDir: string;
  /** Every logged invocation: [tool, ...argv]. */
  invocations(): string[][];
  /** The raw log, for "never contains" checks. */
  raw(): string;
  cleanup(): void;
}

/**
 * Shims for `curl` and `node` that append their argv (one JSON array per line, via the real node so odd
 * characters survive) to a log, then exec the real tool with stdin untouched (curl reads the header from it).
 */
export function argvLoggingShims(): ArgvLog {
  const dir = mkdtempSync(join(tmpdir(), "turso-shims-"));
  const binDir = join(dir, "bin");
  const log = join(dir, "argv.log");
  execFileSync("mkdir", ["-p", binDir]);
  writeFileSync(log, "");
  const node = process.execPath;
  for (const tool of ["curl", "node"]) {
    const real = tool === "node" ? node : realTool(tool);
    const shim = [
      "#!/bin/sh",
      `${JSON.stringify(node)} -e 'require("fs").appendFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)) + "\\n")' ${JSON.stringify(log)} ${tool} "$@"`,
      `exec ${JSON.stringify(real)} "$@"`,
      "",
    ].join("\n");
    writeFileSync(join(binDir, tool), shim);
    chmodSync(join(binDir, tool), 0o755);
  }
  return {
    binDir,
    raw: () => readFileSync(log, "utf8"),
    invocations: () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as string[]),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A minimal environment: no proxy variables (curl must talk to 127.0.0.1 directly), no HOME (no ~/.curlrc),
 * PATH = shims first, then the directories of the real tools.
 */
export function scriptEnv(opts: { apiUrl: string; token?: string; binDir?: string; extra?: Record<string, string> }): Record<string, string | undefined> {
  const dirs = [opts.binDir, dirname(process.execPath), dirname(realTool("curl")), "/usr/bin", "/bin"].filter(
    (d): d is string => d !== undefined,
  );
  return {
    PATH: [...new Set(dirs)].join(":"),
    TURSO_API_URL: opts.apiUrl,
    TURSO_API_TOKEN: opts.token,
    ...opts.extra,
  };
}
