// The fly-dns-only policy's check (policy/policies/fly-dns-only.ts); over the planned records: violation-matrix.test.ts.
import { describe, expect, it } from "vitest";
import { flyDnsOnlyProblems } from "../../policy/policies/fly-dns-only";

const record = (extra: Record<string, unknown>) => ({ zoneId: "f".repeat(32), type: "CNAME", ttl: 1, ...extra });

describe("fly-dns-only", () => {
  it("refuses a proxied record to <app>.fly.dev and a proxied ACME challenge; DNS-only ones and other records pass", () => {
    expect(flyDnsOnlyProblems(record({ name: "*.db.example.com", content: "acme-sqld.fly.dev", proxied: true }))).toEqual([expect.stringContaining("TLS must end at Fly")]);
    expect(flyDnsOnlyProblems(record({ name: "_acme-challenge.db.example.com", content: "db.example.com.ab12.flydns.net", proxied: true }))).toEqual([expect.stringContaining("DNS-01")]);
    expect(flyDnsOnlyProblems(record({ name: "*.db.example.com", content: "acme-sqld.fly.dev", proxied: false }))).toEqual([]);
    expect(flyDnsOnlyProblems(record({ name: "www.example.com", content: "pages.example.net", proxied: true }))).toEqual([]);
  });
});
