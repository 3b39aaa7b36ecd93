/**
 * The fake flyctl's model of deploy, scale count, volumes and leases, checked against the flyctl source it cites
 * (superfly/flyctl internal/command/{deploy,scale}, internal/appconfig, internal/machine/lease.go). Each test
 * would pass against a lenient double only if the cited behaviour were missing.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

const APP = "demo-app";
const TOML = (extra = "") => `app = "${APP}"
primary_region = "ams"

[build]
dockerfile = "Dockerfile"

[processes]
primary = "/bin/sqld"
replica = "/bin/sqld --primary-grpc-url http://primary:5001"

[[mounts]]
source = "data"
destination = "/data"
${extra}`;
const VMS = `
[[vm]]
size = "shared-cpu-1x"
memory = "512mb"
processes = ["primary"]

[[vm]]
size = "shared-cpu-2x"
memory = "1024mb"
processes = ["replica"]
`;

interface Machine {
  id: string;
  group: string;
  region: string;
  config: { image: string; guest: { size: string; memory_mb: number }; mounts: { volume: string }[] };
}
interface Volume {
  id: string;
  region: string;
  attached_machine_id: string | null;
}

describe("fake flyctl: deploy, scale and volumes as flyctl does them", () => {
  let fake: FakeFlyEnv;
  let dir: string;
  const fly = (args: string, extraEnv: Record<string, string> = {}) => runScript(`fly ${args}`, { env: { ...fake.env, ...extraEnv }, cwd: dir });
  const machines = (): Machine[] => fake.state().apps[APP].machines;
  const volumes = (): Volume[] => fake.state().apps[APP].volumes;
  const where = () => machines().map((m) => `${m.group}@${m.region}`).sort();
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  const deploy = (flags = "") => fly(`deploy ${dir} -a ${APP} --remote-only --yes ${flags}`);

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    dir = fs.mkdtempSync(path.join(fake.stateDir, "app-"));
    write("Dockerfile", "FROM scratch\n");
    runScriptOk(`fly apps create ${APP} --org personal`, { env: fake.env });
  });
  afterEach(() => fake.cleanup());

  // deploy_first.go provisionVolumesOnFirstDeploy counts spare volumes by name in ANY region;
  // machines_launchinput.go launchInputForLaunch then needs one in primary_region.
  it("first deploy: volumes elsewhere hide the shortfall, then 'needs an unattached volume ... in region ams'", () => {
    write("fly.toml", TOML());
    expect(fly(`volumes create data -a ${APP} -r ams --yes`).code).toBe(0);
    expect(fly(`volumes create data -a ${APP} -r iad --yes`).code).toBe(0);
    const result = deploy();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/New machine in group '(primary|replica)' needs an unattached volume named 'data' in region 'ams'/);
  });

  it("first deploy without volumes creates one per group in primary_region, one machine per group there", () => {
    write("fly.toml", TOML());
    expect(deploy().code).toBe(0);
    expect(where()).toEqual(["primary@ams", "replica@ams"]);
    expect(volumes().map((v) => v.region)).toEqual(["ams", "ams"]);
  });

  // deploy.go --process-groups filters ProcessNames(); --update-only skips deployCreateMachinesForGroups.
  it("--process-groups starts only the named group; --update-only never creates machines", () => {
    write("fly.toml", TOML(VMS));
    for (const r of ["ams", "iad"]) expect(fly(`volumes create data -a ${APP} -r ${r} --yes`).code).toBe(0);
    expect(deploy("--process-groups primary").code).toBe(0);
    expect(where()).toEqual(["primary@ams"]);
    expect(deploy("--update-only").code).toBe(0);
    expect(where()).toEqual(["primary@ams"]);
    expect(deploy().code).toBe(1); // without --update-only the replica group would need a volume in ams
  });

  // command.ChangeWorkingDirectoryToFirstArgIfPresent; deploy_build.go resolveDockerfilePath/multipleDockerfile.
  it("changes into DIR, prefers [build].dockerfile over --dockerfile, and refuses a different Dockerfile in DIR", () => {
    write("fly.toml", `app = "${APP}"\nprimary_region = "ams"\n[build]\ndockerfile = "build/Dockerfile.prod"\n`);
    fs.mkdirSync(path.join(dir, "build"));
    write("build/Dockerfile.prod", "FROM prod\n");
    fs.rmSync(path.join(dir, "Dockerfile"));
    const other = path.join(fake.stateDir, "Dockerfile.other");
    fs.writeFileSync(other, "FROM other\n");
    expect(runScript(`fly deploy ${dir} -c fly.toml -a ${APP} --dockerfile ${other} --yes`, { env: fake.env, cwd: fake.stateDir }).code).toBe(0);
    expect(fake.state().apps[APP].deploys[0].dockerfile).toBe("FROM prod\n");
    write("Dockerfile", "FROM stray\n");
    const stray = runScript(`fly deploy ${dir} -a ${APP} --yes`, { env: fake.env, cwd: fake.stateDir });
    expect(stray.code).toBe(1);
    expect(stray.stderr).toMatch(/ignoring .*Dockerfile, and using .*Dockerfile\.prod/);
  });

  // scale/count_machines.go computeActions copies groupMachines[0].Config; machine_defaults.go ToMachineConfig
  // uses fly.toml [[vm]] for a group without machines; PopAvailableVolumes looks in the target region only.
  it("scale count: ignores --vm-size for a group with machines, uses [[vm]] otherwise, and makes volumes only in the target region", () => {
    write("fly.toml", TOML(VMS));
    for (const r of ["ams", "sin"]) expect(fly(`volumes create data -a ${APP} -r ${r} --yes`).code).toBe(0);
    expect(deploy("--process-groups primary").code).toBe(0);
    expect(fly(`scale count 1 -a ${APP} --region iad --process-group replica --vm-size performance-2x --yes`).code).toBe(0);
    const iad = machines().find((m) => m.region === "iad")!;
    expect(iad.config.guest).toMatchObject({ size: "shared-cpu-2x", memory_mb: 1024 });
    expect(volumes().find((v) => v.id === iad.config.mounts[0]!.volume)!.region).toBe("iad");
    expect(volumes().find((v) => v.region === "sin")!.attached_machine_id).toBeNull();
    expect(fly(`scale count 1 -a ${APP} --region sin --process-group replica --vm-size performance-4x --yes`).code).toBe(0);
    const sin = machines().find((m) => m.region === "sin")!;
    expect(sin.config.guest).toMatchObject({ size: "shared-cpu-2x" });
    expect(volumes().find((v) => v.region === "sin")!.attached_machine_id).toBe(sin.id);
    // convergeGroupCounts counts only the listed regions: iad keeps its replica.
    expect(where()).toEqual(["primary@ams", "replica@iad", "replica@sin"]);
  });

  it("scale count refuses an app without a complete release, an unknown group, and --json", () => {
    write("fly.toml", TOML());
    expect(fly(`scale count 1 -a ${APP} --yes`).stderr).toMatch(/no complete releases/);
    expect(deploy().code).toBe(0);
    expect(fly(`scale count 1 -a ${APP} --process-group worker --yes`).stderr).toMatch(/unknown process groups \[worker\]/);
    expect(fly(`scale count 1 -a ${APP} --process-group primary --yes --json`).stderr).toMatch(/unknown flag: --json/);
  });

  // appconfig/machines.go updateMachineConfig: a deploy resets each machine's guest to its group's [[vm]].
  it("a later deploy resets a machine's size to the group's [[vm]]", () => {
    write("fly.toml", TOML(VMS));
    expect(deploy().code).toBe(0);
    const state = fake.state();
    state.apps[APP].machines[0].config.guest = { cpu_kind: "performance", cpus: 2, memory_mb: 4096, size: "performance-2x" };
    fs.writeFileSync(path.join(fake.stateDir, "state.json"), JSON.stringify(state));
    expect(deploy().code).toBe(0);
    expect(machines().map((m) => m.config.guest.size).sort()).toEqual(["shared-cpu-1x", "shared-cpu-2x"]);
  });

  // appconfig/validation.go validateServicesSection / validateMounts.
  it.each([
    ["a service naming an unknown process group", `[http_service]\ninternal_port = 8080\nprocesses = ["web"]\n`, /no processes are defined with that name/],
    ["a service without processes while [processes] exists", `[http_service]\ninternal_port = 8080\n`, /Service has no processes set/],
    ["two mounts for one group", `[[mounts]]\nsource = "more"\ndestination = "/more"\n`, /more than one \[\[mounts\]\]/],
    ["initial_size below 1GB", `initial_size = "500mb"\n`, /smaller than 1GB/],
  ])("deploy refuses fly.toml with %s", (_title, extra, message) => {
    write("fly.toml", TOML(extra));
    const result = deploy();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(fake.state().apps[APP].deploys).toEqual([]);
  });

  // internal/machine/lease.go AcquireLeases: scale count leases every machine; a held lease fails after the retry.
  it("a scale count while another run holds the machines' leases fails with 'failed to obtain lease'", async () => {
    write("fly.toml", TOML(VMS));
    for (const r of ["ams", "iad", "sin"]) expect(fly(`volumes create data -a ${APP} -r ${r} --yes`).code).toBe(0);
    expect(deploy("--process-groups primary").code).toBe(0);
    const holder = spawn("sh", ["-c", `fly scale count 1 -a ${APP} --region iad --process-group replica --yes`], {
      env: { ...fake.env, FAKE_FLY_LEASE_HOLD_MS: "4000" },
      stdio: "ignore",
    });
    const holderExit = new Promise<number | null>((resolve) => holder.on("exit", resolve));
    // Wait until the holder has its lease (a file per machine), then compete with a short retry window.
    const leases = path.join(fake.stateDir, "leases");
    for (let i = 0; i < 2400 && !(fs.existsSync(leases) && fs.readdirSync(leases).length > 0); i++) await new Promise((r) => setTimeout(r, 25));
    const second = fly(`scale count 1 -a ${APP} --region sin --process-group replica --yes`, { FAKE_FLY_LEASE_RETRY_MS: "200" });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/failed to obtain lease/);
    expect(await holderExit).toBe(0);
    // Once released, the same call goes through.
    expect(fly(`scale count 1 -a ${APP} --region sin --process-group replica --yes`).code).toBe(0);
    expect(where()).toEqual(["primary@ams", "replica@iad", "replica@sin"]);
  });
});
