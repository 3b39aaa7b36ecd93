import { resolve } from "node:path";
import { runPlan, type Plan, type PlannedResource } from "../scripts/lib/plan-runner";
import { readStackConfigFile, type StackConfigFile } from "../scripts/lib/stack-config-file";
import { defineStack } from "../stacks/program";

export const ROOT = resolve(__dirname, "..");

/**
 * A stack's config from its Pulumi.<stack>.yaml with top-level keys overridden
 * (`{ tenants: [...] }` replaces `libsql-stack:tenants`; `null` removes the key).
 */
export function stackConfigWith(stack: string, overrides: Record<string, unknown> = {}, file = `Pulumi.${stack}.yaml`): StackConfigFile {
  const { config, secretKeys } = readStackConfigFile(resolve(ROOT, file));
  for (const [key, value] of Object.entries(overrides)) {
    const full = `libsql-stack:${key}`;
    if (value === null) delete config[full];
    else config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { config, secretKeys };
}

/** Plan a stack under mocks from its Pulumi.<stack>.yaml, with overrides as in stackConfigWith. */
export async function planStack(stack: string, overrides: Record<string, unknown> = {}, file = `Pulumi.${stack}.yaml`): Promise<Plan> {
  const { config, secretKeys } = stackConfigWith(stack, overrides, file);
  return runPlan({ stack, config, secretKeys, program: () => defineStack() as unknown as Record<string, unknown> });
}

export function byName(plan: Plan, name: string): PlannedResource {
  const found = plan.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name}; have: ${plan.resources.map((r) => r.name).join(", ")}`);
  return found;
}

export function ofType(plan: Plan, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}

/** The Pulumi.<stack>.yaml config object (parsed), for tests that derive variants from it. */
export function stackYamlConfig(stack: string): Record<string, unknown> {
  const { config } = readStackConfigFile(resolve(ROOT, `Pulumi.${stack}.yaml`));
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^libsql-stack:/, ""), /^[[{]/.test(v) ? JSON.parse(v) : v]));
}
