/**
 * Scenario g: the policy pack in a real `pulumi preview --policy-pack ./policy` (the engine starts the pack through
 * the language host's RunPlugin). dev and prod pass with no violation; prod with `dataProtection.protect: false`
 * is blocked with the policy's own message. A preview runs no Command, so no fake platform is needed.
 */
import * as assert from "node:assert/strict";
import type { Scenario } from "../scenario";
import { Workspace } from "../support/workspace";
import { repoStackConfig } from "./dev";

export const policyScenario: Scenario = {
  id: "g policy-pack",
  async run(shared) {
    const ws = Workspace.create("policy", { CLOUDFLARE_API_TOKEN: "e2e-cloudflare-token", FLY_API_TOKEN: "e2e-fly-token" });
    shared.closers.push(async () => (process.env.E2E_KEEP ? undefined : ws.cleanup()));
    const facts: string[] = [];
    await ws.pulumi(["login", `file://${ws.root}/state`]);
    for (const stack of ["dev", "prod"]) {
      ws.writeStackConfig(stack, {});
      await ws.pulumi(["stack", "init", stack]);
      const run = await ws.pulumi(["preview", "--policy-pack", "./policy", "--stack", stack]);
      assert.match(run.stdout, /Policies:\s*\n\s*✅ libsql-stack@v\d/, `${stack}: the pack ran and passed`);
      assert.doesNotMatch(run.stdout, /mandatory|advisory/, `${stack}: no violation`);
      facts.push(`${stack} 0 violations (${run.seconds.toFixed(1)} s)`);
    }
    const prod = repoStackConfig("prod");
    ws.writeStackConfig("prod", { dataProtection: { ...prod.dataProtection, protect: false } });
    const bad = await ws.pulumi(["preview", "--policy-pack", "./policy", "--stack", "prod"], { allowFailure: true });
    assert.notEqual(bad.code, 0, "the unprotected prod preview must be blocked");
    assert.match(bad.stdout, /\[mandatory\]\s+prod-data-protected/);
    assert.match(bad.stdout, /sqld volume is not protected in stack "prod"/);
    facts.push("prod with protect=false blocked by prod-data-protected");
    return facts.join("; ");
  },
};
