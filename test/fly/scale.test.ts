import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScaleScriptArgs } from "../../infra/fly/contract";
import { appScripts, deployScripts, scaleScripts, volumeScripts } from "../../infra/fly/scripts";
import { callsOf, makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

const APP = "demo-app";
const FLY_TOML = `app = "${APP}"
primary_region = "ams"

[processes]
primary = "/bin/sqld"
replica = "/bin/sqld --primary-grpc-url http://primary:5001"

[[mounts]]
source = "sqld_data"
destination = "/var/lib/sqld"

[[vm]]
size = "shared-cpu-1x"
memory = "512mb"
processes = ["primary"]

[[vm]]
size = "shared-cpu-2x"
memory = "1024mb"
processes = ["replica"]
`;
const replicaInFra: ScaleScriptArgs = { app: APP, processGroup: "replica", region: "fra", count: 2 };
const precreate = (fake: FakeFlyEnv, region: string) =>
  JSON.parse(
    runScriptOk(volumeScripts({ app: APP, volumeName: "sqld_data", region, sizeGb: 1, count: 1, vmSize: "shared-cpu-1x", vmMemoryMb: 512, destroyOnDelete: false }).create, { env: fake.env })
      .stdout,
  ).volumeIds[0] as string;

interface FakeMachine {
  id: string;
  group: string;
  region: string;
  config: { guest: { size: string; memory_mb: number }; mounts: { volume: string }[] };
}
interface FakeVolume {
  id: string;
  region: string;
  attached_machine_id: string | null;
}

describe("scaleScripts against the fake flyctl", () => {
  let fake: FakeFlyEnv;
  const machines = (): FakeMachine[] => fake.state().apps[APP]?.machines ?? [];
  const volumes = (): FakeVolume[] => fake.state().apps[APP]?.volumes ?? [];
  const placed = (group: string, region: string) => machines().filter((m) => m.group === group && m.region === region);

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
    precreate(fake, "ams");
    runScriptOk(deployScripts({ app: APP, strategy: "rolling", waitTimeout: "5m0s", firstDeployGroups: ["primary"], source: { kind: "generated" } }).create, {
      env: { ...fake.env, FLY_TOML, DOCKERFILE: "FROM scratch\n" },
    });
  });
  afterEach(() => fake.cleanup());

  it("scales a group up in a region, reusing a pre-created volume, sized by fly.toml [[vm]], and re-runs as a no-op", () => {
    const precreated = precreate(fake, "fra");
    const scripts = scaleScripts(replicaInFra);
    runScriptOk(scripts.create, { env: fake.env });

    const replicas = placed("replica", "fra");
    expect(replicas).toHaveLength(2);
    for (const m of replicas) expect(m.config.guest).toMatchObject({ size: "shared-cpu-2x", memory_mb: 1024 });
    const mounted = replicas.map((m) => m.config.mounts[0]!.volume);
    expect(mounted).toContain(precreated);
    expect(new Set(mounted).size).toBe(2);
    expect(callsOf(fake, "scale", "count")).toEqual([["scale", "count", "2", "-a", APP, "--region", "fra", "--process-group", "replica", "--yes"]]);

    runScriptOk(scripts.create, { env: fake.env });
    expect(placed("replica", "fra").map((m) => m.id)).toEqual(replicas.map((m) => m.id));
    expect(callsOf(fake, "scale", "count")).toHaveLength(1);
  });

  it("scales down to a smaller count and leaves other regions and groups alone", () => {
    runScriptOk(scaleScripts(replicaInFra).create, { env: fake.env });
    runScriptOk(scaleScripts({ ...replicaInFra, region: "iad", count: 1 }).create, { env: fake.env });
    runScriptOk(scaleScripts({ ...replicaInFra, count: 1 }).create, { env: fake.env });
    expect(placed("replica", "fra")).toHaveLength(1);
    expect(placed("replica", "iad")).toHaveLength(1);
    expect(placed("primary", "ams")).toHaveLength(1);
    // The removed machine's volume stays (data), unattached, ready for a later scale-up.
    expect(volumes().filter((v) => v.region === "fra" && v.attached_machine_id === null)).toHaveLength(1);
  });

  it("delete scales the group in that region to 0, and is a no-op when nothing runs there", () => {
    const scripts = scaleScripts(replicaInFra);
    runScriptOk(scripts.create, { env: fake.env });
    runScriptOk(scripts.delete!, { env: fake.env });
    expect(placed("replica", "fra")).toEqual([]);
    expect(placed("primary", "ams")).toHaveLength(1);
    expect(callsOf(fake, "scale", "count").at(-1)).toEqual(["scale", "count", "0", "-a", APP, "--region", "fra", "--process-group", "replica", "--yes"]);

    runScriptOk(scripts.delete!, { env: fake.env });
    expect(callsOf(fake, "scale", "count")).toHaveLength(2);
  });

  it("delete tolerates an app that is already gone", () => {
    runScriptOk(appScripts({ app: APP, org: "personal" }).delete!, { env: fake.env });
    const result = runScriptOk(scaleScripts(replicaInFra).delete!, { env: fake.env });
    expect(result.stdout).toMatch(/already gone/);
  });

  it("create fails loudly when the scale call fails, and a re-run converges", () => {
    const scripts = scaleScripts(replicaInFra);
    const failed = runScript(scripts.create, { env: { ...fake.env, FAKE_FLY_FAIL: "scale count:1" } });
    expect(failed.code).toBe(1);
    expect(placed("replica", "fra")).toEqual([]);
    runScriptOk(scripts.create, { env: fake.env });
    expect(placed("replica", "fra")).toHaveLength(2);
  });

  it("create fails for a process group the deployed fly.toml does not declare", () => {
    const result = runScript(scaleScripts({ ...replicaInFra, processGroup: "worker" }).create, { env: fake.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown process groups \[worker\]/);
  });
});

describe("scaleScripts before any deploy", () => {
  it("fails like flyctl (count_machines.go): no complete release yet", () => {
    const fake = makeFakeFlyEnv();
    try {
      runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
      const result = runScript(scaleScripts(replicaInFra).create, { env: fake.env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/no complete releases/);
      expect(fake.state().apps[APP].machines).toEqual([]);
    } finally {
      fake.cleanup();
    }
  });
});

describe("scaleScripts argument validation", () => {
  it.each<[Partial<ScaleScriptArgs>, RegExp]>([
    [{ count: -1 }, /count/],
    [{ count: 1.5 }, /count/],
    [{ count: null as unknown as number }, /count/],
    [{ region: "Frankfurt" }, /region/],
    [{ processGroup: "Bad Group" }, /processGroup/],
    [{ processGroup: "--yes" }, /processGroup/],
    [{ app: "x" }, /app/],
  ])("rejects %j naming the field", (override, field) => {
    expect(() => scaleScripts({ ...replicaInFra, ...override })).toThrow(field);
  });
});
