// A config holding both sides (README "Mode switch"): each side is checked by its own rules, and the plan carries
// the retained side planned in its own mode. Pure: parseStackConfig, no Pulumi.
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config/parse";

const SELF_HOSTED = {
  mode: "self-hosted",
  fly: { org: "acme", app: "acme-sqld" },
  regions: [{ code: "ams", role: "primary", volumeSizeGb: 1 }],
  tenants: ["acme", "globex"],
  worker: { accountId: "0123456789abcdef0123456789abcdef", scriptName: "acme-gateway" },
};
const TURSO = { org: "acme", location: "aws-eu-west-1", database: "acme-main" };
const parse = (raw: Record<string, unknown>) => parseStackConfig(raw, { stack: "dev" });
const problems = (raw: Record<string, unknown>) => {
  const r = parse(raw);
  return r.ok ? [] : r.problems;
};

describe("a config with both sides", () => {
  it("managed with fly.app kept: the plan serves Turso and retains the self-hosted side, ledger and canary included", () => {
    const migrations = { dir: "examples/migrations/tenant" };
    const r = parse({ ...SELF_HOSTED, mode: "managed", turso: TURSO, migrations });
    if (!r.ok) throw new Error(r.problems.join("\n"));
    expect(r.plan.mode).toBe("managed");
    expect(r.plan.retained?.mode).toBe("self-hosted");
    if (r.plan.retained?.mode !== "self-hosted") return;
    expect(r.plan.retained.sqld.app).toBe("acme-sqld");
    expect(r.plan.retained.namespaces.all).toEqual(["acme", "globex", "_libsql_stack_canary", "_libsql_stack_ledger"]);
    expect(r.plan.retained.retained).toBeUndefined();
  });

  it("self-hosted with a turso block: the managed side is retained, its names checked against Turso's rules", () => {
    const r = parse({ ...SELF_HOSTED, turso: TURSO });
    expect(r.ok && r.plan.retained?.mode).toBe("managed");
    const tooLong = problems({ ...SELF_HOSTED, turso: { ...TURSO, database: "d".repeat(60) } });
    expect(tooLong.join("\n")).toMatch(/libsql-stack:tenants\[0\] database name "d{60}-acme" is 65 characters/);
  });

  it("refuses a switch without tenants, and a Worker whose default name would follow the mode", () => {
    expect(problems({ ...SELF_HOSTED, turso: TURSO, tenants: [] })).toEqual(expect.arrayContaining([expect.stringMatching(/^libsql-stack:tenants is empty, but the config holds both/)]));
    const worker = { accountId: SELF_HOSTED.worker.accountId };
    expect(problems({ ...SELF_HOSTED, mode: "managed", turso: TURSO, worker })).toEqual([expect.stringMatching(/^libsql-stack:worker.scriptName is required while the config holds both sides/)]);
  });

  it("the self-hosted side's rules still apply when it is the retained one", () => {
    expect(problems({ ...SELF_HOSTED, mode: "managed", turso: TURSO, regions: [] })).toEqual([expect.stringMatching(/^libsql-stack:regions needs at least one region/)]);
    // Settings of the sqld side are accepted while it exists (they apply to it), refused once it is gone.
    const tenantSettings = { acme: { maxSizeMb: 10 } };
    expect(problems({ ...SELF_HOSTED, mode: "managed", turso: TURSO, tenantSettings })).toEqual([]);
    expect(problems({ mode: "managed", turso: TURSO, tenants: ["acme"], tenantSettings })).toEqual([expect.stringMatching(/^libsql-stack:tenantSettings.acme applies to self-hosted sqld only/)]);
  });
});
