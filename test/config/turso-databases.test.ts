// Managed mode's database per tenant: names and plan-time rules (pure, no mocks).
import { describe, expect, it } from "vitest";
import { API_MAX_DATABASES, DNS_LABEL_MAX, TURSO_DATABASE_NAME_MAX, tursoDatabaseName, tursoDatabaseNameProblem, tursoDatabaseRuleProblems, tursoTenantDatabases } from "../../infra/config/turso-databases";
import { MANAGED_MAX_TENANTS } from "../../worker/tenant-databases";

describe("tursoDatabaseName", () => {
  it("is <turso.database>-<tenant>, except default, which keeps the pre-tenant database's name", () => {
    expect(tursoDatabaseName("app", "acme")).toBe("app-acme");
    expect(tursoDatabaseName("app", "default")).toBe("app");
  });
});

describe("tursoTenantDatabases", () => {
  it("no tenants: the one legacy database, tenant default", () => {
    expect(tursoTenantDatabases("app", [], [])).toEqual([{ tenant: "default", name: "app", kind: "tenant" }]);
  });
  it("tenants in config order, then shared namespaces; default only when listed", () => {
    expect(tursoTenantDatabases("app", ["globex", "acme"], ["streams"])).toEqual([
      { tenant: "globex", name: "app-globex", kind: "tenant" },
      { tenant: "acme", name: "app-acme", kind: "tenant" },
      { tenant: "streams", name: "app-streams", kind: "shared" },
    ]);
    expect(tursoTenantDatabases("app", ["default", "acme"], []).map((d) => d.name)).toEqual(["app", "app-acme"]);
  });
});

describe("tursoDatabaseNameProblem", () => {
  it("accepts names up to Turso's 64 characters whose <db>-<org> host label fits 63", () => {
    const tenant = "t".repeat(DNS_LABEL_MAX - "app-".length - "-o".length);
    expect(tursoDatabaseNameProblem("app", tenant, "o")).toBeUndefined();
    expect(tursoDatabaseNameProblem("app", `${tenant}x`, "o")).toMatch(/host label .* is 64 characters; a DNS label holds 63/);
  });
  it("refuses a database name over 64 characters (openapi.json CreateDatabaseInput.name)", () => {
    const tenant = "t".repeat(TURSO_DATABASE_NAME_MAX - "app-".length + 1);
    expect(tursoDatabaseNameProblem("app", tenant, "o")).toMatch(/is 65 characters; Turso allows 64/);
  });
  it("refuses characters Turso does not allow", () => {
    expect(tursoDatabaseNameProblem("App", "default", "o")).toMatch(/lowercase letters, digits and "-"/);
  });
});

describe("tursoDatabaseRuleProblems", () => {
  const long = "t".repeat(60);
  it("blames the tenant entry, or turso.database for default", () => {
    expect(tursoDatabaseRuleProblems({ org: "myorg", database: "app" }, ["acme", long], []).map(([p]) => p)).toEqual([["tenants", 1]]);
    expect(tursoDatabaseRuleProblems({ org: "myorg", database: "app" }, [], [long]).map(([p]) => p)).toEqual([["migrations", "shared", 0, "namespace"]]);
    expect(tursoDatabaseRuleProblems({ org: "myorg", database: long }, [], []).map(([p]) => p)).toEqual([["turso", "database"]]);
    expect(tursoDatabaseRuleProblems({ org: "myorg", database: long }, ["default"], []).map(([p]) => p)).toEqual([["turso", "database"]]);
  });
  it("the org counts: the same tenant fits a short org and not a long one", () => {
    const tenant = "t".repeat(40);
    expect(tursoDatabaseRuleProblems({ org: "o", database: "app" }, [tenant], [])).toEqual([]);
    expect(tursoDatabaseRuleProblems({ org: "o".repeat(20), database: "app" }, [tenant], [])).toHaveLength(1);
  });
  it("refuses more tenants than the Worker's bindings can hold, naming tenants", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
    expect(tursoDatabaseRuleProblems({ org: "o", database: "app" }, many(MANAGED_MAX_TENANTS), [])).toEqual([]);
    const over = tursoDatabaseRuleProblems({ org: "o", database: "app" }, many(MANAGED_MAX_TENANTS + 1), []);
    expect(over).toEqual([[["tenants"], expect.stringMatching(new RegExp(`lists ${MANAGED_MAX_TENANTS + 1} tenants; managed mode serves at most ${MANAGED_MAX_TENANTS}`))]]);
  });
  it("with an API app, refuses more databases (tenants and shared) than its TENANT_DATABASES secret holds, at `api`", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
    const turso = { org: "o", database: "app" };
    expect(tursoDatabaseRuleProblems(turso, many(API_MAX_DATABASES - 1), ["streams"], true)).toEqual([]);
    const over = tursoDatabaseRuleProblems(turso, many(API_MAX_DATABASES), ["streams"], true);
    expect(over).toEqual([[["api"], expect.stringMatching(new RegExp(`every database \\(${API_MAX_DATABASES + 1}: tenants and migrations.shared\\) in one secret, TENANT_DATABASES, which fits at most ${API_MAX_DATABASES}`))]]);
    // Without an API app the Worker's own limit is the only one.
    expect(tursoDatabaseRuleProblems(turso, many(API_MAX_DATABASES), ["streams"], false)).toEqual([]);
  });
});
