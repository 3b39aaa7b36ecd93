import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Plan, PlannedResource } from "../../../scripts/lib/plan-runner";

/**
 * Runs policy objects over an offline plan the way the Pulumi engine would call them, without the policy
 * runtime (a PolicyPack would start a gRPC server). Plan resources become policy resources: type, name,
 * props = inputs, opts.protect, and a URN built like the engine builds it (stack, project, parent type chain).
 */
export interface Violation {
  policy: string;
  /** Resource name for resource policies (or the URN a stack policy reported), undefined for stack-wide ones. */
  resource?: string;
  message: string;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

class NotApplicable extends Error {}

function urnOf(plan: Plan, r: PlannedResource, byName: Map<string, PlannedResource>): string {
  const chain: string[] = [r.type];
  for (let p = r.parent && byName.get(r.parent); p; p = p.parent ? byName.get(p.parent) : undefined) chain.unshift(p.type);
  return `urn:pulumi:${plan.stack}::${plan.project}::${chain.join("$")}::${r.name}`;
}

function options(protect: boolean, parent?: string): PolicyResourceOptions {
  return {
    protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent,
  };
}

/** The plan's resources in the shape of @pulumi/policy's PolicyResource (parents and dependencies linked). */
export function policyResources(plan: Plan): PolicyResource[] {
  const byName = new Map(plan.resources.map((r) => [r.name, r]));
  const out = new Map<string, PolicyResource>();
  for (const r of plan.resources) {
    const urn = urnOf(plan, r, byName);
    out.set(r.name, {
      type: r.type,
      name: r.name,
      urn,
      props: r.inputs,
      opts: options(r.protect, r.parent ? urnOf(plan, byName.get(r.parent)!, byName) : undefined),
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    });
  }
  for (const r of plan.resources) {
    const res = out.get(r.name)!;
    res.parent = r.parent ? out.get(r.parent) : undefined;
    res.dependencies = r.dependsOn.map((d) => out.get(d)).filter((d): d is PolicyResource => d !== undefined);
  }
  return [...out.values()];
}

const common = {
  stackTags: new Map<string, string>() as ReadonlyMap<string, string>,
  getConfig: <T extends object>() => ({}) as T,
  notApplicable: (reason?: string): never => {
    throw new NotApplicable(reason);
  },
};

async function guard(run: () => Promise<void> | void): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (!(e instanceof NotApplicable)) throw e;
  }
}

/** Every violation every policy reports for the plan. */
export async function runPolicies(policies: readonly AnyPolicy[], plan: Plan): Promise<Violation[]> {
  const resources = policyResources(plan);
  const violations: Violation[] = [];
  for (const policy of policies) {
    if ("validateStack" in policy) {
      const args: StackValidationArgs = { ...common, resources };
      await guard(() =>
        policy.validateStack(args, (message, urn) => violations.push({ policy: policy.name, resource: urn?.split("::").pop(), message })),
      );
      continue;
    }
    const validations = [policy.validateResource ?? []].flat();
    for (const r of resources) {
      const args: ResourceValidationArgs = { ...common, type: r.type, props: r.props, urn: r.urn, name: r.name, opts: r.opts, isType: () => false, asType: () => undefined };
      for (const validate of validations) {
        await guard(() => validate(args, (message) => violations.push({ policy: policy.name, resource: r.name, message })));
      }
    }
  }
  return violations;
}

/** policy name → number of violations (0 for every policy that found nothing). */
export function countByPolicy(policies: readonly AnyPolicy[], violations: readonly Violation[]): Record<string, number> {
  return Object.fromEntries(policies.map((p) => [p.name, violations.filter((v) => v.policy === p.name).length]));
}

/** A fixed-width table for the test log: rows are variants, columns numbered policies (legend below). */
export function formatMatrix(policies: readonly AnyPolicy[], rows: Record<string, Record<string, number>>): string {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  const header = `${"variant".padEnd(width)} | ${policies.map((_, i) => `P${i + 1}`.padStart(3)).join(" ")}`;
  const lines = Object.entries(rows).map(
    ([variant, counts]) => `${variant.padEnd(width)} | ${policies.map((p) => String(counts[p.name] || "·").padStart(3)).join(" ")}`,
  );
  const legend = policies.map((p, i) => `P${i + 1} = ${p.name}`);
  return [header, "-".repeat(header.length), ...lines, "", ...legend].join("\n");
}
