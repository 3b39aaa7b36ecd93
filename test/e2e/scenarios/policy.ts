/**
 * Scenario g: the policy pack in a real `pulumi preview --policy-pack ./policy` (the engine starts the pack through
 * the language host's RunPlugin). It runs on the stacks a and d brought up, so every value is known (on a stack
 * never deployed, secrets drawn at `up` are unknown and the pack can only report "can't run during preview").
 * dev and prod pass with no violation; prod with `dataProtection.protect: false` is blocked with the policy's message.
 */
import * as assert from "node:assert/strict";
import type { Scenario } from "../scenario";
import { devCloud } from "./dev";

export const policyScenario: Scenario = {
  id: "g policy-pack",
  needs: ["a", "d"],
  async run(shared) {
    const facts: string[] = [];
    const stacks = [
      { stack: "dev", ws: devCloud(shared).ws },
      { stack: "prod", ws: shared.prod!.cloud.ws },
    ];
    for (const { stack, ws } of stacks) {
      const run = await ws.pulumi(["preview", "--policy-pack", "./policy", "--stack", stack]);
      assert.match(run.stdout, /Policies:\s*\n\s*✅ libsql-stack@v\d/, `${stack}: the pack ran and passed:\n${run.stdout}`);
      assert.doesNotMatch(run.stdout, /\[(mandatory|advisory)\]/, `${stack}: no violation`);
      facts.push(`${stack} 0 violations (${run.seconds.toFixed(1)} s)`);
    }
    const prod = shared.prod!.cloud.ws;
    const dataProtection = prod.readStackConfig("prod").dataProtection as Record<string, unknown>;
    prod.writeStackConfig("prod", { dataProtection: { ...dataProtection, protect: false } });
    const bad = await prod.pulumi(["preview", "--policy-pack", "./policy", "--stack", "prod"], { allowFailure: true });
    prod.writeStackConfig("prod", { dataProtection });
    assert.notEqual(bad.code, 0, "the unprotected prod preview must be blocked");
    assert.match(bad.stdout, /\[mandatory\]\s+prod-data-protected/);
    assert.match(bad.stdout, /sqld volume is not protected in stack "prod"/);
    facts.push("prod with protect=false blocked by prod-data-protected");
    return facts.join("; ");
  },
};
