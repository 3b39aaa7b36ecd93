import { describe, expect, it, vi } from "vitest";
import type { Plan } from "../../scripts/lib/plan-runner";
import { planRevealed } from "../support/policy/revealed-plan";
import { replacedBetween, withEmulatedState } from "../support/guarantees/emulated-state";

/**
 * Guarantee: changing what a stateful resource IS (fly.app, api.app, turso.org/group/database) is a replace,
 * which `protect` refuses in prod, and never an update that would quietly create a new, empty app or database
 * and repoint everything at it. pulumi-command v1.2.1 replaces a Command only when its `triggers` change
 * (provider/pkg/provider/common/inputs.go ResourceInputs.Triggers), so identity must be in `triggers`.
 */
vi.mock("../../scripts/lib/mock-outputs", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../scripts/lib/mock-outputs")>();
  const { withEmulatedState: wrap } = await import("../support/guarantees/emulated-state");
  return { ...real, mockResourceState: wrap(real.mockResourceState) };
});

const MANAGED = { mode: "managed", fly: null, regions: null, sqld: null, tenants: null, turso: { org: "acme", location: "aws-eu-west-1", database: "acme-prod" } };
const protectedOf = (plan: Plan, names: string[]) => names.filter((n) => plan.resources.find((r) => r.name === n)?.protect === true);

describe("identity changes are replaces (prod)", () => {
  it("a renamed fly.app replaces the app, every volume and the namespaces, all protected (so `up` refuses)", async () => {
    const [before, after] = [await planRevealed("prod"), await planRevealed("prod", { fly: { org: "acme", app: "acme-sqld-prod2" } })];
    const replaced = replacedBetween(before, after);
    const stateful = ["sqld-app", "sqld-namespaces", "sqld-volume-ams", "sqld-volume-iad", "sqld-volume-sin"];
    expect(replaced).toEqual(expect.arrayContaining(stateful));
    expect(protectedOf(after, stateful)).toEqual(stateful);
  });

  it("a renamed api.app replaces the (stateless, unprotected) API app", async () => {
    const before = await planRevealed("prod");
    const api = { app: "acme-api-prod2", image: "registry.fly.io/acme-api:1.4.2", regions: ["ams", "iad"], healthCheck: { path: "/healthz" }, minMachines: 1, autoStop: "off" };
    const after = await planRevealed("prod", { api });
    expect(replacedBetween(before, after)).toEqual(["api-app"]);
    expect(protectedOf(after, ["api-app"])).toEqual([]);
  });

  it("a renamed turso.database replaces the database (protected) and its tokens", async () => {
    const before = await planRevealed("prod", MANAGED);
    const after = await planRevealed("prod", { ...MANAGED, turso: { ...MANAGED.turso, database: "acme-prod2" } });
    // database-verify's triggers hold the rollout digest: the post-deploy check runs again (it keeps no state).
    expect(replacedBetween(before, after)).toEqual(["database-verify", "turso-database", "turso-read-token", "turso-token"]);
    expect(protectedOf(after, ["turso-database"])).toEqual(["turso-database"]);
  });

  it("another turso.org replaces group, database and both tokens", async () => {
    const before = await planRevealed("prod", MANAGED);
    const after = await planRevealed("prod", { ...MANAGED, turso: { ...MANAGED.turso, org: "acme2" } });
    expect(replacedBetween(before, after)).toEqual(["database-verify", "turso-database", "turso-group", "turso-read-token", "turso-token"]);
  });

  it("a token rotation replaces only the two tokens", async () => {
    const before = await planRevealed("prod", MANAGED);
    const after = await planRevealed("prod", { ...MANAGED, turso: { ...MANAGED.turso, tokenRotation: "2" } });
    expect(replacedBetween(before, after)).toEqual(["database-verify", "turso-read-token", "turso-token"]);
  });
});

describe("the emulated engine follows the providers' replace rules", () => {
  let draws = 0;
  const real = (args: { type: string; name: string; inputs: Record<string, unknown> }) => ({
    id: `${args.name}-id`,
    state: { ...args.inputs, stdout: args.name === "tok" ? `random-${++draws}` : `for ${String(args.inputs.create)}`, stderr: "", result: `r${++draws}` },
  });
  const engine = withEmulatedState(real as never);
  const run = (type: string, name: string, inputs: Record<string, unknown>) =>
    (engine({ type, name, inputs, provider: "", id: "", custom: true } as never) as { state: Record<string, unknown> }).state;

  it("a Command whose create changes is updated: random stdout kept, derived stdout follows the script", () => {
    const first = run("command:local:Command", "tok", { create: "a", triggers: ["1"] });
    const updated = run("command:local:Command", "tok", { create: "b", triggers: ["1"] });
    expect(updated).toMatchObject({ create: "b", stdout: first.stdout });
    expect(run("command:local:Command", "other", { create: "x" }).stdout).toBe("for x");
    expect(run("command:local:Command", "other", { create: "y" }).stdout).toBe("for y");
  });

  it("a Command whose triggers change is replaced: new stdout", () => {
    const first = run("command:local:Command", "tok", { create: "a", triggers: ["k1"] });
    expect(run("command:local:Command", "tok", { create: "a", triggers: ["k2"] }).stdout).not.toBe(first.stdout);
  });

  it("a random password is replaced by any input change", () => {
    const first = run("random:index/randomPassword:RandomPassword", "pw", { length: 32 });
    expect(run("random:index/randomPassword:RandomPassword", "pw", { length: 32 }).result).toBe(first.result);
    expect(run("random:index/randomPassword:RandomPassword", "pw", { length: 33 }).result).not.toBe(first.result);
  });
});
