/**
 * Runs the create scripts of a plan's Fly Commands the way `pulumi up` runs local.Command resources: `sh -c`,
 * dependencies first, a failed Command skips its dependents but not independent Commands, and a Command that
 * succeeded once is not run again by a later `up` (pulumi-command only re-runs on input changes).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Plan, PlannedResource } from "../../../scripts/lib/plan-runner";
import { runScript, type FakeFlyEnv } from "../../../local/doubles/fake-fly/harness";
import { secretNamesOf } from "../../../local/sqld/cluster";

export interface PlannedCommand {
  name: string;
  dependsOn: string[];
  create: string;
  environment: Record<string, string>;
  stdin?: string;
}

/**
 * The plan's Commands named by `include`. A secret stdin (`[secret]` in a plan) gets NAME=VALUE lines for the names
 * its delete script unsets: the value from `secretValues`, or a test value when none is given.
 */
export function flyCommandsOf(plan: Plan, include: (name: string) => boolean, secretValues?: Record<string, string>): PlannedCommand[] {
  const commands = plan.resources.filter((r) => r.type === "command:local:Command" && include(r.name));
  const names = new Set(commands.map((c) => c.name));
  const secretValueOf = (name: string, i: number) => {
    if (!secretValues) return `test-value-${i}`;
    const value = secretValues[name];
    if (value === undefined) throw new Error(`the plan sets secret ${name}, which has no value here`);
    return value;
  };
  return commands.map((r: PlannedResource) => {
    const inputs = r.inputs as { create: string; delete?: string; environment?: Record<string, string>; stdin?: string };
    let stdin = inputs.stdin;
    if (stdin === "[secret]") {
      if (!inputs.delete) throw new Error(`${r.name}: a secret stdin without a delete script to read the names from`);
      stdin = secretNamesOf(inputs.delete).map((n, i) => `${n}=${secretValueOf(n, i)}`).join("\n") + "\n";
    }
    for (const [k, v] of Object.entries(inputs.environment ?? {})) {
      if (v === "[secret]") throw new Error(`${r.name}: environment ${k} is secret; this runner has no test value for it`);
    }
    return { name: r.name, dependsOn: r.dependsOn.filter((d) => names.has(d)), create: inputs.create, environment: inputs.environment ?? {}, stdin };
  });
}

/** Commands in an order where each comes after everything it depends on (stable: plan order otherwise). */
export function inDependencyOrder(commands: PlannedCommand[]): PlannedCommand[] {
  const done = new Set<string>();
  const ordered: PlannedCommand[] = [];
  while (ordered.length < commands.length) {
    const next = commands.find((c) => !done.has(c.name) && c.dependsOn.every((d) => done.has(d)));
    if (!next) throw new Error(`dependency cycle among ${commands.filter((c) => !done.has(c.name)).map((c) => c.name).join(", ")}`);
    done.add(next.name);
    ordered.push(next);
  }
  return ordered;
}

export interface UpResult {
  /** Commands that ran and exited 0 in this run. */
  succeeded: string[];
  failed: { name: string; stderr: string }[];
  /** Index range in the fake's calls log of each Command that ran in this run. */
  callsOf: Record<string, [from: number, to: number]>;
}

/**
 * One `pulumi up`: runs every Command not in `created` whose dependencies are created, adds the ones that
 * succeed to `created`. `beforeCommand` sees each Command about to run (e.g. to snapshot the fake's state).
 */
export function up(
  commands: PlannedCommand[],
  fake: FakeFlyEnv,
  created: Set<string>,
  extraEnv: Record<string, string> = {},
  beforeCommand?: (name: string) => void,
): UpResult {
  const result: UpResult = { succeeded: [], failed: [], callsOf: {} };
  const cwd = fs.mkdtempSync(path.join(fake.stateDir, "cwd-"));
  for (const c of inDependencyOrder(commands)) {
    if (created.has(c.name) || !c.dependsOn.every((d) => created.has(d))) continue;
    beforeCommand?.(c.name);
    const from = fake.calls().length;
    const run = runScript(c.create, { env: { ...fake.env, ...c.environment, ...extraEnv }, stdin: c.stdin, cwd });
    result.callsOf[c.name] = [from, fake.calls().length];
    if (run.code === 0) {
      created.add(c.name);
      result.succeeded.push(c.name);
    } else {
      result.failed.push({ name: c.name, stderr: run.stderr });
    }
  }
  return result;
}
