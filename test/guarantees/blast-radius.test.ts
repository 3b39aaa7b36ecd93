import { beforeAll, describe, expect, it, vi } from "vitest";
import { diffPlans, type PlanDiff } from "../../scripts/lib/plan-diff";
import type { Plan } from "../../scripts/lib/plan-runner";
import { planRevealed } from "../support/policy/revealed-plan";
import { stackYamlConfig } from "../../local/plan";
import { replacedBetween } from "../support/guarantees/emulated-state";

/**
 * Guarantee (b): a config change touches only the resources it is about. Each case plans prod before and
 * after the change with random values kept in state (as a real stack keeps them) and with secrets visible (a
 * changed secret is a real update even though the CLI prints "[secret]"), then asserts the changed set exactly.
 * Where the program touches more than the guarantee promises, the test pins down precisely what and why, so a
 * fix shows up as a (welcome) failure here.
 */
vi.mock("../../scripts/lib/mock-outputs", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../scripts/lib/mock-outputs")>();
  const { withEmulatedState } = await import("../support/guarantees/emulated-state");
  return { ...real, mockResourceState: withEmulatedState(real.mockResourceState) };
});

/**
 * `+name`, `-name`, `~name: keys` (update), `+-name: keys` (replace, by the providers' rules: for a Command
 * only a `triggers` change, see ./support/emulated-state.ts replaceKeyOf) and `outputs: names`.
 */
function changes(d: PlanDiff, replaced: string[] = []): string[] {
  return [
    ...d.create.map((r) => `+${r.name}`),
    ...d.delete.map((r) => `-${r.name}`),
    ...d.update.map((r) => `${replaced.includes(r.name) ? "+-" : "~"}${r.name}: ${r.keys.join(", ")}`),
    ...(d.outputs.changed.length ? [`outputs: ${d.outputs.changed.join(", ")}`] : []),
  ].sort();
}

/** changes() of base → head with replaces told apart from updates. */
const changesBetween = (from: Plan, to: Plan) => changes(diffPlans(from, to, { maskKeyMaterial: false }), replacedBetween(from, to));

const prod = stackYamlConfig("prod");
const tenants = prod.tenants as string[];
const regions = prod.regions as { code: string; role: string; volumeSizeGb: number }[];
const withVolumeSize = (index: number, gb: number) => regions.map((r, i) => (i === index ? { ...r, volumeSizeGb: gb } : r));
/** prod without the optional API app (its deploy settings must go too, or config validation refuses). */
const NO_API = { api: null, deploy: { sqld: (prod.deploy as { sqld: unknown }).sqld } };

let base: Plan;
let baseWithoutApi: Plan;
const after = (overrides: Record<string, unknown>) => planRevealed("prod", overrides);

beforeAll(async () => {
  base = await planRevealed("prod");
  baseWithoutApi = await planRevealed("prod", NO_API);
});

