import { describe, expect, it } from "vitest";
import { ofType, planStack } from "../../local/plan";
import { LARGE_STACK } from "../../local/scale-stacks";

/**
 * Guarantee (c): the stack scales by data, not by resources: 12 regions × 1000 tenants is one volume per region and
 * ONE namespaces Command for every tenant. Its plan time against 1 region × 1 tenant is a figure, measured by
 * `npm run bench -- plan-scale` (bench/plan-scale.ts), not asserted here.
 */
describe("a 12-region × 1000-tenant prod plan", () => {
  it("has one volume per region and one namespace Command holding every tenant", async () => {
    const plan = await planStack("prod", LARGE_STACK);
    const commands = ofType(plan, "command:local:Command").map((r) => r.name);
    expect(commands.filter((n) => n.startsWith("sqld-volume-"))).toHaveLength(12);
    expect(commands.filter((n) => n.startsWith("sqld-namespaces"))).toEqual(["sqld-namespaces"]);
    const namespaces = plan.resources.find((r) => r.name === "sqld-namespaces")!;
    expect(String((namespaces.inputs.environment as Record<string, string>).NAMESPACES).split(" ")).toHaveLength(1000);
  });
});
