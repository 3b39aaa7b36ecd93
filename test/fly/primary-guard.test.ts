/**
 * The primary guard (issue 21 item 5) against the fake flyctl TEST DOUBLE: a config that moves the primary to another
 * region is refused before any Fly change, naming the config key; the matching config passes; a fresh app passes.
 * Then the hazard it prevents, replayed with the stack's own scripts: scaling the primary group into the new region
 * starts a second primary on a NEW EMPTY volume (flyctl scale/machine_defaults.go creates one when none is free).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appScripts, deployScripts, primaryGuardScripts, scaleScripts, volumeScripts } from "../../infra/fly/scripts";
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
`;
const guard = (region: string) => primaryGuardScripts({ app: APP, group: "primary", region, configKey: "libsql-stack:regions[1].role" }).create;

describe("primary guard against the fake flyctl", () => {
  let fake: FakeFlyEnv;
  const state = () => JSON.stringify(fake.state().apps[APP]);

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  it("passes on an app with no machines yet (first up)", () => {
    expect(runScript(guard("iad"), { env: fake.env }).code).toBe(0);
  });

  describe("with the primary running in ams", () => {
    beforeEach(() => {
      runScriptOk(volumeScripts({ app: APP, volumeName: "sqld_data", region: "ams", sizeGb: 1, count: 1, vmSize: "shared-cpu-1x", vmMemoryMb: 512, destroyOnDelete: false }).create, { env: fake.env });
      runScriptOk(deployScripts({ app: APP, strategy: "rolling", waitTimeout: "5m0s", firstDeployGroups: ["primary"], source: { kind: "generated" } }).create, {
        env: { ...fake.env, FLY_TOML, DOCKERFILE: "FROM scratch\n" },
      });
      runScriptOk(scaleScripts({ app: APP, processGroup: "replica", region: "iad", count: 1 }).create, { env: fake.env });
    });

    it("passes when the config keeps ams as primary, calling only `machines list`", () => {
      const before = fake.calls().length;
      const res = runScript(guard("ams"), { env: fake.env });
      expect(res.code, res.stderr).toBe(0);
      expect(fake.calls().slice(before).map((c) => c.slice(0, 2).join(" "))).toEqual(["machines list"]);
    });

    it("refuses iad as primary, naming the config key and where the primary runs, and changes nothing", () => {
      const before = state();
      const res = runScript(guard("iad"), { env: fake.env });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^libsql-stack:regions\[1\]\.role: the primary machine of demo-app runs in another region \([0-9a-f]+:ams\), not in iad as configured/);
      expect(state()).toBe(before);
    });

    it("without the guard: scaling the primary group into iad starts a second primary on a new, empty volume", () => {
      const volumesBefore = fake.state().apps[APP].volumes.length;
      runScriptOk(scaleScripts({ app: APP, processGroup: "primary", region: "iad", count: 1 }).create, { env: fake.env });
      const primaries = fake.state().apps[APP].machines.filter((m: { group: string }) => m.group === "primary");
      expect(primaries.map((m: { region: string }) => m.region).sort()).toEqual(["ams", "iad"]);
      expect(fake.state().apps[APP].volumes.length).toBe(volumesBefore + 1);
      expect(callsOf(fake, "scale").length).toBeGreaterThan(0);
    });
  });
});
