import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../../../scripts/lib/plan-runner";
import type { mockResourceState } from "../../../scripts/lib/mock-outputs";

/**
 * Pulumi state, emulated for offline plans. The plan mocks draw fresh keys and passwords on every run, but a
 * real `pulumi up` keeps a resource's outputs in state until it is REPLACED; an update keeps them (or, for a
 * Command, re-runs its script). Wrapping the mocks' mockResourceState with this memo (vi.mock in the test files)
 * gives two plans in one process exactly that behaviour, so plan diffs show real changes only, and
 * `replacedBetween` tells a replace from an update with the providers' own rules (`replaceKeyOf`).
 */
type MockResourceState = typeof mockResourceState;

export const emulation = { enabled: true };

/** Types whose every input forces a replace: all their attributes are RequiresReplace/ForceNew upstream. */
const REPLACE_ON_ANY_INPUT = new Set([
  // terraform-provider-tls tls_private_key: algorithm, rsa_bits, ecdsa_curve all RequiresReplace.
  "tls:index/privateKey:PrivateKey",
  // terraform-provider-random random_password / random_string: every attribute (length, special, keepers, …)
  // RequiresReplace.
  "random:index/randomPassword:RandomPassword",
  "random:index/randomString:RandomString",
]);

/**
 * What must change for a resource to be replaced, as a comparable string; `null` when this emulation does not
 * know the type's replace rule (then any change counts as an update):
 *  - command:local:Command: only `triggers` (pulumi-command v1.2.1 provider/pkg/provider/common/inputs.go
 *    ResourceInputs.Triggers is the only `provider:"replaceOnChanges"` input; create/update/delete/environment/
 *    stdin changes are updates: provider/pkg/provider/local/commandController.go Command.Update);
 *  - tls/random: every input (above);
 *  - Cloudflare (bridged Terraform v5) and components: not modelled. Their mock outputs are their inputs, so
 *    this only affects how a change is labelled; a change of e.g. a Worker's accountId/scriptName would be a
 *    replace in reality and is reported here as an update.
 */
export function replaceKeyOf(type: string, inputs: Record<string, unknown>): string | null {
  if (type === "command:local:Command") return JSON.stringify(inputs.triggers ?? null);
  if (REPLACE_ON_ANY_INPUT.has(type)) return JSON.stringify(inputs);
  return null;
}

/** Names of the resources present in both plans that the engine would replace (not update). */
export function replacedBetween(base: Plan, head: Plan): string[] {
  const before = new Map(base.resources.map((r) => [`${r.type}::${r.name}`, r]));
  return head.resources
    .filter((r) => {
      const old = before.get(`${r.type}::${r.name}`);
      if (!old) return false;
      const key = replaceKeyOf(r.type, r.inputs);
      return key !== null && key !== replaceKeyOf(old.type, old.inputs);
    })
    .map((r) => r.name)
    .sort();
}

export function withEmulatedState(real: MockResourceState): MockResourceState {
  const state = new Map<string, ReturnType<MockResourceState>>();
  return (args) => {
    if (!emulation.enabled) return real(args);
    const inputs = args.inputs as Record<string, unknown>;
    const replaceKey = replaceKeyOf(args.type, inputs);
    if (replaceKey === null) return real(args); // outputs = inputs: nothing random to keep
    // Same stack, type, name and replace key → same resource in state: its outputs are kept.
    const key = JSON.stringify([pulumi.getStack(), args.type, args.name, replaceKey]);
    let kept = state.get(key);
    if (!kept) {
      kept = real(args);
      state.set(key, kept);
    }
    if (args.type === "command:local:Command") {
      // An update stores the new inputs and re-runs the script. Output the mocks derive from the script follows
      // it; output they draw at random (a minted token) stays the previous one, as the token's `update` script
      // re-prints it (infra/turso/scripts.ts databaseTokenScripts).
      const fresh = real(args).state as { stdout: unknown; stderr: unknown };
      const deterministic = fresh.stdout === (real(args).state as { stdout: unknown }).stdout;
      const { stdout, stderr } = (deterministic ? fresh : kept.state) as { stdout: unknown; stderr: unknown };
      return structuredClone({ id: kept.id, state: { ...inputs, stdout, stderr } });
    }
    return structuredClone(kept);
  };
}
