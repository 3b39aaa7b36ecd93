/**
 * The box's record of Cloudflare DNS records: what the DNS API would hold after the cloudflare TEST DOUBLE's
 * DnsRecord create/update/delete (local/doubles/providers/cloudflare/dns-record.ts). In memory, for the box's
 * lifetime. Routes (cloudflare-go v4 `DNS.Records`, as terraform-provider-cloudflare v5.22.0
 * internal/services/dns_record/resource.go calls them):
 * - `Records.New` = POST /zones/{zone}/dns_records, `Records.Update` = PUT …/dns_records/{id},
 *   `Records.Get` = GET …/{id}, `Records.Delete` = DELETE …/{id} (404 code 81044 when the id is unknown);
 * - GET /zones/{zone}/dns_records: the zone's records, for tests and e2e checks.
 * What the API refuses, as it answers (400, `errors[].code`; Cloudflare docs "Records with the same name",
 * developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name):
 * - a CNAME where an A, AAAA or CNAME of that name exists: 81053 "An A, AAAA, or CNAME record with that host
 *   already exists."; an A/AAAA where a CNAME of that name exists: 81054 "A CNAME record with that host already
 *   exists."; the same type, name and content twice: 81057 "Record already exists.";
 * - a ttl other than 1 (automatic) or 60..86400: 1004 "DNS Validation Error" with error_chain 9021 (schema.go `ttl`
 *   description: 60..86400, 30 for Enterprise zones; the box is not one, the stricter reading).
 * The double's own limits, stricter than the API: names must be fully qualified (the API would append the zone
 * name, which the box does not know) and only A, AAAA and CNAME records are held.
 */
import { readJsonObject } from "./request-body";
import { randomBytes } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface DnsRecord {
  id: string;
  zone_id: string;
  name: string;
  type: "A" | "AAAA" | "CNAME";
  content: string;
  proxiable: boolean;
  proxied: boolean;
  ttl: number;
  comment: string | null;
  tags: string[];
  created_on: string;
  modified_on: string;
}

type ApiError = { code: number; message: string; error_chain?: { code: number; message: string }[] };

const HOST = /^(?:\*\.)?(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ADDRESS_TYPES = new Set(["A", "AAAA"]);
const RECORDS_PATH = /^\/zones\/([0-9a-f]{32})\/dns_records(?:\/([0-9a-f]{32}))?$/;


/** Why the API would refuse `b` as a record, or undefined. */
function recordProblem(b: Record<string, unknown>): ApiError | undefined {
  const type = String(b.type ?? "").toUpperCase();
  const name = String(b.name ?? "").toLowerCase().replace(/\.$/, "");
  const content = String(b.content ?? "");
  const ttl = Number(b.ttl);
  if (!["A", "AAAA", "CNAME"].includes(type)) return { code: 1004, message: `DNS Validation Error: type ${JSON.stringify(b.type)} is not held by the box (A, AAAA, CNAME)` };
  if (!HOST.test(name)) return { code: 1004, message: `DNS Validation Error: name ${JSON.stringify(b.name)} must be a fully qualified host name in the box` };
  if (ttl !== 1 && !(Number.isInteger(ttl) && ttl >= 60 && ttl <= 86400)) {
    return { code: 1004, message: "DNS Validation Error", error_chain: [{ code: 9021, message: "TTL must be between 60 and 86400 seconds, or 1 for Automatic." }] };
  }
  if (type === "A" && !isIPv4(content)) return { code: 1004, message: "DNS Validation Error", error_chain: [{ code: 9005, message: "Content for A record must be a valid IPv4 address." }] };
  if (type === "AAAA" && !isIPv6(content)) return { code: 1004, message: "DNS Validation Error", error_chain: [{ code: 9006, message: "Content for AAAA record must be a valid IPv6 address." }] };
  if (type === "CNAME" && (!HOST.test(content.replace(/\.$/, "")) || content.startsWith("*"))) return { code: 1004, message: "DNS Validation Error", error_chain: [{ code: 9007, message: "Content for CNAME record is invalid." }] };
  return undefined;
}

export class DnsRecords {
  readonly records = new Map<string, DnsRecord>();

  /** The zone's records, by name then type. */
  list(zoneId: string): DnsRecord[] {
    return [...this.records.values()].filter((r) => r.zone_id === zoneId).sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
  }

  /** The conflict the API reports when `r` would sit beside another record of its name (`id`: the one it replaces). */
  private clash(r: Pick<DnsRecord, "zone_id" | "name" | "type" | "content">, id?: string): ApiError | undefined {
    const same = this.list(r.zone_id).filter((o) => o.name === r.name && o.id !== id);
    if (same.some((o) => o.type === r.type && o.content === r.content)) return { code: 81057, message: "Record already exists." };
    if (r.type === "CNAME" && same.some((o) => o.type === "CNAME" || ADDRESS_TYPES.has(o.type))) return { code: 81053, message: "An A, AAAA, or CNAME record with that host already exists." };
    if (ADDRESS_TYPES.has(r.type) && same.some((o) => o.type === "CNAME")) return { code: 81054, message: "A CNAME record with that host already exists." };
    return undefined;
  }

  /** Whether `path` (below /cf) is a DNS records route. */
  static handles(path: string): boolean {
    return RECORDS_PATH.test(path);
  }

  /** `path` is below /cf and `handles` it. Answers like the API: `{ success, errors, messages, result }`. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const [, zoneId, id] = RECORDS_PATH.exec(path) as unknown as [string, string, string | undefined];
    const send = (status: number, result: unknown, errors: ApiError[] = []) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ success: status < 400, errors, messages: [], result }));
    };
    const existing = id === undefined ? undefined : this.records.get(id);
    if (id !== undefined && (!existing || existing.zone_id !== zoneId)) return send(404, null, [{ code: 81044, message: "Record does not exist." }]);
    if (req.method === "GET") return send(200, existing ?? this.list(zoneId));
    if (req.method === "DELETE" && existing) {
      this.records.delete(existing.id);
      return send(200, { id: existing.id });
    }
    if (!((req.method === "POST" && !id) || (req.method === "PUT" && existing))) return send(405, null, [{ code: 10000, message: `${req.method} is not allowed on ${path}` }]);
    const b = await readJsonObject(req);
    const problem = recordProblem(b);
    if (problem) return send(400, null, [problem]);
    const now = new Date().toISOString();
    const record: DnsRecord = {
      id: existing?.id ?? randomBytes(16).toString("hex"),
      zone_id: zoneId,
      name: String(b.name).toLowerCase().replace(/\.$/, ""),
      type: String(b.type).toUpperCase() as DnsRecord["type"],
      content: String(b.content).replace(/\.$/, ""),
      proxiable: true,
      proxied: b.proxied === true,
      ttl: Number(b.ttl),
      comment: typeof b.comment === "string" ? b.comment : null,
      tags: Array.isArray(b.tags) ? (b.tags as string[]) : [],
      created_on: existing?.created_on ?? now,
      modified_on: now,
    };
    const clash = this.clash(record, existing?.id);
    if (clash) return send(400, null, [clash]);
    this.records.set(record.id, record);
    send(200, record);
  }
}
