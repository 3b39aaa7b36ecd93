// A config holding both sides (README "Mode switch"), planned from config alone (the real program under the plan
// CLI's mocks): the retained side stays in the program under its old resource names, and the mode-switch Command
// sits between it and everything that serves.
import { describe, expect, it } from "vitest";
import { byName, planStack } from "../../local/plan";
import type { Plan } from "../../scripts/lib/plan-runner";

const turso = { org: "acme", group: "acme-eu", location: "aws-eu-west-1", database: "acme-dev" };
const names = (plan: Plan) => plan.resources.map((r) => r.name);
const env = (plan: Plan) => byName(plan, "mode-switch").inputs.environment as Record<string, string>;

describe("mode switch in the program", () => {
  it("dev flipped to managed with fly.app kept: sqld stays, Turso databases wait for the switch, the Worker and the API app wait for it", async () => {
    const before = await planStack("dev", {});
    const plan = await planStack("dev", { mode: "managed", turso });
    // Every sqld resource of the self-hosted plan is still there, with the same inputs (no replace, nothing deleted).
    for (const r of before.resources.filter((x) => x.name.startsWith("sqld"))) {
      expect(byName(plan, r.name).inputs.create, r.name).toEqual(r.inputs.create);
    }
    expect(names(plan)).toEqual(expect.arrayContaining(["turso-group", "turso-database-acme", "turso-database-globex", "mode-switch"]));
    expect(byName(plan, "mode-switch").dependsOn).toEqual(expect.arrayContaining(["turso-group", "sqld-namespaces"]));
    expect(byName(plan, "turso-database-acme").dependsOn).toEqual(expect.arrayContaining(["turso-group", "mode-switch"]));
    expect(byName(plan, "gateway-script").dependsOn).toEqual(expect.arrayContaining(["mode-switch"]));
    const planned = JSON.parse(env(plan).MODE_SWITCH_PLAN!) as { mode: string; sqld: { app: string }; tenants: unknown[] };
    expect(planned).toMatchObject({ mode: "managed", sqld: { app: "acme-sqld-dev" }, tenants: [{ tenant: "acme", database: "acme-dev-acme" }, { tenant: "globex", database: "acme-dev-globex" }] });
    // Credentials only as secrets; the previous stdout (the serving side) comes back to the script.
    expect(env(plan).JWT_PRIVATE_KEY).toBe("[secret]");
    expect(env(plan).SQLD_ADMIN_KEY).toBe("[secret]");
    expect(byName(plan, "mode-switch").inputs).toMatchObject({ addPreviousOutputInEnv: true });
    expect(byName(plan, "mode-switch").inputs.triggers).toBeUndefined();
    // The Worker serves the Turso databases now.
    const bindings = byName(plan, "gateway-script").inputs.bindings as { name: string; text?: string }[];
    expect(bindings.find((b) => b.name === "DB_MODE")?.text).toBe("managed");
  });

  it("back to self-hosted with the turso block kept: the Turso databases stay, the switch runs the other way", async () => {
    const plan = await planStack("dev", { turso });
    expect(names(plan)).toEqual(expect.arrayContaining(["turso-database-acme", "mode-switch", "sqld-namespaces"]));
    expect((JSON.parse(env(plan).MODE_SWITCH_PLAN!) as { mode: string }).mode).toBe("self-hosted");
    expect(byName(plan, "gateway-script").dependsOn).toEqual(expect.arrayContaining(["mode-switch"]));
  });

  it("one side only: no switch, and no resource of the other side", async () => {
    const plan = await planStack("dev", {});
    expect(names(plan).filter((n) => n.startsWith("turso") || n === "mode-switch")).toEqual([]);
  });
});
