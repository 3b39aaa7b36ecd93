/**
 * sqld.tenantDomain in the plan (stacks/database.ts → infra/sqld/tenant-domain.ts), through the plan CLI's runner
 * (local/plan.ts, Pulumi mocks): a public domain gets one Fly certificate Command and two DNS-only CNAMEs in its
 * zone; a local `*.localhost` domain gets neither.
 */
import { describe, expect, it } from "vitest";
import { byName, ofType, planStack } from "../../local/plan";

const ZONE = "fedcba9876543210fedcba9876543210";
const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const COMMAND = "command:local:Command";

describe("sqld.tenantDomain in the dev stack's plan", () => {
  it("a public domain: a certificate for *.<domain> after the IPs, then the wildcard and ACME challenge CNAMEs, DNS-only", async () => {
    const plan = await planStack("dev", { sqld: { tenantDomain: "db.example.com", tenantDomainZoneId: ZONE } });
    const cert = byName(plan, "sqld-tenant-domain-cert");
    expect(cert).toMatchObject({ type: COMMAND, parent: "sqld-tenant-domain", dependsOn: ["sqld-ips"], protect: false });
    expect(byName(plan, "sqld-tenant-domain").parent).toBe("sqld");
    expect(ofType(plan, COMMAND).filter((c) => /certs (add|remove)/.test(String(c.inputs.create) + String(c.inputs.delete)))).toEqual([cert]);
    expect(cert.inputs.create).toContain("hostname=\\*.db.example.com\n");
    expect(cert.inputs.create).toContain("app=acme-sqld-dev");
    expect(cert.inputs.triggers).toEqual(["acme-sqld-dev", "*.db.example.com"]);

    const records = ofType(plan, DNS_RECORD);
    expect(records.map((r) => r.name)).toEqual(["sqld-tenant-domain-wildcard", "sqld-tenant-domain-acme-challenge"]);
    const common = { zoneId: ZONE, type: "CNAME", proxied: false, ttl: 1, comment: expect.stringContaining("libsql-stack") };
    expect(records[0]!.inputs).toEqual({ ...common, name: "*.db.example.com", content: "acme-sqld-dev.fly.dev" });
    expect(records[1]!.inputs).toEqual({ ...common, name: "_acme-challenge.db.example.com", content: expect.stringMatching(/^db\.example\.com\.[0-9a-f]{4}\.flydns\.net$/) });
    for (const r of records) expect(r).toMatchObject({ parent: "sqld-tenant-domain", protect: false, retainOnDelete: false });
  });

  it("the zone defaults to the Worker's custom domain zone", async () => {
    const plan = await planStack("dev", {
      sqld: { tenantDomain: "db.example.com" },
      worker: { accountId: "0123456789abcdef0123456789abcdef", scriptName: "gw", customDomain: { hostname: "gw.example.com", zoneId: ZONE } },
    });
    expect(ofType(plan, DNS_RECORD).map((r) => r.inputs.zoneId)).toEqual([ZONE, ZONE]);
  });

  it("a *.localhost domain on a loopback origin: no certificate, no DNS record", async () => {
    const plan = await planStack("dev", { sqld: { tenantDomain: "db.localhost", publicUrl: "http://127.0.0.1:8080" } });
    expect(ofType(plan, DNS_RECORD)).toEqual([]);
    expect(plan.resources.filter((r) => r.name.startsWith("sqld-tenant-domain"))).toEqual([]);
    expect(plan.resources.some((r) => String(r.inputs.create ?? "").includes("fly certs"))).toBe(false);
  });
});
