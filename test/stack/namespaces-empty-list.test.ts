import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byName, planStack } from "../../local/plan";
import { runShell } from "../../local/run-process";
import { startStackSqld } from "../../local/sqld/cluster";
import { adminProxyTargets, deployOnFakeFly } from "../support/sqld/fake-fly-app";
import { makeFakeFlyEnv, type FakeFlyEnv } from "../../local/doubles/fake-fly/harness";

/**
 * Issue 9 item 9: the namespaces Command stays in the program with `tenants: []`, so removing the last tenant
 * goes through the script's keep/delete logic. Runs the planned scripts (self-hosted dev, allowNamespaceDeletion
 * on; prod-like with it off) against REAL sqld (the stack's fly.toml) through the fake `fly proxy`.
 */
describe("namespaces Command with an empty tenant list (real sqld, fake fly proxy)", () => {
  let sqld: Awaited<ReturnType<typeof startStackSqld>>;
  let fly: FakeFlyEnv;
  let env: NodeJS.ProcessEnv;
  const exists = async (ns: string) => (await sqld.admin(sqld.primary, "GET", `/v1/namespaces/${ns}/stats`)).status === 200;

  beforeAll(async () => {
    sqld = await startStackSqld("dev");
    fly = makeFakeFlyEnv();
    const machines = deployOnFakeFly(sqld.plan, fly, sqld.app, sqld.secrets);
    env = { ...fly.env, FAKE_FLY_PROXY_TARGETS: JSON.stringify(adminProxyTargets(machines, sqld)), LIBSQL_ADMIN_AUTH_KEY: sqld.keys.adminKey };
  });
  afterAll(async () => {
    fly?.cleanup();
    await sqld?.close();
  });

  async function runPlanned(overrides: Record<string, unknown>, previous: string) {
    const plan = await planStack("dev", overrides);
    const command = byName(plan, "sqld-namespaces");
    const wanted = (command.inputs.environment as Record<string, string>).NAMESPACES;
    return runShell(String(command.inputs.create), { ...env, NAMESPACES: wanted, PULUMI_COMMAND_STDOUT: previous });
  }

  it("keeps removed namespaces when deletion is not allowed, and prints the empty managed set", async () => {
    const created = await runPlanned({ tenants: ["acme", "globex"] }, "");
    expect(created.code, created.stderr).toBe(0);
    expect(await exists("acme")).toBe(true);
    const emptied = await runPlanned({ tenants: [], dataProtection: { protect: true, allowNamespaceDeletion: false } }, created.stdout);
    expect(emptied.code, emptied.stderr).toBe(0);
    expect(emptied.stdout.trim()).toBe(""); // one managed name per line: none
    expect(emptied.stderr).toContain("namespace acme was removed from config but is KEPT");
    expect(await exists("acme")).toBe(true);
    expect(await exists("globex")).toBe(true);
  });

  it("deletes them when allowNamespaceDeletion is on (dev)", async () => {
    const created = await runPlanned({ tenants: ["acme", "globex"] }, "");
    expect(created.code, created.stderr).toBe(0);
    const emptied = await runPlanned({ tenants: [] }, created.stdout);
    expect(emptied.code, emptied.stderr).toBe(0);
    expect(emptied.stdout.trim()).toBe(""); // one managed name per line: none
    expect(await exists("acme")).toBe(false);
    expect(await exists("globex")).toBe(false);
  });
});
