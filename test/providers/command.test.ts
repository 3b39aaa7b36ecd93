/**
 * The TEST DOUBLE of pulumi-command v1.2.1 (local/doubles/providers/command) behaves like local.Command where the e2e
 * scenarios depend on it: real `sh` scripts in temp dirs, driven through the provider object the plugin serves.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import commandPackage from "@pulumi/command/package.json";
import { CommandProvider } from "../../local/doubles/providers/command/provider";

const URN = "urn:pulumi:t::p::libsql:stack:Thing$command:local:Command::cmd";
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

let dir: string;
let logged: { urn: string; line: string }[];
let provider: CommandProvider;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "command-double-")));
  logged = [];
  provider = new CommandProvider((urn, line) => void logged.push({ urn, line }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (name: string) => readFileSync(join(dir, name), "utf8");

describe("create", () => {
  it("runs create with /bin/sh -c in dir, with the provider's env plus environment, stdin fed; outputs = inputs + stdout/stderr", async () => {
    process.env.COMMAND_DOUBLE_PROVIDER_ENV = "from-provider";
    const inputs = {
      create: 'printf "%s|%s|%s|%s\\n\\n" "$(pwd)" "$COMMAND_DOUBLE_PROVIDER_ENV" "$EXTRA" "$(cat)"; echo warn >&2; echo "$0" > shell',
      environment: { EXTRA: "x1" },
      stdin: "fed",
      dir,
    };
    const { id, outs } = await provider.create(URN, inputs);
    expect(id).toMatch(/^cmd[0-9a-f]{8}$/);
    // exactly one trailing "\n" is trimmed (commandOutputs.go run: strings.TrimSuffix)
    expect(outs).toEqual({ ...inputs, stdout: `${dir}|from-provider|x1|fed\n`, stderr: "warn" });
    expect(read("shell").trim()).toBe("/bin/sh");
  });

  it("runs in the provider's cwd without dir, and with the given interpreter", async () => {
    const { outs } = await provider.create(URN, { create: "import sys, os; print(os.getcwd())", interpreter: ["python3", "-c"] });
    expect(outs.stdout).toBe(process.cwd());
  });

  it("fails with the exit status, the quoted script and the combined output; nothing is returned as state", async () => {
    const create = 'echo out; echo "err\tx" >&2; exit 3';
    await expect(provider.create(URN, { create })).rejects.toThrow(`exit status 3: running "echo out; echo \\"err\\tx\\" >&2; exit 3":\nout\nerr\tx\n`);
  });

  it("fails before running when dir does not exist", async () => {
    await expect(provider.create(URN, { create: "touch ran", dir: join(dir, "missing") })).rejects.toThrow(`chdir ${join(dir, "missing")}: no such file or directory`);
  });

  it("without create runs nothing and has empty stdout/stderr", async () => {
    const { outs } = await provider.create(URN, { delete: `touch ${dir}/deleted` });
    expect(outs).toEqual({ delete: `touch ${dir}/deleted`, stdout: "", stderr: "" });
  });

  it("does not hand create a previous output even if addPreviousOutputInEnv is true", async () => {
    const { outs } = await provider.create(URN, { create: 'echo "[${PULUMI_COMMAND_STDOUT-unset}]"', addPreviousOutputInEnv: true });
    expect(outs.stdout).toBe("[unset]");
  });

  it("refuses types other than local.Command", async () => {
    await expect(provider.create("urn:pulumi:t::p::command:remote:Command::r", { create: "true" })).rejects.toThrow(/not implemented/);
  });
});

describe("secrets", () => {
  it("keeps secret stdin/environment secret in the outputs, gives the script plain values, leaves stdout public", async () => {
    const inputs = { create: 'printf "%s-%s" "$(cat)" "$TOKEN"', stdin: secret("s3cret"), environment: { TOKEN: secret("t0k") } };
    const { outs } = await provider.create(URN, inputs);
    expect(outs.stdin).toEqual(secret("s3cret"));
    expect(outs.environment).toEqual({ TOKEN: secret("t0k") });
    expect(outs.stdout).toBe("s3cret-t0k"); // additionalSecretOutputs is the engine's job, as upstream
  });
});

describe("logging", () => {
  const script = "echo out1; echo err1 >&2; printf 'out2\\r\\n'";
  it("logs stdout and stderr lines by default, each with the resource URN", async () => {
    await provider.create(URN, { create: script });
    expect(logged.map((l) => l.line).sort()).toEqual(["err1", "out1", "out2"]);
    expect(new Set(logged.map((l) => l.urn))).toEqual(new Set([URN]));
  });
  it('logs nothing with "none", only stdout with "stdout"', async () => {
    await provider.create(URN, { create: script, logging: "none" });
    expect(logged).toEqual([]);
    await provider.create(URN, { create: script, logging: "stdout" });
    expect(logged.map((l) => l.line)).toEqual(["out1", "out2"]);
  });
  it("logs nothing from a failing script with logging none either", async () => {
    await expect(provider.create(URN, { create: "echo secret-ish; exit 1", logging: "none" })).rejects.toThrow();
    expect(logged).toEqual([]);
  });
});

describe("check", () => {
  it("passes known inputs and unknown (preview) values, dropping nulls", async () => {
    const news = { create: unknownValue, environment: { A: unknownValue, B: secret("b") }, triggers: [unknownValue, 1], stdin: secret(unknownValue), update: null, interpreter: unknownValue, addPreviousOutputInEnv: unknownValue };
    const result = await provider.check(URN, {}, news);
    expect(result.failures).toBeUndefined();
    expect(result.inputs).toEqual({ create: unknownValue, environment: { A: unknownValue, B: secret("b") }, triggers: [unknownValue, 1], stdin: secret(unknownValue), interpreter: unknownValue, addPreviousOutputInEnv: unknownValue });
  });
  it("refuses unknown input names, wrong types, and the asset inputs the double lacks", async () => {
    const { failures } = await provider.check(URN, {}, { create: 1, environment: { A: 2 }, addPreviousOutputInEnv: "yes", creat: "x", assetPaths: ["*"] });
    expect(failures?.map((f) => f.property).sort()).toEqual(["addPreviousOutputInEnv", "assetPaths", "creat", "create", "environment.A"]);
    expect(failures).toContainEqual({ property: "creat", reason: "Unrecognized field 'creat' on 'local.CommandInputs'" });
  });
});

describe("diff", () => {
  const olds = { create: "a", environment: { E: "1" }, triggers: ["t1"], stdout: "old", stderr: "" };
  it("reports no change for equal inputs, ignoring stdout/stderr", async () => {
    expect(await provider.diff("id", URN, olds, { create: "a", environment: { E: "1" }, triggers: ["t1"] })).toMatchObject({ changes: false, replaces: [] });
  });
  it("replaces only when triggers change (including to an unknown), updates otherwise", async () => {
    expect(await provider.diff("id", URN, olds, { create: "a", environment: { E: "1" }, triggers: ["t2"] })).toMatchObject({ changes: true, replaces: ["triggers"] });
    expect(await provider.diff("id", URN, olds, { create: "a", environment: { E: "1" }, triggers: [unknownValue] })).toMatchObject({ replaces: ["triggers"] });
    expect(await provider.diff("id", URN, olds, { create: "a", environment: { E: "1" } })).toMatchObject({ replaces: ["triggers"] });
    for (const news of [{ create: "b", environment: { E: "1" }, triggers: ["t1"] }, { create: "a", environment: { E: "2" }, triggers: ["t1"] }, { create: "a", environment: { E: "1" }, triggers: ["t1"], delete: "d" }]) {
      expect(await provider.diff("id", URN, olds, news)).toMatchObject({ changes: true, replaces: [] });
    }
  });
  it("counts making a value secret as a change", async () => {
    expect(await provider.diff("id", URN, olds, { create: "a", environment: { E: secret("1") }, triggers: ["t1"] })).toMatchObject({ changes: true });
  });
});

describe("update", () => {
  const olds = { create: `echo created >> ${"$D"}/runs`, environment: { D: "" }, stdout: "prev-out", stderr: "prev-err" };
  beforeEach(() => (olds.environment.D = dir));

  it("re-runs create when there is no update, with the new inputs and the previous outputs in env", async () => {
    const news = { create: 'echo "ran $NEW $PULUMI_COMMAND_STDOUT $PULUMI_COMMAND_STDERR"', environment: { NEW: "n" } };
    const { outs } = await provider.update("id", URN, olds, news);
    expect(outs).toEqual({ ...news, stdout: "ran n prev-out prev-err", stderr: "" });
  });
  it("runs update rather than create when set", async () => {
    const { outs } = await provider.update("id", URN, olds, { create: "echo create", update: "echo update" });
    expect(outs.stdout).toBe("update");
  });
  it("gets no previous outputs with addPreviousOutputInEnv false", async () => {
    const { outs } = await provider.update("id", URN, olds, { update: 'echo "[${PULUMI_COMMAND_STDOUT-unset}]"', addPreviousOutputInEnv: false });
    expect(outs?.stdout).toBe("[unset]");
  });
  it("reads a secret previous stdout as plain text", async () => {
    const { outs } = await provider.update("id", URN, { ...olds, stdout: secret("tok") }, { update: 'echo "$PULUMI_COMMAND_STDOUT"' });
    expect(outs?.stdout).toBe("tok");
  });
  it("keeps the old outputs when neither update nor create is set", async () => {
    const { outs } = await provider.update("id", URN, olds, { delete: "true" });
    expect(outs).toEqual({ delete: "true", stdout: "prev-out", stderr: "prev-err" });
  });
  it("fails with the script's output when the script fails", async () => {
    await expect(provider.update("id", URN, olds, { update: "echo nope; exit 2" })).rejects.toThrow('exit status 2: running "echo nope; exit 2":\nnope\n');
  });
});

describe("delete", () => {
  it("runs the stored delete with the stored inputs and outputs", async () => {
    const state = { create: "x", delete: 'echo "$PULUMI_COMMAND_STDOUT|$K|$(cat)" > deleted', environment: { K: secret("k") }, stdin: "in", dir, stdout: "made", stderr: "" };
    await provider.delete("id", URN, state);
    expect(read("deleted")).toBe("made|k|in\n");
  });
  it("runs nothing without a delete script, and fails when the delete script fails", async () => {
    writeFileSync(join(dir, "keep"), "");
    await provider.delete("id", URN, { create: `rm ${dir}/keep`, stdout: "", stderr: "" });
    expect(read("keep")).toBe("");
    await expect(provider.delete("id", URN, { delete: "exit 1", stdout: "", stderr: "" })).rejects.toThrow(/^exit status 1/);
  });
});

it("reports the @pulumi/command SDK's version", () => {
  expect(provider.version).toBe(commandPackage.version);
});
