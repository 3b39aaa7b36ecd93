import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeployScriptArgs } from "../../infra/fly/contract";
import { appScripts, deployScripts, volumeScripts } from "../../infra/fly/scripts";
import { renderSqldDockerfile } from "../../infra/sqld/image/dockerfile";
import { callsOf, makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

const APP = "demo-app";
const FLY_TOML_WITH_MOUNTS = `app = "${APP}"
primary_region = "ams"

[processes]
primary = "/bin/sqld --db-path /var/lib/sqld/data.sqld"
replica = "/bin/sqld --db-path /var/lib/sqld/data.sqld --primary-grpc-url http://primary:5001"

[[mounts]]
source = "sqld_data"
destination = "/var/lib/sqld"
initial_size = "2gb"
`;
const FLY_TOML_STATELESS = `app = "${APP}"\nprimary_region = "fra"\n\n[http_service]\ninternal_port = 8080\n`;
// The Dockerfile the stack renders (quotes, `$`, backslashes and all): it must reach flyctl byte for byte.
const DOCKERFILE = renderSqldDockerfile();
const generated: DeployScriptArgs = { app: APP, strategy: "rolling", waitTimeout: "5m0s", source: { kind: "generated" } };

interface FakeDeploy {
  flyToml: string;
  dockerfile: string | null;
  dockerfilePath: string | null;
  image: string | null;
  dir: string;
  strategy: string;
  ha: boolean;
  remoteOnly: boolean;
  waitTimeout: string;
}

describe("deployScripts against the fake flyctl", () => {
  let fake: FakeFlyEnv;
  let tmpDir: string;
  const app = () => fake.state().apps[APP];
  const deploys = (): FakeDeploy[] => app().deploys;
  const envWith = (extra: Record<string, string>) => ({ ...fake.env, TMPDIR: tmpDir, ...extra });

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    tmpDir = fs.mkdtempSync(path.join(fake.stateDir, "tmp-"));
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  it("writes fly.toml and Dockerfile from the environment into a temp dir that is removed afterwards", () => {
    const volume = JSON.parse(
      runScriptOk(volumeScripts({ app: APP, volumeName: "sqld_data", region: "ams", sizeGb: 1, count: 1, vmSize: "shared-cpu-1x", vmMemoryMb: 512, destroyOnDelete: true }).create, { env: fake.env }).stdout,
    );
    const scripts = deployScripts(generated);
    expect(scripts.delete).toBeUndefined();
    runScriptOk(scripts.create, { env: envWith({ FLY_TOML: FLY_TOML_WITH_MOUNTS, DOCKERFILE }) });

    const [deploy] = deploys();
    expect(deploy).toMatchObject({ flyToml: FLY_TOML_WITH_MOUNTS, dockerfile: DOCKERFILE, strategy: "rolling", ha: false, remoteOnly: true, waitTimeout: "5m0s" });
    expect(deploy!.dockerfilePath).toBe(path.join(deploy!.dir, "Dockerfile"));
    expect(fs.existsSync(deploy!.dir)).toBe(false);
    expect(fs.readdirSync(tmpDir)).toEqual([]);

    // First deploy: one machine per process group, in primary_region, each with its own volume.
    const machines: { group: string; region: string; config: { mounts: { volume: string }[] } }[] = app().machines;
    expect(machines.map((m) => `${m.group}@${m.region}`).sort()).toEqual(["primary@ams", "replica@ams"]);
    const mounted = machines.map((m) => m.config.mounts[0]!.volume);
    expect(new Set(mounted).size).toBe(2);
    expect(mounted).toContain(volume.volumeIds[0]);
  });

  it("re-deploys changed files in place (same machines, new release) and skips a release that already runs", () => {
    const scripts = deployScripts(generated);
    runScriptOk(scripts.create, { env: envWith({ FLY_TOML: FLY_TOML_WITH_MOUNTS, DOCKERFILE }) });
    const machineIds = app().machines.map((m: { id: string }) => m.id).sort();
    const changed = envWith({ FLY_TOML: FLY_TOML_WITH_MOUNTS, DOCKERFILE: `${DOCKERFILE}# v2\n` });
    runScriptOk(scripts.create, { env: changed });
    expect(app().machines.map((m: { id: string }) => m.id).sort()).toEqual(machineIds);
    expect(app().volumes).toHaveLength(2);
    expect(deploys()).toHaveLength(2);
    // Every machine runs the image tagged with this content's label: a re-run deploys nothing.
    const again = runScriptOk(scripts.create, { env: changed });
    expect(again.stderr).toMatch(/already runs on every machine/);
    expect(deploys()).toHaveLength(2);
    expect(callsOf(fake, "deploy")).toHaveLength(2);
  });

  it("first deploy with firstDeployGroups starts only those groups; later deploys pass --update-only", () => {
    const primaryVolume = JSON.parse(
      runScriptOk(volumeScripts({ app: APP, volumeName: "sqld_data", region: "ams", sizeGb: 2, count: 1, vmSize: "shared-cpu-1x", vmMemoryMb: 512, destroyOnDelete: false }).create, { env: fake.env }).stdout,
    ).volumeIds[0];
    runScriptOk(volumeScripts({ app: APP, volumeName: "sqld_data", region: "fra", sizeGb: 2, count: 1, vmSize: "shared-cpu-1x", vmMemoryMb: 512, destroyOnDelete: false }).create, { env: fake.env });
    const scripts = deployScripts({ ...generated, firstDeployGroups: ["primary"] });
    runScriptOk(scripts.create, { env: envWith({ FLY_TOML: FLY_TOML_WITH_MOUNTS, DOCKERFILE }) });
    const machines = app().machines as { group: string; region: string; config: { mounts: { volume: string }[] } }[];
    expect(machines.map((m) => `${m.group}@${m.region}`)).toEqual(["primary@ams"]);
    expect(machines[0]!.config.mounts[0]!.volume).toBe(primaryVolume);
    // The fra volume counted as the replica group's seed volume (provisionVolumesOnFirstDeploy): nothing created.
    expect(app().volumes).toHaveLength(2);
    expect(callsOf(fake, "deploy").at(-1)).toContain("--process-groups");

    runScriptOk(scripts.create, { env: envWith({ FLY_TOML: FLY_TOML_WITH_MOUNTS, DOCKERFILE: `${DOCKERFILE}# v2\n` }) });
    expect(callsOf(fake, "deploy").at(-1)).toContain("--update-only");
    expect(app().machines.map((m: { group: string }) => m.group)).toEqual(["primary"]);
  });

  it.each(["bluegreen", "canary"] as const)("refuses %s when fly.toml has mounts, before calling fly", (strategy) => {
    const result = runScript(deployScripts({ ...generated, strategy }).create, { env: envWith({ FLY_TOML: FLY_TOML_WITH_MOUNTS, DOCKERFILE }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`Refusing to deploy ${APP}: the ${strategy} strategy cannot be used for machines with volumes`));
    expect(callsOf(fake, "deploy")).toEqual([]);
    expect(fs.readdirSync(tmpDir)).toEqual([]);
  });

  it("also spots a single-table [mounts] section", () => {
    const toml = FLY_TOML_STATELESS + '\n  [mounts]\n  source = "data"\n  destination = "/data"\n';
    const result = runScript(deployScripts({ ...generated, strategy: "bluegreen" }).create, { env: envWith({ FLY_TOML: toml, DOCKERFILE }) });
    expect(result.code).toBe(1);
    expect(callsOf(fake, "deploy")).toEqual([]);
  });

  it("allows bluegreen for a stateless app", () => {
    runScriptOk(deployScripts({ ...generated, strategy: "bluegreen" }).create, { env: envWith({ FLY_TOML: FLY_TOML_STATELESS, DOCKERFILE }) });
    expect(deploys()[0]!.strategy).toBe("bluegreen");
    expect(app().machines.map((m: { group: string; region: string }) => `${m.group}@${m.region}`)).toEqual(["app@fra"]);
  });

  it("the fake itself refuses bluegreen with mounts, as flyctl should", () => {
    const dir = fs.mkdtempSync(path.join(fake.stateDir, "direct-"));
    fs.writeFileSync(path.join(dir, "fly.toml"), FLY_TOML_WITH_MOUNTS);
    fs.writeFileSync(path.join(dir, "Dockerfile"), DOCKERFILE);
    const result = runScript(`fly deploy ${dir} -a ${APP} --strategy bluegreen --ha=false --yes`, { env: fake.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bluegreen deployment strategy is not supported for machines with mounted volumes/);
    expect(app().deploys).toEqual([]);
  });

  it("fails with a clear message when FLY_TOML or DOCKERFILE is missing", () => {
    const noToml = runScript(deployScripts(generated).create, { env: envWith({ DOCKERFILE }) });
    expect(noToml.code).not.toBe(0);
    expect(noToml.stderr).toMatch(/FLY_TOML must hold the fly.toml text/);
    const noDockerfile = runScript(deployScripts(generated).create, { env: envWith({ FLY_TOML: FLY_TOML_STATELESS }) });
    expect(noDockerfile.code).not.toBe(0);
    expect(noDockerfile.stderr).toMatch(/DOCKERFILE must hold the Dockerfile text/);
    expect(callsOf(fake, "deploy")).toEqual([]);
  });

  it("deploys a prebuilt image with -i and writes no Dockerfile", () => {
    const image = "ghcr.io/tursodatabase/libsql-server@sha256:" + "a".repeat(64);
    runScriptOk(deployScripts({ ...generated, source: { kind: "image", image } }).create, { env: envWith({ FLY_TOML: FLY_TOML_STATELESS }) });
    expect(deploys()[0]).toMatchObject({ image, dockerfile: null, flyToml: FLY_TOML_STATELESS });
    expect(callsOf(fake, "deploy")[0]).toContain("-i");
  });

  it("quotes a dockerfile path with spaces, quotes and $(...) and never executes it", () => {
    const workDir = fs.mkdtempSync(path.join(fake.stateDir, "cwd-"));
    const context = path.join(workDir, "my ctx 'single' \"double\" $(touch pwned) `touch pwned2` ${HOME}");
    fs.mkdirSync(context);
    const dockerfile = path.join(context, "Dockerfile.$(touch pwned3)");
    fs.writeFileSync(dockerfile, DOCKERFILE);
    runScriptOk(deployScripts({ ...generated, source: { kind: "dockerfile", dockerfile, context } }).create, {
      env: envWith({ FLY_TOML: FLY_TOML_STATELESS }),
      cwd: workDir,
    });
    expect(deploys()[0]).toMatchObject({ dir: context, dockerfilePath: dockerfile, dockerfile: DOCKERFILE });
    expect(fs.readdirSync(workDir)).toEqual([path.basename(context)]);
    expect(fs.readdirSync(context)).toEqual([path.basename(dockerfile)]);
  });

  it("a failed deploy exits non-zero and still removes its temp dir", () => {
    const result = runScript(deployScripts(generated).create, { env: envWith({ FLY_TOML: FLY_TOML_STATELESS, DOCKERFILE, FAKE_FLY_FAIL: "deploy:1" }) });
    expect(result.code).toBe(1);
    expect(fs.readdirSync(tmpDir)).toEqual([]);
  });
});

describe("deployScripts argument validation", () => {
  it.each<[Partial<DeployScriptArgs>, RegExp]>([
    [{ strategy: "fast" as never }, /^strategy: /],
    [{ waitTimeout: "5 minutes" }, /^waitTimeout: /],
    [{ waitTimeout: "5m; reboot" }, /^waitTimeout: /],
    [{ app: "UPPER" }, /^app: /],
    [{ source: { kind: "image", image: "-i evil" } }, /^source.image: /],
    [{ source: { kind: "image", image: "two words" } }, /^source.image: /],
    [{ source: { kind: "dockerfile", dockerfile: "--help", context: "." } }, /^source.dockerfile: /],
    [{ source: { kind: "dockerfile", dockerfile: "Dockerfile", context: "" } }, /^source.context: /],
    [{ source: { kind: "zip" } as never }, /^source.kind: /],
    [{ firstDeployGroups: [] }, /^firstDeployGroups: /],
    [{ firstDeployGroups: ["primary", "--yes"] }, /^firstDeployGroups\[1\]: /],
  ])("rejects %j naming the field", (override, field) => {
    expect(() => deployScripts({ ...generated, ...override })).toThrow(field);
  });
});
