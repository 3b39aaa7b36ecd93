/**
 * The metrics relay binary the tests and the box run: built from infra/sqld/image/metrics-relay/ with the machine's
 * Go and the exact command the Dockerfile's Go stage runs (METRICS_RELAY_BUILD), cached per source hash and Go
 * version. Standard library only, so the build never reaches the network.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { METRICS_RELAY_BUILD, METRICS_RELAY_SOURCE_DIR, metricsRelaySources } from "../../infra/sqld/image/metrics-relay";
import { releaseSqldBinary } from "./binary";

/** `go env GOVERSION`, e.g. go1.26.8; an error naming the fix when Go is missing. */
export function goVersion(): string {
  try {
    return execFileSync("go", ["env", "GOVERSION"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("no `go` on PATH: the sqld metrics relay (infra/sqld/image/metrics-relay) is built with Go >= 1.26");
  }
}

let built: string | undefined;

/**
 * Path of the relay built from the repo's source. Every directory on the way is 0755 and the binary 0755, so the
 * entrypoint's uid 666 can run it (as with sqldBinary()). Safe when test workers race: each builds to its own
 * temp name and renames it into place.
 */
export function metricsRelayBinary(): string {
  if (built) return built;
  const hash = createHash("sha256");
  for (const { name, text } of metricsRelaySources()) hash.update(`${name}\0${text}\0`);
  hash.update(`${METRICS_RELAY_BUILD}\0${goVersion()}`);
  const nodeModules = join(dirname(releaseSqldBinary()), "..", "..");
  const dir = join(nodeModules, ".cache", "libsql-stack", `metrics-relay-${hash.digest("hex").slice(0, 16)}`);
  const target = join(dir, "sqld-metrics-relay");
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (let d = dir; d !== dirname(d) && !d.endsWith("node_modules"); d = dirname(d)) chmodSync(d, 0o755);
    const temp = join(dir, `build.${process.pid}.${Date.now()}`);
    try {
      execFileSync("sh", ["-c", METRICS_RELAY_BUILD, "build", temp], { cwd: METRICS_RELAY_SOURCE_DIR, stdio: ["ignore", "ignore", "pipe"] });
      chmodSync(temp, 0o755);
      renameSync(temp, target);
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`building the metrics relay failed: ${stderr || String(error)}`);
    } finally {
      rmSync(temp, { force: true });
    }
  }
  built = target;
  return target;
}
