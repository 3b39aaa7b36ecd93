import * as pulumi from "@pulumi/pulumi";
import type { mockResourceState } from "../../../scripts/lib/mock-outputs";

/**
 * Pulumi state, emulated for offline plans. The plan mocks draw fresh keys and passwords on every run, but a
 * real `pulumi up` keeps them in state: the same resource (same stack, type, name and inputs) keeps its
 * outputs until it is replaced. Wrapping the mocks' mockResourceState with this memo (vi.mock in the test
 * files) gives two plans in one process exactly that behaviour, so plan diffs show real changes only.
 */
type MockResourceState = typeof mockResourceState;

export const emulation = { enabled: true };

export function withEmulatedState(real: MockResourceState): MockResourceState {
  const state = new Map<string, ReturnType<MockResourceState>>();
  return (args) => {
    if (!emulation.enabled) return real(args);
    // Inputs are part of the key: a resource whose inputs change is re-created (new keys), as a replace would.
    const key = JSON.stringify([pulumi.getStack(), args.type, args.name, args.inputs]);
    let kept = state.get(key);
    if (!kept) {
      kept = real(args);
      state.set(key, kept);
    }
    return structuredClone(kept);
  };
}
