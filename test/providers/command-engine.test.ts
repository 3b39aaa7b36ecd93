/**
 * The pulumi-command TEST DOUBLE (local/doubles/providers) under the real Pulumi engine: a one-Command TypeScript project
 * through up (create), up (update), preview, up (replace) and destroy. Skipped when no engine is built
 * (local/workspace.ts engineBin: PULUMI_ENGINE_BIN, else <repo>/.engine/bin).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineBin, REPO_ROOT, Workspace } from "../../local/workspace";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { local } from "@pulumi/command";
const config = new pulumi.Config();
const log = config.require("log");
const command = new local.Command("c", {
  create: (config.get("fail") ? "echo boom; exit 7; " : "") + \`echo "create v=$V prev=\${"$"}{PULUMI_COMMAND_STDOUT-none}" >> \${log}; echo "out-$V"\`,
  delete: \`echo "delete \${config.require("tag")} v=$V prev=$PULUMI_COMMAND_STDOUT" >> \${log}\`,
  environment: { V: config.require("v"), SECRET: config.requireSecret("token") },
  triggers: [config.require("trigger")],
});
export const stdout = command.stdout;
export const environment = command.environment;
`;

describe.skipIf(!engineBin())("pulumi-command double under the real engine", () => {
  let ws: Workspace;
  let logFile: string;

  const run = (...args: string[]) => ws.pulumi(args, { allowFailure: true });
  const pulumi = async (...args: string[]) => (await ws.pulumi(args)).stdout;
  const setConfig = (key: string, value: string) => pulumi("config", "set", key, value);
  const logLines = () => (existsSync(logFile) ? readFileSync(logFile, "utf8").trim().split("\n") : []);
  const outputs = async () => JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets")) as Record<string, unknown>;

  beforeAll(async () => {
    ws = Workspace.forProgram("command-engine", {
      "Pulumi.yaml": "name: command-double-smoke\nruntime: nodejs\nmain: index.ts\n",
      "index.ts": PROGRAM,
      "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", moduleResolution: "node", target: "ES2022", esModuleInterop: true } }),
      "package.json": JSON.stringify({ name: "command-double-smoke", private: true }),
    });
    logFile = join(ws.root, "scripts.log");
    await ws.initStack("t");
    await setConfig("log", logFile);
    await setConfig("tag", "first");
    await setConfig("v", "1");
    await setConfig("trigger", "a");
    await pulumi("config", "set", "--secret", "token", "s3cret");
  });
  afterAll(() => ws?.cleanup());

  it("creates, updates (re-running create with the previous stdout), previews without running, replaces, destroys from state", { timeout: 600_000 }, async () => {
    const firstUp = await pulumi("up", "--yes", "--skip-preview");
    // The engine used the double (an ambient plugin from PATH), not an installed pulumi-command.
    expect(firstUp).toContain(`using pulumi-resource-command from $PATH at ${join(REPO_ROOT, "local/doubles/providers/bin/pulumi-resource-command")}`);
    expect(logLines()).toEqual(["create v=1 prev=none"]);
    expect((await outputs()).stdout).toBe("out-1");

    // A non-trigger input (environment) changes: an update; no `update` script, so `create` runs again.
    await setConfig("v", "2");
    await pulumi("up", "--yes", "--skip-preview");
    expect(logLines()).toEqual(["create v=1 prev=none", "create v=2 prev=out-1"]);
    expect(await outputs()).toMatchObject({ stdout: "out-2", environment: { V: "2", SECRET: "s3cret" } });
    // The secret environment value stays a secret in the state.
    expect(await pulumi("stack", "output", "environment")).not.toContain("s3cret");

    // A preview runs no script.
    await setConfig("trigger", "b");
    await pulumi("preview");
    expect(logLines()).toHaveLength(2);

    // A trigger changes: replace — the new Command is created, then the old one's delete runs with its own state.
    await setConfig("tag", "second");
    await pulumi("up", "--yes", "--skip-preview");
    expect(logLines().slice(2)).toEqual(["create v=2 prev=none", "delete first v=2 prev=out-2"]);

    // destroy runs the delete script stored in the state, not the program's current one.
    await setConfig("tag", "third");
    await pulumi("destroy", "--yes", "--skip-preview");
    expect(logLines().slice(4)).toEqual(["delete second v=2 prev=out-2"]);

    // A failing create: the error carries the script's output, and no Command is recorded in the state.
    await setConfig("fail", "true");
    const failed = await run("up", "--yes", "--skip-preview");
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toContain("exit status 7: running");
    expect(failed.stdout).toContain("boom");
    const state = JSON.parse(await pulumi("stack", "export")) as { deployment: { resources?: { type: string }[] } };
    expect((state.deployment.resources ?? []).map((r) => r.type)).not.toContain("command:local:Command");
  });
});
