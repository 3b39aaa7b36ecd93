import { beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../scripts/lib/plan-runner";
import { byName, planStack } from "../../local/plan";

/**
 * pulumi-command v1.2.1 replaces a Command only when `triggers` change (provider/pkg/provider/common/inputs.go
 * ResourceInputs.Triggers); so the stateful Commands carry their identity there (see test/guarantees/
 * identity-replace.test.ts for the replace itself).
 */
describe("identity in the triggers of stateful Commands (prod)", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("prod");
  });

  it("sqld app, every volume and the namespaces carry the Fly app name", () => {
    for (const name of ["sqld-app", "sqld-volume-ams", "sqld-volume-iad", "sqld-volume-sin", "sqld-namespaces"]) {
      expect(byName(plan, name).inputs.triggers, name).toEqual(["acme-sqld-prod"]);
    }
  });

  it("the API app carries its own name", () => {
    expect(byName(plan, "api-app").inputs.triggers).toEqual(["acme-api-prod"]);
  });

  it("keeps the Fly app on delete while volume deletion is not allowed (fly apps destroy would take the volumes)", () => {
    expect(String(byName(plan, "sqld-app").inputs.delete)).not.toMatch(/apps destroy "\$app"/);
    expect(String(byName(plan, "sqld-app").inputs.delete)).toMatch(/Keeping Fly app/);
  });
});

describe("prod with tenants: [] (issue 9 item 9)", () => {
  it("keeps the protected namespaces Command in the program, with an empty list, so `up` does not fail", async () => {
    const plan = await planStack("prod", { tenants: [] });
    const namespaces = byName(plan, "sqld-namespaces");
    expect(namespaces).toMatchObject({ protect: true, retainOnDelete: true });
    expect((namespaces.inputs.environment as Record<string, string>).NAMESPACES).toBe("");
  });
});

describe("dev with allowVolumeDeletion", () => {
  it("lets the app's delete destroy it", async () => {
    const plan = await planStack("dev", { dataProtection: { protect: false, allowVolumeDeletion: true } });
    expect(String(byName(plan, "sqld-app").inputs.delete)).toMatch(/fly apps destroy "\$app" --yes/);
  });
});
