import * as pulumi from "@pulumi/pulumi";
import { runPlan, SECRET, type Plan } from "../../../scripts/lib/plan-runner";
import { defineStack } from "../../../stacks/program";
import { stackConfigWith } from "../../../local/plan";

/**
 * The offline plan as a policy pack sees it. The plan CLI prints secrets as "[secret]" (and a secret inside a
 * list, like one Worker binding, hides the whole list), but the Pulumi engine hands policies the plain values.
 * A second stack transformation captures each resource's raw inputs; after the run, every "[secret]" in the
 * plan is replaced by the value at the same place in those inputs. Everything else stays exactly as the mock
 * monitor recorded it.
 */
export async function planRevealed(stack: string, overrides: Record<string, unknown> = {}): Promise<Plan> {
  const { config, secretKeys } = stackConfigWith(stack, overrides);
  const captured = new Map<string, pulumi.Output<unknown>>();
  const plan = await runPlan({
    stack,
    config,
    secretKeys,
    program: () => {
      pulumi.runtime.registerStackTransformation((t) => {
        captured.set(`${t.type}::${t.name}`, pulumi.output(t.props));
        return undefined;
      });
      return defineStack() as unknown as Record<string, unknown>;
    },
  });
  const raw = new Map<string, unknown>();
  for (const [key, output] of captured) raw.set(key, await new Promise((r) => output.apply(r)));
  return {
    ...plan,
    resources: plan.resources.map((r) => ({ ...r, inputs: reveal(r.inputs, raw.get(`${r.type}::${r.name}`)) as Record<string, unknown> })),
  };
}

/** Put the raw value back wherever the redacted one says "[secret]". */
export function reveal(redacted: unknown, raw: unknown): unknown {
  if (redacted === SECRET) return raw ?? SECRET;
  if (Array.isArray(redacted)) return redacted.map((v, i) => reveal(v, Array.isArray(raw) ? raw[i] : undefined));
  if (redacted && typeof redacted === "object") {
    const source = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(redacted).map(([k, v]) => [k, reveal(v, source[k])]));
  }
  return redacted;
}

/** A deep copy with one resource's inputs edited: the bad variants that config validation would refuse. */
export function withInputs(plan: Plan, name: string, edit: (inputs: Record<string, any>) => void): Plan {
  const copy = structuredClone(plan);
  const target = copy.resources.find((r) => r.name === name);
  if (!target) throw new Error(`no resource ${name} in the ${plan.stack} plan`);
  edit(target.inputs);
  return copy;
}
