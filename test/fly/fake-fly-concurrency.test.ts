/**
 * The fake flyctl under parallel calls, as the real engine makes them (independent Commands run at once): every
 * call's change must land, as each real Fly API call lands on its own (lib/state-lock.js).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeFakeFlyEnv, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";
import { runProcess } from "../../local/run-process";

const APP = "demo-app";
const REGIONS = ["ams", "iad", "sin", "fra", "ord", "syd", "nrt", "gru"];

describe("fake flyctl: parallel calls", () => {
  let fake: FakeFlyEnv;
  beforeEach(() => {
    fake = makeFakeFlyEnv();
    runScriptOk(`fly apps create ${APP} --org personal --json`, { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  it("keeps every volume created by calls running at the same time, and counts every call", async () => {
    const runs = await Promise.all(
      REGIONS.flatMap((region) => [
        runProcess("fly", ["volumes", "create", "sqld_data", "-a", APP, "-r", region, "-s", "1", "--yes", "--json"], { env: fake.env }),
        runProcess("fly", ["volumes", "list", "-a", APP, "--json"], { env: fake.env }),
      ]),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const volumes = fake.state().apps[APP].volumes as { region: string }[];
    expect(volumes.map((v) => v.region).sort()).toEqual([...REGIONS].sort());
    expect(fake.state().callCounts).toMatchObject({ "volumes create": REGIONS.length, "volumes list": REGIONS.length });
  });
});
