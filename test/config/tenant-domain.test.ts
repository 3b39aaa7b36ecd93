/** sqld.tenantDomain's pure rules (no mocks): names, the URL a client is given, the zone rule. */
import { describe, expect, it } from "vitest";
import { tenantDomainProblem, tenantDomainRuleProblems, tenantHostProblem, tenantUrl, tenantUrlTemplate } from "../../infra/config/tenant-domain";

describe("tenantDomainProblem", () => {
  it.each(["db.example.com", "db.localhost", "t.a-b.example.co.uk", `${"a".repeat(63)}.example.com`])("accepts %s", (d) => {
    expect(tenantDomainProblem(d)).toBeUndefined();
  });
  it.each([
    ["*.db.example.com", /"\*\."/],
    ["db.example.com:8443", /host name only/],
    ["Db.example.com", /label "Db"/],
    ["db-.example.com", /label "db-"/],
    ["db..example.com", /label ""/],
    ["localhost", /two labels/],
    [`${"a.".repeat(95)}com`, /at most 189/],
  ])("refuses %s", (d, why) => {
    expect(tenantDomainProblem(d)).toMatch(why);
  });
});

describe("tenant URLs", () => {
  it("are libsql:// behind https and keep a loopback origin's scheme and port", () => {
    expect(tenantUrl(tenantUrlTemplate("db.example.com", "https://acme-sqld.fly.dev"), "acme")).toBe("libsql://acme.db.example.com");
    expect(tenantUrl(tenantUrlTemplate("db.example.com", "https://db.example.com:8443"), "acme")).toBe("libsql://acme.db.example.com:8443");
    expect(tenantUrl(tenantUrlTemplate("db.localhost", "http://127.0.0.1:18080"), "globex")).toBe("http://globex.db.localhost:18080");
  });
  it("refuse a tenant whose name is no host label (namespaces may end with a dash)", () => {
    expect(tenantHostProblem("acme", "db.example.com")).toBeUndefined();
    expect(tenantHostProblem("acme-", "db.example.com")).toMatch(/no trailing "-"/);
  });
});

describe("tenantDomainRuleProblems", () => {
  const rule = (o: Partial<Parameters<typeof tenantDomainRuleProblems>[0]>) =>
    tenantDomainRuleProblems({ domain: "db.example.com", publicUrl: undefined, tenants: ["acme"], zoneId: "f".repeat(32), ...o });
  it("accepts a public domain with a zone, and a local domain on a loopback origin without one", () => {
    expect(rule({})).toEqual([]);
    expect(rule({ domain: "db.localhost", publicUrl: "http://127.0.0.1:8080", zoneId: undefined })).toEqual([]);
  });
  it("names the key to fix", () => {
    expect(rule({ zoneId: undefined })).toEqual([[["sqld", "tenantDomainZoneId"], expect.stringMatching(/Cloudflare zone/)]]);
    expect(rule({ domain: "db.localhost" })).toEqual([[["sqld", "tenantDomain"], expect.stringMatching(/loopback/)]]);
    // A public domain on a loopback origin is the box (names from a private hosts file): allowed.
    expect(rule({ publicUrl: "http://127.0.0.1:8080" })).toEqual([]);
    expect(rule({ tenants: ["acme", "b-"] })).toEqual([[["tenants", 1], expect.stringMatching(/host name label/)]]);
  });
});
