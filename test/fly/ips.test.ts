import { isIPv4, isIPv6 } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appScripts, ipScripts } from "../../infra/fly/scripts";
import { callsOf, makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

const APP = "demo-app";

describe("ipScripts against the fake flyctl", () => {
  let fake: FakeFlyEnv;
  const app = () => fake.state().apps[APP];
  const publicV6 = (): string[] => app().ips.filter((ip: { Type: string }) => ip.Type === "v6").map((ip: { Address: string }) => ip.Address);

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk(appScripts({ app: APP, org: "personal" }).create, { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  it("allocates a shared v4 and one v6, prints the hostname, and re-runs without allocating again", () => {
    const scripts = ipScripts({ app: APP });
    const first = runScriptOk(scripts.create, { env: fake.env });
    const out = JSON.parse(first.stdout);
    expect(out).toEqual({ hostname: `${APP}.fly.dev`, sharedIpv4: app().sharedIpv4, ipv6: publicV6()[0] });
    expect(isIPv4(out.sharedIpv4)).toBe(true);
    expect(isIPv6(out.ipv6)).toBe(true);
    expect(callsOf(fake, "ips", "allocate-v4")).toEqual([["ips", "allocate-v4", "--shared", "-a", APP, "--yes"]]);
    expect(callsOf(fake, "ips", "allocate-v6")).toEqual([["ips", "allocate-v6", "-a", APP]]);

    const second = runScriptOk(scripts.create, { env: fake.env });
    expect(second.stdout).toBe(first.stdout);
    expect(publicV6()).toHaveLength(1);
    expect(callsOf(fake, "ips", "allocate-v4")).toHaveLength(1);
    expect(callsOf(fake, "ips", "allocate-v6")).toHaveLength(1);
  });

  it("allocates only what is missing", () => {
    runScriptOk("fly ips allocate-v6 -a demo-app", { env: fake.env });
    runScriptOk(ipScripts({ app: APP }).create, { env: fake.env });
    expect(publicV6()).toHaveLength(1);
    expect(app().sharedIpv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(callsOf(fake, "ips", "allocate-v6")).toHaveLength(1);
  });

  it("a failed v6 allocation fails the script and a re-run completes it", () => {
    const scripts = ipScripts({ app: APP });
    const failed = runScript(scripts.create, { env: { ...fake.env, FAKE_FLY_FAIL: "ips allocate-v6:1" } });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("");
    runScriptOk(scripts.create, { env: fake.env });
    expect(publicV6()).toHaveLength(1);
    expect(callsOf(fake, "ips", "allocate-v4")).toHaveLength(1);
  });

  it("delete releases the shared v4 and the v6 but not a private v6", () => {
    runScriptOk("fly ips allocate-v6 --private -a demo-app", { env: fake.env });
    const scripts = ipScripts({ app: APP });
    const out = JSON.parse(runScriptOk(scripts.create, { env: fake.env }).stdout);
    runScriptOk(scripts.delete!, { env: fake.env });
    expect(app().sharedIpv4).toBeNull();
    expect(app().ips.map((ip: { Type: string }) => ip.Type)).toEqual(["private_v6"]);
    expect(callsOf(fake, "ips", "release").map((argv) => argv[2]).sort()).toEqual([out.sharedIpv4, out.ipv6].sort());

    runScriptOk(scripts.delete!, { env: fake.env });
    expect(callsOf(fake, "ips", "release")).toHaveLength(2);
  });

  it("delete tolerates an app that is already gone", () => {
    runScriptOk(appScripts({ app: APP, org: "personal" }).delete!, { env: fake.env });
    const result = runScriptOk(ipScripts({ app: APP }).delete!, { env: fake.env });
    expect(result.stdout).toMatch(/already gone/);
  });

  it("rejects a malformed app name naming the field", () => {
    expect(() => ipScripts({ app: "demo app $(reboot)" })).toThrow(/^app: /);
  });
});
