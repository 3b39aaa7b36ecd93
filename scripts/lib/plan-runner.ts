import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../infra/config/parse";
import { mockResourceState } from "./mock-outputs";
import { findSecretPaths, redactSecrets, SECRET } from "./secret-redaction";

// Internal SDK helper: exported at runtime, marked @internal in the typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export { SECRET } from "./secret-redaction";

export interface PlannedResource {
  type: string;
  name: string;
  parent: string | null;
  custom: boolean;
  inputs: Record<string, unknown>;
  protect: boolean;
  retainOnDelete: boolean;
  dependsOn: string[];
}

export interface Plan {
  project: string;
  stack: string;
  mode: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export interface PlanInput {
  stack: string;
  /** Full keys (`libsql-stack:mode`) → string values, as Pulumi hands config to a program. */
  config: Record<string, string>;
  /** Full keys whose values are secrets. */
  secretKeys: string[];
  /** Builds the stack and returns its outputs; called after the mocks are in place. */
  program: () => Record<string, unknown>;
}

async function resolveOutput(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    if (await pulumi.isSecret(output)) return SECRET;
    return resolveOutput(await new Promise((resolve) => output.apply(resolve)));
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutput));
  if (value && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutput(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

function dependencyNames(dependsOn: unknown, names: WeakMap<object, string>): string[] {
  const list = Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : [];
  return list.map((r) => names.get(r as object)).filter((n): n is string => n !== undefined);
}

/**
 * Run the program under Pulumi mocks and collect every resource with its inputs and options.
 * Options (protect, retainOnDelete, dependsOn, parent) are only visible to a stack transformation under mocks,
 * inputs only to the mock monitor: the two are joined by type and name.
 */
export async function runPlan(input: PlanInput): Promise<Plan> {
  const inputsByUrn = new Map<string, { inputs: Record<string, unknown>; custom: boolean }>();
  const secretPathsByUrn = new Map<string, Promise<(string | number)[][]>>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        inputsByUrn.set(`${args.type}::${args.name}`, { inputs: args.inputs as Record<string, unknown>, custom: args.custom ?? true });
        return mockResourceState(args);
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    input.stack,
    false,
  );
  pulumi.runtime.setAllConfig(input.config, input.secretKeys);

  const names = new WeakMap<object, string>();
  const ordered: Omit<PlannedResource, "inputs" | "custom">[] = [];
  // The Stack resource unwraps the returned outputs (losing secretness); keep the program's own objects.
  let programOutputs: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((t) => {
      names.set(t.resource, t.name);
      secretPathsByUrn.set(`${t.type}::${t.name}`, findSecretPaths(t.props));
      const parent = t.opts.parent && names.get(t.opts.parent);
      ordered.push({
        type: t.type,
        name: t.name,
        parent: parent ?? null,
        protect: t.opts.protect === true,
        retainOnDelete: (t.opts as pulumi.CustomResourceOptions).retainOnDelete === true,
        dependsOn: dependencyNames(t.opts.dependsOn, names),
      });
      return undefined;
    });
    programOutputs = input.program();
    return programOutputs;
  });
  const resolved = (await resolveOutput(programOutputs)) as Record<string, unknown>;
  await settings.waitForRPCs();
  const resources: PlannedResource[] = [];
  for (const r of ordered) {
    const urn = `${r.type}::${r.name}`;
    const seen = inputsByUrn.get(urn);
    const inputs = redactSecrets(seen?.inputs ?? {}, await secretPathsByUrn.get(urn)) as Record<string, unknown>;
    // Key order as DESIGN.md documents it.
    const { type, name, parent, protect, retainOnDelete, dependsOn } = r;
    resources.push({ type, name, parent, custom: seen?.custom ?? true, inputs, protect, retainOnDelete, dependsOn });
  }
  return { project: PROJECT, stack: input.stack, mode: String(resolved.mode ?? ""), resources, outputs: resolved };
}
