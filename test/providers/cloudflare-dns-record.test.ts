/**
 * The cloudflare TEST DOUBLE's DnsRecord (local/doubles/providers/cloudflare/dns-record.ts) against the box's real
 * record of DNS records (local/box/dns-records.ts): schema.go v5.22.0 required fields, validators and replace rules,
 * resource.go's create/update/read/delete calls, and the API's refusals (81053/81054/81057, ttl 9021, 81044).
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CF_TYPES, cloudflareProvider as p } from "../../local/doubles/providers/cloudflare/provider";
import { UNKNOWN, type Props } from "../../local/doubles/providers/wire";
import { DnsRecords } from "../../local/box/dns-records";

const ZONE = "0123456789abcdef0123456789abcdef";
const urn = (name = "rec") => `urn:pulumi:t::proj::libsql-stack:sqld:TenantDomain$${CF_TYPES.dnsRecord}::${name}`;
const cname = (extra: Props = {}): Props => ({ zoneId: ZONE, name: "*.db.example.com", type: "CNAME", content: "acme-sqld.fly.dev", ttl: 1, proxied: false, comment: "made by libsql-stack", ...extra });

const dns = new DnsRecords();
let box: Server;
beforeAll(async () => {
  box = createServer((req, res) => {
    const path = req.url!.slice("/cf".length);
    if (!DnsRecords.handles(path)) return res.writeHead(404).end();
    void dns.handle(req, res, path);
  });
  await new Promise<void>((r) => box.listen(0, "127.0.0.1", r));
  process.env.LIBSQL_BOX_URL = `http://127.0.0.1:${(box.address() as { port: number }).port}`;
});
afterAll(() => {
  box?.close();
  delete process.env.LIBSQL_BOX_URL;
});

const reasons = async (inputs: Props) => ((await p.check!(urn(), {}, inputs)).failures ?? []).map((f) => `${f.property}: ${f.reason}`);

describe("cloudflare.DnsRecord double: check and diff (schema.go v5.22.0)", () => {
  it("requires zone_id, name, type and ttl; validates type, priority, content vs data; defaults proxied to false", async () => {
    const missing = await reasons({ content: "x.example.com" });
    expect(missing).toEqual(["zoneId", "name", "type", "ttl"].map((k) => expect.stringMatching(new RegExp(`^${k}: Missing required argument`))));
    expect(await reasons(cname({ type: "CNAMEX" }))).toEqual([expect.stringContaining('type: Attribute type value must be one of: "A"')]);
    expect(await reasons(cname({ type: "cname" }))).toEqual([]); // OneOfCaseInsensitive
    expect(await reasons(cname({ data: { flags: 0 } }))).toEqual([expect.stringContaining('"content" cannot be specified when "data"')]);
    expect(await reasons(cname({ priority: 70000 }))).toEqual([expect.stringContaining("between 0 and 65535")]);
    expect(await reasons(cname({ zoneId: "example.com" }))).toEqual([expect.stringContaining("32-character hex")]);
    expect(await reasons(cname({ type: "TXT", proxied: true }))).toEqual([expect.stringContaining("cannot be proxied")]);
    expect(await reasons(cname({ zoneId: UNKNOWN, content: UNKNOWN }))).toEqual([]);
    const { proxied: _, ...withoutProxied } = cname();
    expect((await p.check!(urn(), {}, withoutProxied)).inputs.proxied).toBe(false);
  });

  it("replaces on a zone_id or type change, updates in place on name, content, ttl, proxied, comment", async () => {
    const diff = (news: Props) => p.diff!("id", urn(), cname(), news);
    expect(await diff(cname({ zoneId: "f".repeat(32) }))).toEqual({ changes: true, replaces: ["zoneId"] });
    expect(await diff(cname({ type: "A", content: "1.2.3.4" }))).toEqual({ changes: true, replaces: ["type"] });
    expect(await diff(cname({ name: "*.db2.example.com", content: "x.fly.dev", ttl: 300, proxied: true, comment: "c" }))).toEqual({ changes: true, replaces: [] });
    expect(await diff(cname())).toEqual({ changes: false, replaces: [] });
  });
});

describe("cloudflare.DnsRecord double: the records as the DNS API holds them", () => {
  it("create, update in place, read and delete; the box lists what the API would hold", async () => {
    const { id, outs } = await p.create!(urn(), cname());
    const [held] = dns.list(ZONE);
    expect(held).toMatchObject({ id, zone_id: ZONE, name: "*.db.example.com", type: "CNAME", content: "acme-sqld.fly.dev", proxied: false, ttl: 1, comment: "made by libsql-stack" });
    expect(outs).toMatchObject({ proxiable: true, createdOn: held!.created_on });
    const listed = (await (await fetch(`${process.env.LIBSQL_BOX_URL}/cf/zones/${ZONE}/dns_records`)).json()) as { result: unknown[] };
    expect(listed.result).toEqual([held]);

    await p.update!(id, urn(), outs, cname({ content: "other-app.fly.dev", ttl: 300 }));
    expect(dns.list(ZONE)).toEqual([expect.objectContaining({ id, content: "other-app.fly.dev", ttl: 300 })]);
    expect((await p.read!(id, urn(), cname())).props).toMatchObject({ content: "other-app.fly.dev", ttl: 300 });

    await p.delete!(id, urn(), cname());
    expect(dns.list(ZONE)).toEqual([]);
    // resource.go Read: a 404 drops the resource from state; Delete has no 404 allowance.
    expect((await p.read!(id, urn(), cname())).id).toBeUndefined();
    await expect(p.delete!(id, urn(), cname())).rejects.toThrow(/Record does not exist\. \(81044\)/);
    await expect(p.update!(id, urn(), cname(), cname({ ttl: 120 }))).rejects.toThrow(/81044/);
  });

  it("refuses what the API refuses: CNAME beside a same-name record, A beside a CNAME, a duplicate, a bad ttl", async () => {
    const first = await p.create!(urn("a"), cname({ name: "_acme-challenge.db.example.com", content: "db.example.com.ab12.flydns.net" }));
    await expect(p.create!(urn("b"), cname({ name: "_acme-challenge.db.example.com", content: "other.flydns.net" }))).rejects.toThrow(/An A, AAAA, or CNAME record with that host already exists\. \(81053\)/);
    await expect(p.create!(urn("c"), cname({ name: "_acme-challenge.db.example.com", type: "A", content: "1.2.3.4" }))).rejects.toThrow(/A CNAME record with that host already exists\. \(81054\)/);
    await expect(p.create!(urn("d"), cname({ name: "_acme-challenge.db.example.com", content: "db.example.com.ab12.flydns.net" }))).rejects.toThrow(/Record already exists\. \(81057\)/);
    for (const ttl of [30, 59, 86401, 1.5]) {
      await expect(p.create!(urn("e"), cname({ name: `t${String(ttl).replace(".", "")}.example.com`, ttl }))).rejects.toThrow(/TTL must be between 60 and 86400 seconds, or 1 for Automatic\. \(9021\)/);
    }
    await expect(p.create!(urn("f"), cname({ name: "db" }))).rejects.toThrow(/fully qualified/);
    await expect(p.create!(urn("g"), cname({ name: "x.example.com", content: "not a host" }))).rejects.toThrow(/Content for CNAME record is invalid/);
    // An update to its own values is not a clash with itself.
    await p.update!(first.id, urn("a"), first.outs, cname({ name: "_acme-challenge.db.example.com", content: "db.example.com.ab12.flydns.net", ttl: 60 }));
    expect(dns.list(ZONE)).toHaveLength(1);
    await p.delete!(first.id, urn("a"), first.outs);
  });
});