describe("blast radius (prod)", () => {
  it("re-planning without a change changes nothing", async () => {
    expect(changes(diffPlans(base, await after({}), { maskKeyMaterial: false }))).toEqual([]);
  });

  describe("adding a tenant", () => {
    it("changes only the namespace set and the gateway's tenant allow-list when no API app runs", async () => {
      // Updates, not replaces: the namespaces script's own keep/delete logic handles the set (and gives the new
      // tenant its signing key: TENANTS), and the Worker's TENANTS binding must list the new tenant or the gateway
      // answers "tenant not found" for it.
      expect(changesBetween(baseWithoutApi, await after({ ...NO_API, tenants: [...tenants, "umbrella"] }))).toEqual([
        "~gateway-script: bindings[TENANTS].json",
        "~sqld-namespaces: environment.NAMESPACES, environment.TENANTS",
      ]);
    });

    it("also re-issues the API app's service token, which lists every tenant (exceeds the guarantee)", async () => {
      const d = changesBetween(base, await after({ tenants: [...tenants, "umbrella"] }));
      // api-secrets: DATABASE_AUTH_TOKEN is a JWT scoped to all tenants (stacks/database.ts mintServiceToken),
      // re-imported without --stage, so Fly restarts the API machines when a tenant is added.
      expect(d).toEqual(["~api-secrets: stdin", "~gateway-script: bindings[TENANTS].json", "~sqld-namespaces: environment.NAMESPACES, environment.TENANTS"]);
    });
  });

  describe("changing one region's volume size", () => {
    it("changes only that region's volume for a replica region", async () => {
      // An update (the volume script re-runs), not a replace: triggers hold only the app name.
      expect(changesBetween(base, await after({ regions: withVolumeSize(1, 40) }))).toEqual([`~sqld-volume-${regions[1]!.code}: create`]);
    });

    it("also redeploys sqld for the primary region, whose size is fly.toml's initial_size (exceeds the guarantee)", async () => {
      const d = changesBetween(base, await after({ regions: withVolumeSize(0, 40) }));
      // infra/sqld/cluster.ts passes the primary's volumeSizeGb as [[mounts]] initial_size; the fly.toml change
      // re-runs `fly deploy` and, through the rollout digest, the post-deploy check.
      // database-verify's triggers hold the rollout digest: the check is replaced, i.e. runs again (no state).
      expect(d).toEqual(["+-database-verify: triggers[0]", "~sqld-deploy: environment.FLY_TOML", `~sqld-volume-${regions[0]!.code}: create`]);
    });
  });

  describe("rotating the signing key (auth.signingKeyVersion 1 → 2)", () => {
    // sqld-namespaces: every tenant's key is derived from the signing key, so the step sets the new ones, and
    // keeps the ones derived from the previous key (LIBSQL_STACK_PREVIOUS_SIGNING_KEY) until it is retired.
    // keys-signing-key-v1 stays: sqld verifies tokens of both keys until auth.retiredSigningKeyVersion: 1.
    const KEY_SQLD_WORKER = [
      "+keys-signing-key-v2",
      "~gateway-script: bindings[JWT_PRIVATE_KEY].text",
      "~sqld-namespaces: environment.LIBSQL_STACK_PREVIOUS_SIGNING_KEY, environment.LIBSQL_STACK_SIGNING_KEY",
      "~sqld-secrets: stdin",
    ];

    it("replaces the key and updates sqld's secrets, the Worker and the post-deploy check (no API app)", async () => {
      const d = changesBetween(baseWithoutApi, await after({ ...NO_API, auth: { signingKeyVersion: 2 } }));
      // database-verify carries the signing key to mint its own check token: an update re-runs it with the new key.
      expect(d).toEqual([...KEY_SQLD_WORKER, "~database-verify: environment.JWT_PRIVATE_KEY", "outputs: jwtPublicKeyPem"].sort());
    });

    it("also re-signs the API app's token when the API app runs (exceeds the guarantee)", async () => {
      expect(changesBetween(base, await after({ auth: { signingKeyVersion: 2 } }))).toEqual(
        [...KEY_SQLD_WORKER, "~database-verify: environment.JWT_PRIVATE_KEY", "~api-secrets: stdin", "outputs: jwtPublicKeyPem"].sort(),
      );
    });

    it("keeps the admin key and the gateway API key", async () => {
      const rotated = await after({ auth: { signingKeyVersion: 2 } });
      const d = diffPlans(base, rotated, { maskKeyMaterial: false });
      expect(d.update.find((u) => u.name === "sqld-namespaces")!.keys).toEqual(["environment.LIBSQL_STACK_PREVIOUS_SIGNING_KEY", "environment.LIBSQL_STACK_SIGNING_KEY"]);
      expect(d.update.find((u) => u.name === "gateway-script")!.keys).not.toContain("bindings[GATEWAY_API_KEY].text");
    });

    it("the second up (auth.retiredSigningKeyVersion: 1) deletes v1 and drops it from sqld only: the Worker and the API app keep v2", async () => {
      const firstUp = await after({ auth: { signingKeyVersion: 2 } });
      expect(changesBetween(firstUp, await after({ auth: { signingKeyVersion: 2, retiredSigningKeyVersion: 1 } }))).toEqual([
        "-keys-signing-key-v1",
        "~sqld-namespaces: environment.LIBSQL_STACK_PREVIOUS_SIGNING_KEY",
        "~sqld-secrets: stdin",
      ]);
    });
  });
});
