import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { VolumeScriptArgs } from "../../infra/fly/contract";
import { appScripts, volumeScripts } from "../../infra/fly/scripts";
import { callsOf, makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

const APP = "demo-app";
const base: VolumeScriptArgs = {
  app: APP,
  volumeName: "sqld_data",
  region: "ams",
  sizeGb: 3,
  count: 1,
  vmSize: "shared-cpu-2x",
  vmMemoryMb: 1024,
  destroyOnDelete: true,
};

interface FakeVolume {
  id: string;
  name: string;
  region: string;
  zone: string;
  size_gb: number;
  vmHint: { size: string; memoryMb: number };
}

describe("volumeScripts against the fake flyctl", () => {
  let fake: FakeFlyEnv;
  const volumes = (): FakeVolume[] => fake.state().apps[APP]?.volumes ?? [];
  const report = (stdout: string): { region: string; volumeIds: string[] } => JSON.parse(stdout);

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
  });
  afterEach(() => fake.cleanup());
  /** The operator's run-time consent to delete this app's data (infra/deletion-consent.ts). */
  const consenting = () => ({ ...fake.env, LIBSQL_STACK_DELETE_DATA: APP });

  it("creates the volume with the requested size and VM hints, re-runs without duplicates, and deletes it", () => {
    const scripts = volumeScripts(base);
    const first = runScriptOk(scripts.create, { env: fake.env });
    expect(volumes()).toHaveLength(1);
    expect(volumes()[0]).toMatchObject({ name: "sqld_data", region: "ams", size_gb: 3, vmHint: { size: "shared-cpu-2x", memoryMb: 1024 } });
    expect(report(first.stdout)).toEqual({ region: "ams", volumeIds: [volumes()[0]!.id] });
    expect(callsOf(fake, "volumes", "create")[0]).toEqual(
      ["volumes", "create", "sqld_data", "-a", APP, "-r", "ams", "-s", "3", "--vm-size", "shared-cpu-2x", "--vm-memory", "1024", "--require-unique-zone", "--yes", "--json"],
    );

    const second = runScriptOk(scripts.create, { env: fake.env });
    expect(second.stdout).toBe(first.stdout);
    expect(volumes()).toHaveLength(1);
    expect(callsOf(fake, "volumes", "create")).toHaveLength(1);

    runScriptOk(scripts.delete!, { env: consenting() });
    expect(volumes()).toEqual([]);
  });

  it("delete keeps the volume without LIBSQL_STACK_DELETE_DATA naming the app at run time, even when destroyOnDelete was stored", () => {
    const scripts = volumeScripts(base);
    runScriptOk(scripts.create, { env: fake.env });
    for (const value of [undefined, "", "another-app", "demo"]) {
      const result = runScriptOk(scripts.delete!, { env: { ...fake.env, LIBSQL_STACK_DELETE_DATA: value } });
      expect(result.stderr).toMatch(/kept\. Deleting data needs dataProtection to allow it AND LIBSQL_STACK_DELETE_DATA=/);
      expect(volumes()).toHaveLength(1);
    }
    expect(callsOf(fake, "volumes", "destroy")).toEqual([]);
  });

  it("extends existing volumes in place when volumeSizeGb grows, keeping the same volume", () => {
    const first = runScriptOk(volumeScripts(base).create, { env: fake.env });
    const grown = runScriptOk(volumeScripts({ ...base, sizeGb: 10 }).create, { env: fake.env });
    expect(grown.stdout).toBe(first.stdout); // same volume id, data kept
    expect(volumes().map((v) => v.size_gb)).toEqual([10]);
    expect(callsOf(fake, "volumes", "extend")).toEqual([["volumes", "extend", volumes()[0]!.id, "-a", APP, "-s", "10", "--yes"]]);
    runScriptOk(volumeScripts({ ...base, sizeGb: 10 }).create, { env: fake.env });
    expect(callsOf(fake, "volumes", "extend")).toHaveLength(1); // converged: no second extend
  });

  it("refuses to shrink: a smaller volumeSizeGb fails and names the current size", () => {
    runScriptOk(volumeScripts({ ...base, sizeGb: 5 }).create, { env: fake.env });
    const res = runScript(volumeScripts({ ...base, sizeGb: 2 }).create, { env: fake.env });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/vol_[a-z0-9]+:5 in ams are larger than 2 GB.*cannot shrink/);
    expect(volumes().map((v) => v.size_gb)).toEqual([5]);
  });

  it("creates count=2 volumes in distinct zones and reports both ids sorted", () => {
    const result = runScriptOk(volumeScripts({ ...base, count: 2 }).create, { env: fake.env });
    const zones = volumes().map((v) => v.zone);
    expect(zones).toHaveLength(2);
    expect(new Set(zones).size).toBe(2);
    expect(report(result.stdout).volumeIds).toEqual(volumes().map((v) => v.id).sort());
  });

  it("counts only volumes of this name in this region", () => {
    runScriptOk(volumeScripts({ ...base, region: "fra" }).create, { env: fake.env });
    runScriptOk(volumeScripts({ ...base, volumeName: "other_data" }).create, { env: fake.env });
    const result = runScriptOk(volumeScripts(base).create, { env: fake.env });
    expect(volumes()).toHaveLength(3);
    const mine = volumes().filter((v) => v.name === "sqld_data" && v.region === "ams");
    expect(report(result.stdout)).toEqual({ region: "ams", volumeIds: [mine[0]!.id] });

    runScriptOk(volumeScripts(base).delete!, { env: consenting() });
    expect(volumes().map((v) => `${v.name}@${v.region}`).sort()).toEqual(["other_data@ams", "sqld_data@fra"]);
  });

  it("keeps the volume on delete when destroyOnDelete is false, and says why", () => {
    const scripts = volumeScripts({ ...base, destroyOnDelete: false });
    runScriptOk(scripts.create, { env: fake.env });
    const result = runScriptOk(scripts.delete!, { env: fake.env });
    expect(result.stdout).toMatch(/Keeping volume\(s\) sqld_data in ams of app demo-app: data protection is on/);
    expect(volumes()).toHaveLength(1);
    expect(callsOf(fake, "volumes", "destroy")).toEqual([]);
  });

  it("converges to exactly 3 volumes after the 2nd create of 3 fails", () => {
    const scripts = volumeScripts({ ...base, count: 3 });
    const failed = runScript(scripts.create, { env: { ...fake.env, FAKE_FLY_FAIL: "volumes create:2" } });
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toBe("");
    expect(volumes()).toHaveLength(1);

    const retried = runScriptOk(scripts.create, { env: fake.env });
    expect(volumes()).toHaveLength(3);
    expect(new Set(volumes().map((v) => v.zone)).size).toBe(3);
    expect(report(retried.stdout).volumeIds).toHaveLength(3);
    // 1 success + 1 injected failure + 2 on the re-run: nothing beyond what was missing.
    expect(callsOf(fake, "volumes", "create")).toHaveLength(4);
  });

  it("fails instead of reporting when the listing fails", () => {
    const result = runScript(volumeScripts(base).create, { env: { ...fake.env, FAKE_FLY_FAIL: "volumes list:1" } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(callsOf(fake, "volumes", "create")).toEqual([]);
  });

  it("delete tolerates an app that is already gone", () => {
    runScriptOk(appScripts({ app: APP, org: "personal" }).delete!, { env: fake.env });
    const result = runScriptOk(volumeScripts(base).delete!, { env: consenting() });
    expect(result.stdout).toMatch(/already gone/);
  });

  it("count 0 creates nothing and reports an empty list", () => {
    const result = runScriptOk(volumeScripts({ ...base, count: 0 }).create, { env: fake.env });
    expect(report(result.stdout)).toEqual({ region: "ams", volumeIds: [] });
    expect(volumes()).toEqual([]);
  });
});

describe("volumeScripts argument validation", () => {
  it.each<[Partial<VolumeScriptArgs>, RegExp]>([
    [{ region: "AMS" }, /^region: /],
    [{ region: "ams; rm -rf /" }, /^region: /],
    [{ volumeName: "sqld-data" }, /^volumeName: /],
    [{ volumeName: "a".repeat(31) }, /^volumeName: /],
    [{ app: "Bad App" }, /^app: /],
    [{ count: -1 }, /^count: /],
    [{ count: 1.5 }, /^count: /],
    [{ sizeGb: 0 }, /^sizeGb: /],
    [{ vmSize: "--yes" }, /^vmSize: /],
    [{ vmMemoryMb: 0 }, /^vmMemoryMb: /],
  ])("rejects %j naming the field", (override, field) => {
    expect(() => volumeScripts({ ...base, ...override })).toThrow(field);
  });
});
