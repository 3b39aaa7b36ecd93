/**
 * Scenario c: `pulumi preview` after a config change touches only what the change is about. On dev (after a):
 * adding a tenant. On the prod-like stack (after d, protected, three regions): raising a replica's volume size,
 * and renaming `fly.app`, a replace that protection blocks.
 */
import * as assert from "node:assert/strict";
import type { Scenario } from "../scenario";
import { changedSteps } from "../../support/e2e/checks";
import { devCloud } from "./dev";
import { repoStackConfig } from "../../../local/workspace";
import { PROD_APP } from "./prod";

export const diffScenario: Scenario = {
  id: "c preview-diffs",
  needs: ["a", "d"],
  async run(shared) {
    const dev = devCloud(shared);
    const devConfig = repoStackConfig("dev");
    dev.ws.writeStackConfig("dev", { tenants: [...devConfig.tenants, "initech"] });
    const tenant = await changedSteps(dev.ws, "dev");
    // The Worker's TENANTS allow-list must learn the tenant too (the gateway fails closed without it).
    dev.ws.writeStackConfig("dev", { tenants: devConfig.tenants });
    assert.deepEqual(tenant, { "sqld-namespaces": "update", "gateway-script": "update" }, "adding a tenant");

    const prod = shared.prod!.cloud;
    const prodFile = prod.ws.readStackConfig("prod");
    const regions = prodFile.regions as { code: string; volumeSizeGb: number }[];
    prod.ws.writeStackConfig("prod", { regions: regions.map((r) => (r.code === "iad" ? { ...r, volumeSizeGb: r.volumeSizeGb + 5 } : r)) });
    const volume = await changedSteps(prod.ws, "prod");
    prod.ws.writeStackConfig("prod", { regions });
    assert.deepEqual(volume, { "sqld-volume-iad": "update" }, "raising the iad volume size");

    prod.ws.writeStackConfig("prod", { fly: { ...(prodFile.fly as object), app: `${PROD_APP}-renamed` } });
    const rename = await prod.ws.pulumi(["preview", "--diff", "--stack", "prod"], { allowFailure: true });
    prod.ws.writeStackConfig("prod", { fly: prodFile.fly });
    assert.notEqual(rename.code, 0, "preview of a protected rename must fail");
    assert.match(rename.stdout + rename.stderr, /marked for protection/);
    assert.ok(prod.fly.state().apps[PROD_APP], "the app is still there");
    return `tenant → ${fmt(tenant)}; iad volume → ${fmt(volume)}; rename → refused (protected replace)`;
  },
};

const fmt = (steps: Record<string, string>) =>
  Object.entries(steps)
    .map(([n, op]) => `${n}:${op}`)
    .join(",");
