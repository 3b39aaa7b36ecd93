// The Worker's TENANT_DATABASES_<n> bindings: grouping, size limit, and reading them back (pure).
import { describe, expect, it } from "vitest";
import { BINDING_MAX_BYTES, readTenantDatabases, TENANTS_PER_BINDING, tenantBindingGroups, tenantDatabasesText } from "../../worker/tenant-databases";

// Sizes of real Turso database tokens: an EdDSA JWT with a, iat, id (uuid), rid claims is ~270 characters.
const jwt = (c: string) => `eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.${c.repeat(148)}.${"s".repeat(86)}`;
const entry = (t: string) => ({ url: `libsql://app-${t}-myorg.aws-eu-west-1.turso.io`, rw: jwt("w"), ro: jwt("r") });

describe("tenantBindingGroups", () => {
  it("sorts the tenants and fills each binding with TENANTS_PER_BINDING of them", () => {
    const tenants = Array.from({ length: TENANTS_PER_BINDING * 2 + 1 }, (_, i) => `t${String(i).padStart(2, "0")}`).reverse();
    const groups = tenantBindingGroups(tenants);
    expect(groups.map((g) => g.length)).toEqual([TENANTS_PER_BINDING, TENANTS_PER_BINDING, 1]);
    expect(groups.flat()).toEqual([...tenants].sort());
  });
});

describe("tenantDatabasesText", () => {
  it("a full binding of realistic entries fits Cloudflare's limit", () => {
    const group = Object.fromEntries(Array.from({ length: TENANTS_PER_BINDING }, (_, i) => [`tenant-${i}`, entry(`tenant-${i}`)]));
    expect(new TextEncoder().encode(tenantDatabasesText(group)).length).toBeLessThanOrEqual(BINDING_MAX_BYTES);
  });
  it("throws naming the tenants, never a token, when over the limit", () => {
    const huge = { acme: { ...entry("acme"), rw: "X".repeat(BINDING_MAX_BYTES) } };
    expect(() => tenantDatabasesText(huge)).toThrow(/tenants acme take \d+ bytes, over Cloudflare's 5000-byte limit/);
    expect(() => tenantDatabasesText(huge)).not.toThrow(/XXXX/);
  });
});

describe("readTenantDatabases", () => {
  const text = (o: unknown) => JSON.stringify(o);
  it("merges every TENANT_DATABASES_<n> binding and ignores other bindings", () => {
    const map = readTenantDatabases({ TENANT_DATABASES_0: text({ acme: entry("acme") }), TENANT_DATABASES_1: text({ globex: entry("globex") }), DB_URL: "x" });
    expect([...map.keys()]).toEqual(["acme", "globex"]);
    expect(map.get("acme")).toEqual(entry("acme"));
  });
  it("refuses a malformed binding, naming it and not its content", () => {
    expect(() => readTenantDatabases({ TENANT_DATABASES_0: "not json secret" })).toThrow(/^binding TENANT_DATABASES_0 is not JSON$/);
    expect(() => readTenantDatabases({ TENANT_DATABASES_0: text([]) })).toThrow(/must be a JSON object/);
    expect(() => readTenantDatabases({ TENANT_DATABASES_0: text({ acme: { url: "ftp://x", rw: "a", ro: "b" } }) })).toThrow(/invalid entry for "acme"/);
    expect(() => readTenantDatabases({ TENANT_DATABASES_0: text({ acme: { ...entry("acme"), ro: "" } }) })).toThrow(/invalid entry for "acme"/);
    expect(() => readTenantDatabases({ TENANT_DATABASES_x: text({}) })).toThrow(/not named TENANT_DATABASES_<n>/);
    expect(() => readTenantDatabases({ TENANT_DATABASES_0: text({ acme: entry("acme") }), TENANT_DATABASES_1: text({ acme: entry("acme") }) })).toThrow(/names tenant "acme" a second time/);
  });
});
