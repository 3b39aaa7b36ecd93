import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appScripts } from "../../infra/fly/scripts";
import { callsOf, makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

describe("appScripts against the fake flyctl", () => {
  let fake: FakeFlyEnv;
  beforeEach(() => {
    fake = makeFakeFlyEnv();
  });
  afterEach(() => fake.cleanup());

  it("creates the app once, re-runs as a no-op, then destroys it", () => {
    const scripts = appScripts({ app: "demo-app", org: "my-org" });
    const first = runScriptOk(scripts.create, { env: fake.env });
    expect(fake.state().apps["demo-app"]).toMatchObject({ name: "demo-app", org: "my-org" });

    const second = runScriptOk(scripts.create, { env: fake.env });
    expect(second.stdout).toBe(first.stdout);
    expect(callsOf(fake, "apps", "create")).toEqual([["apps", "create", "demo-app", "--org", "my-org", "--json"]]);

    runScriptOk(scripts.delete!, { env: fake.env });
    expect(fake.state().apps).toEqual({});
    expect(callsOf(fake, "apps", "destroy")).toEqual([["apps", "destroy", "demo-app", "--yes"]]);
  });

  it("delete is a no-op with a message when the app is already gone", () => {
    const result = runScriptOk(appScripts({ app: "gone-app", org: "personal" }).delete!, { env: fake.env });
    expect(result.stdout).toMatch(/already gone/);
    expect(callsOf(fake, "apps", "destroy")).toEqual([]);
  });

  it("leaves other apps alone", () => {
    runScriptOk(appScripts({ app: "other-app", org: "personal" }).create, { env: fake.env });
    const mine = appScripts({ app: "demo-app", org: "personal" });
    runScriptOk(mine.create, { env: fake.env });
    runScriptOk(mine.delete!, { env: fake.env });
    expect(Object.keys(fake.state().apps)).toEqual(["other-app"]);
  });

  it("fails, without creating anything, when the app lookup fails", () => {
    const result = runScript(appScripts({ app: "demo-app", org: "personal" }).create, {
      env: { ...fake.env, FAKE_FLY_FAIL: "apps list:1" },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/injected failure/);
    expect(callsOf(fake, "apps", "create")).toEqual([]);
  });

  it("fails when flyctl has no token (the script does not swallow errors)", () => {
    const env = { ...fake.env };
    delete env.FLY_API_TOKEN;
    const result = runScript(appScripts({ app: "demo-app", org: "personal" }).create, { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/access token/);
  });

  it("starts with set -eu and never interpolates unquoted values", () => {
    const { create } = appScripts({ app: "demo-app", org: "personal" });
    expect(create.startsWith("set -eu\n")).toBe(true);
    expect(create).toContain('fly apps create "$app" --org "$org" --json');
  });

  it.each([
    [{ app: "Demo_App", org: "personal" }, /^app: /],
    [{ app: "ab", org: "personal" }, /^app: /],
    [{ app: "-demo", org: "personal" }, /^app: /],
    [{ app: "demo-app", org: "my org; rm -rf /" }, /^org: /],
    [{ app: "demo-app", org: "" }, /^org: /],
  ])("rejects %j naming the field", (args, field) => {
    expect(() => appScripts(args)).toThrow(field);
  });
});
