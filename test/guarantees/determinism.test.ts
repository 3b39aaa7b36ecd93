import { afterEach, describe, expect, it, vi } from "vitest";
import { diffPlans, type PlanDiff } from "../../scripts/lib/plan-diff";
import { planRevealed } from "../support/policy/revealed-plan";
import { planStack } from "../../local/plan";
import { emulation } from "../support/guarantees/emulated-state";

/**
 * Guarantee (a): planning a stack twice gives the same inputs, apart from the random values Pulumi keeps in
 * state (the Ed25519 signing key, the sqld admin key, the gateway API key). Checked three ways:
 *  - fresh random values on each run, plain values (what the engine and policies see): exactly the fields
 *    derived from those keys differ, listed below;
 *  - the CLI's view ("[secret]"): nothing differs but the public key output, which plan:diff masks;
 *  - with state emulated (same resource → same random outputs, as in a real stack): nothing differs at all.
 */
vi.mock("../../scripts/lib/mock-outputs", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../scripts/lib/mock-outputs")>();
  const { withEmulatedState } = await import("../support/guarantees/emulated-state");
  return { ...real, mockResourceState: withEmulatedState(real.mockResourceState) };
});

/** Resource → changed fields, outputs under "outputs"; the compact form the assertions compare. */
function changedFields(d: PlanDiff): Record<string, string[]> {
  expect(d.create).toEqual([]);
  expect(d.delete).toEqual([]);
  const fields: Record<string, string[]> = Object.fromEntries(d.update.map((u) => [u.name, u.keys]));
  if (d.outputs.changed.length > 0) fields.outputs = d.outputs.changed;
  return fields;
}

/** Every input that carries (or is derived from) a key drawn at random, per stack. */
const RANDOM_DERIVED = {
  // sqld's secrets on stdin: LIBSQL_ADMIN_AUTH_KEY and SQLD_AUTH_JWT_KEY.
  "sqld-secrets": ["stdin"],
  // ... and the signing key, from which it derives each tenant's key.
  "sqld-namespaces": ["environment.LIBSQL_ADMIN_AUTH_KEY", "environment.LIBSQL_STACK_SIGNING_KEY"],
  // The post-deploy check mints its own short-lived token with the signing key.
  "database-verify": ["environment.JWT_PRIVATE_KEY"],
  "gateway-script": ["bindings[JWT_PRIVATE_KEY].text", "bindings[GATEWAY_API_KEY].text"],
  // Replication mTLS: CSRs and certificates are signed with freshly drawn ECDSA keys.
  "sqld-replication-tls-ca": ["privateKeyPem"],
  "sqld-replication-tls-server-csr": ["privateKeyPem"],
  "sqld-replication-tls-server-cert": ["caPrivateKeyPem"],
  "sqld-replication-tls-client-csr": ["privateKeyPem"],
  "sqld-replication-tls-client-cert": ["caPrivateKeyPem"],
  outputs: ["jwtPublicKeyPem"],
};
const EXPECTED: Record<string, Record<string, string[]>> = {
  dev: RANDOM_DERIVED,
  // prod also runs the API app, whose DATABASE_AUTH_TOKEN is signed with the signing key.
  prod: { ...RANDOM_DERIVED, "api-secrets": ["stdin"] },
};

afterEach(() => {
  emulation.enabled = true;
});

describe.each(["dev", "prod"])("determinism of the %s plan", (stack) => {
  it("differs between fresh runs only in the fields derived from random keys", async () => {
    emulation.enabled = false;
    const [first, second] = [await planRevealed(stack), await planRevealed(stack)];
    const changed = changedFields(diffPlans(first, second, { maskKeyMaterial: false }));
    expect(changed).toEqual(EXPECTED[stack]);
    // Same resources, same order, same options: only values differ.
    const shape = (p: typeof first) => p.resources.map(({ type, name, parent, protect, retainOnDelete, dependsOn }) => ({ type, name, parent, protect, retainOnDelete, dependsOn }));
    expect(shape(second)).toEqual(shape(first));
  });

  it("prints identical JSON through the CLI view once key material is masked", async () => {
    emulation.enabled = false;
    const [first, second] = [await planStack(stack), await planStack(stack)];
    expect(changedFields(diffPlans(first, second, { maskKeyMaterial: false }))).toEqual({ outputs: ["jwtPublicKeyPem"] });
    expect(changedFields(diffPlans(first, second))).toEqual({});
  });

  it("is identical when random values are kept in state, as a real stack keeps them", async () => {
    const [first, second] = [await planRevealed(stack), await planRevealed(stack)];
    expect(second).toEqual(first);
  });
});
