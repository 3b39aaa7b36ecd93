/**
 * `npm run e2e`: the stack through the real Pulumi engine (scripts/build-engine.sh), the provider doubles, the fake
 * flyctl whose machines are real sqld processes, and the Worker in local workerd, all on 127.0.0.1.
 * Usage: npm run e2e [-- --only a,b]   (E2E_KEEP=1 keeps the temp folders for a look afterwards)
 * The last line is `e2e: N passed, M failed`; the exit code is 1 when M > 0.
 */
import { engineBin } from "../../local/workspace";
import type { Scenario, Shared } from "./scenario";
import { devScenarios } from "./scenarios/dev";
import { diffScenario } from "./scenarios/diffs";
import { failureScenario } from "./scenarios/failures";
import { prodScenarios } from "./scenarios/prod";
import { managedScenario } from "./scenarios/managed";
import { managedTenantsScenario } from "./scenarios/managed-tenants";
import { policyScenario } from "./scenarios/policy";
import { primaryMoveScenario } from "./scenarios/primary-move";
import { hostileScenario } from "./scenarios/hostile";
import { syncClientsScenario } from "./scenarios/sync-clients";
import { statusScenario } from "./scenarios/status";
import { tenantRestoreScenario } from "./scenarios/tenant-restore";
import { encryptionScenario } from "./scenarios/encryption";
import { modeSwitchScenario } from "./scenarios/mode-switch";

// Order: a, b, h and t on dev, d brings prod up, s reads its status, r restores one of its tenants, i tries to move its primary, c and g preview both, then the destroys,
// e and x on their own stacks, f3, m (managed tenants), w (the mode switch, on its own dev stack).
const [a, b, f1] = devScenarios as [Scenario, Scenario, Scenario];
const [d, f2] = prodScenarios as [Scenario, Scenario];
const ALL: Scenario[] = [a, b, hostileScenario, syncClientsScenario, d, statusScenario, tenantRestoreScenario, primaryMoveScenario, diffScenario, policyScenario, f1, f2, failureScenario, encryptionScenario, managedScenario, managedTenantsScenario, modeSwitchScenario];

async function main(): Promise<number> {
  const onlyArg = process.argv.indexOf("--only");
  const only = onlyArg >= 0 ? new Set(process.argv[onlyArg + 1]?.split(",")) : null;
  const selected = ALL.filter((s) => !only || only.has(s.id.split(" ")[0]!));
  if (!engineBin()) {
    console.log("e2e: no Pulumi engine; run scripts/build-engine.sh first (or set PULUMI_ENGINE_BIN)");
    console.log(`e2e: 0 passed, ${selected.length} failed`);
    return 1;
  }
  const shared: Shared = { closers: [] };
  const passed = new Set<string>();
  let failed = 0;
  const started = Date.now();
  try {
    for (const scenario of selected) {
      const t0 = Date.now();
      const missing = (scenario.needs ?? []).filter((id) => !passed.has(id));
      if (missing.length > 0) {
        failed++;
        console.log(`FAIL ${scenario.id}: needs ${missing.join(", ")}, which did not pass`);
        continue;
      }
      try {
        const facts = await scenario.run(shared);
        passed.add(scenario.id.split(" ")[0]!);
        console.log(`PASS ${scenario.id} (${seconds(t0)} s) ${facts}`);
      } catch (err) {
        failed++;
        console.log(`FAIL ${scenario.id} (${seconds(t0)} s)\n${indent(err instanceof Error ? (err.stack ?? err.message) : String(err))}`);
      }
    }
  } finally {
    for (const close of shared.closers.reverse()) await close().catch((err) => console.log(`cleanup: ${err}`));
  }
  console.log(`e2e: total ${seconds(started)} s`);
  console.log(`e2e: ${passed.size} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

const seconds = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);
const indent = (text: string) => text.split("\n").map((l) => `    ${l}`).join("\n");

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    console.log("e2e: 0 passed, 1 failed");
    process.exit(1);
  },
);
