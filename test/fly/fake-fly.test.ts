import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { callsOf, makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

/** The fake flyctl test double's own contract, which the script tests (and other engineers' tests) rely on. */
describe("fake flyctl test double", () => {
  let fake: FakeFlyEnv;
  const fly = (args: string, extraEnv: Record<string, string> = {}, stdin?: string) => runScript(`fly ${args}`, { env: { ...fake.env, ...extraEnv }, stdin });

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk("fly apps create demo-app --org personal --json", { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  // flyctl internal/cli/cli.go Run: every error, cobra's "unknown flag" included, exits 1.
  it("answers unknown commands and flags with exit 1, as flyctl does", () => {
    expect(fly("frobnicate").code).toBe(1);
    const badFlag = fly("volumes list -a demo-app --jsn");
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr).toMatch(/unknown flag: --jsn/);
  });

  // --json exists only where flyctl adds flag.JSONOutput() (root.go's persistent flags are token/verbose/debug).
  it.each([
    "deploy . -a demo-app --yes --json",
    "volumes destroy vol_x -a demo-app --yes --json",
    "secrets import -a demo-app --json",
    "scale count 1 -a demo-app --yes --json",
    "ips allocate-v6 -a demo-app --json",
    "apps destroy demo-app --yes --json",
  ])("refuses --json where flyctl has no such flag: %s", (args) => {
    const result = fly(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown flag: --json/);
  });

  it.each(["apps list --json", "volumes list -a demo-app --json", "machines list -a demo-app --json", "ips list -a demo-app --json", "status -a demo-app --json"])(
    "accepts --json where flyctl declares it: %s",
    (args) => expect(fly(args).code).toBe(0),
  );

  it("refuses an access token in argv and requires one in the environment", () => {
    expect(fly("apps list -t secret-token").code).toBe(1);
    const env = { ...fake.env };
    delete env.FLY_API_TOKEN;
    expect(runScript("fly apps list --json", { env }).code).toBe(1);
  });

  it("reports flyctl-like errors for duplicate and missing apps", () => {
    const twice = fly("apps create demo-app --org personal");
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/Name has already been taken/);
    const missing = fly("status -a nope-app --json");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Could not find App "nope-app"/);
    expect(fly("apps destroy demo-app").code).toBe(1); // no --yes: flyctl would prompt
  });

  it("lists volumes in flyctl's JSON shape and places --require-unique-zone volumes in distinct zones", () => {
    for (let i = 0; i < 4; i++) expect(fly("volumes create data -a demo-app -r ams -s 1 --require-unique-zone --yes --json").code).toBe(0);
    const fifth = fly("volumes create data -a demo-app -r ams -s 1 --yes --json");
    expect(fifth.code).toBe(1);
    expect(fifth.stderr).toMatch(/--require-unique-zone/);
    const list = JSON.parse(fly("volumes list -a demo-app --json").stdout);
    expect(list).toHaveLength(4);
    expect(new Set(list.map((v: { zone: string }) => v.zone)).size).toBe(4);
    for (const v of list) {
      expect(v.id).toMatch(/^vol_[a-z0-9]{16}$/);
      expect(v).toMatchObject({ name: "data", region: "ams", size_gb: 1, state: "created", attached_machine_id: null });
    }
  });

  it("with :after, lets the injected call change the state and still exit 1", () => {
    const failed = fly("volumes create data -a demo-app -r ams --yes", { FAKE_FLY_FAIL: "volumes create:1:after" });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/injected failure for call 1 of "volumes create"/);
    expect(JSON.parse(fly("volumes list -a demo-app --json").stdout)).toHaveLength(1);
  });

  it("counts calls per command and fails exactly the injected one without changing state", () => {
    const env = { FAKE_FLY_FAIL: "volumes create:2" };
    expect(fly("volumes create data -a demo-app -r ams --yes", env).code).toBe(0);
    const failed = fly("volumes create data -a demo-app -r ams --yes", env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/injected failure for call 2 of "volumes create"/);
    expect(fly("volumes create data -a demo-app -r ams --yes", env).code).toBe(0);
    expect(fake.state().apps["demo-app"].volumes).toHaveLength(2);
    expect(fake.state().callCounts["volumes create"]).toBe(3);
    expect(callsOf(fake, "volumes", "create")).toHaveLength(3);
  });

  it("keeps only digests of secrets and rejects lines without '='", () => {
    expect(fly("secrets import -a demo-app", {}, "A=1\n\n# comment\nB=x=y\n").code).toBe(0);
    const list = JSON.parse(fly("secrets list -a demo-app --json").stdout);
    expect(list.map((s: { name: string }) => s.name).sort()).toEqual(["A", "B"]);
    expect(JSON.stringify(fake.state())).not.toContain("x=y");
    expect(fly("secrets import -a demo-app", {}, "C\n").code).toBe(1);
  });

  // `fly proxy` (6PN name resolution, per-connection dial, targets) is tested in test/sqld/fake-fly-proxy.test.ts.
});
