/**
 * `fly machine exec` in the fake flyctl TEST DOUBLE (flyctl internal/command/machine/exec.go) and the box's side of
 * it (local/box/machine-exec.ts). The happy path through a box with real sqld machines is test/status/status-box.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeFakeFlyEnv, runScript, runScriptOk, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";
import { boxExecArgv, runBoxExec } from "../../local/box/machine-exec";

const APP = "exec-app";
const TOML = `app = "${APP}"\nprimary_region = "ams"\n[processes]\napp = "sleep infinity"\n[[mounts]]\nsource = "data"\ndestination = "/var/lib/sqld"\n`;

describe("fake flyctl: machine exec", () => {
  let fake: FakeFlyEnv;
  let machineId: string;
  const fly = (args: string) => runScript(`fly ${args}`, { env: fake.env, cwd: fake.stateDir });

  beforeEach(() => {
    fake = makeFakeFlyEnv();
    const dir = fs.mkdtempSync(path.join(fake.stateDir, "app-"));
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
    fs.writeFileSync(path.join(dir, "fly.toml"), TOML);
    runScriptOk(`fly apps create ${APP} --org personal`, { env: fake.env });
    runScriptOk(`fly deploy ${dir} -a ${APP} --remote-only --yes`, { env: fake.env, cwd: dir });
    machineId = fake.state().apps[APP].machines[0].id;
  });
  afterEach(() => fake.cleanup());

  it("takes the command as one argument after the machine id, and needs the id when not interactive", () => {
    expect(fly(`machine exec ${machineId} df /var/lib/sqld -a ${APP}`)).toMatchObject({ code: 1, stderr: expect.stringContaining("accepts between 1 and 2 arg(s), received 3") });
    expect(fly(`machine exec 'df /' -a ${APP}`)).toMatchObject({ code: 1, stderr: expect.stringContaining("a machine ID must be given") });
    expect(fly(`machine exec ${machineId} 'df /' -a ${APP} --container x --no-container`)).toMatchObject({ code: 1, stderr: expect.stringContaining("mutually exclusive") });
  });

  it("an unknown or stopped machine, or no box to run on, fails with flyctl's prefix and changes nothing", () => {
    const before = JSON.stringify(fake.state().apps);
    expect(fly(`machine exec 1234abcd 'df /' -a ${APP}`)).toMatchObject({ code: 1, stderr: expect.stringContaining("machine 1234abcd was not found") });
    expect(fly(`machine exec ${machineId} 'df /' -a ${APP} --json`)).toMatchObject({ code: 1, stderr: expect.stringContaining(`could not exec command on machine ${machineId}: no local box`) });
    runScriptOk(`fly machine stop ${machineId} -a ${APP}`, { env: fake.env });
    const stopped = JSON.stringify(fake.state().apps);
    expect(fly(`machine exec ${machineId} 'df /' -a ${APP}`)).toMatchObject({ code: 1, stderr: expect.stringContaining("machine is stopped, not started") });
    expect(JSON.stringify(fake.state().apps)).toBe(stopped);
    expect(before).not.toBe(stopped);
  });
});

describe("the box runs df only, on the machine's volume directories", () => {
  const mounts = [{ volume: "vol_abc", path: "/var/lib/sqld" }];

  it("maps a mount path and paths under it to the volume's directory, leaves other arguments alone", () => {
    expect(boxExecArgv("df -Pk /var/lib/sqld", mounts, "/box/volumes")).toEqual(["-Pk", "/box/volumes/vol_abc"]);
    expect(boxExecArgv("df /var/lib/sqld/data.sqld /var/lib/sqldx", mounts, "/box/volumes")).toEqual(["/box/volumes/vol_abc/data.sqld", "/var/lib/sqldx"]);
  });

  it("anything but a plain df is the missing-command answer (exit 127), never run", async () => {
    expect(boxExecArgv("rm -rf /var/lib/sqld", mounts, "/v")).toEqual(expect.stringContaining("rm: the box runs only df"));
    expect(boxExecArgv("df / ; rm -rf /", mounts, "/v")).toEqual(expect.stringContaining("no shell operators"));
    expect(await runBoxExec({ cmd: "cat /etc/shadow" }, mounts, "/v")).toEqual({ exit_code: 127, stdout: "", stderr: expect.stringContaining("only df") });
  });

  it("runs the real df: its exit code and stderr come back as they are", async () => {
    const missing = await runBoxExec({ cmd: "df -Pk /var/lib/sqld" }, mounts, "/nonexistent-box-root");
    expect(missing.exit_code).not.toBe(0);
    expect(missing.stderr).toMatch(/No such file or directory/);
    const ok = await runBoxExec({ cmd: "df -Pk /" }, mounts, "/v");
    expect(ok).toMatchObject({ exit_code: 0, stdout: expect.stringMatching(/^Filesystem\s+1024-blocks/) });
  });
});
