/**
 * TEST DOUBLE part of the cloudflare provider double (./provider.ts): `cloudflare:index/dnsRecord:DnsRecord` as
 * cloudflare/terraform-provider-cloudflare v5.22.0 internal/services/dns_record/{schema.go,resource.go} define it,
 * against the box's stand-in of the DNS API (local/box/dns-records.ts), which refuses what the API refuses
 * (81053/81054/81057 name clashes, ttl 9021). Each rule below cites the schema attribute it follows.
 */
import type * as provider from "@pulumi/pulumi/provider";
import type { Props } from "../wire";

export const DNS_RECORD_TYPE = "cloudflare:index/dnsRecord:DnsRecord";

/**
 * schema.go v5.22.0: zone_id Required + RequiresReplace; type Required + RequiresReplace (OneOfCaseInsensitive of
 * the 21 types below); name and ttl Required; content, comment, priority, proxied, tags, settings, data Optional
 * and updated in place (resource.go Update → DNS.Records.Update).
 */
export const DNS_RECORD_SCHEMA = {
  inputs: ["zoneId", "name", "type", "content", "ttl", "proxied", "comment", "tags", "settings", "priority", "data"],
  replace: ["zoneId", "type"],
  required: ["zoneId", "name", "type", "ttl"],
};

const RECORD_TYPES = ["A", "AAAA", "CNAME", "MX", "NS", "OPENPGPKEY", "PTR", "TXT", "CAA", "CERT", "DNSKEY", "DS", "HTTPS", "LOC", "NAPTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "URI"];
/** Cloudflare proxies only address records and CNAMEs (the `proxiable` attribute is false for the rest). */
const PROXIABLE = new Set(["A", "AAAA", "CNAME"]);

/** Input checks schema.go's validators make at plan time; `known` is false for a value not yet computed. */
export function checkDnsRecord(v: Props, known: (k: string) => boolean): provider.CheckFailure[] {
  const f: provider.CheckFailure[] = [];
  const fail = (property: string, reason: string) => f.push({ property, reason });
  // zone_id: "Identifier." — a 32-hex-digit zone tag (the API 404s anything else; the double refuses it early).
  if (known("zoneId") && !/^[0-9a-f]{32}$/.test(String(v.zoneId))) fail("zoneId", `zone_id must be a 32-character hex Cloudflare zone id, got: ${JSON.stringify(v.zoneId)}`);
  // type: stringvalidator.OneOfCaseInsensitive(...)
  if (known("type") && !RECORD_TYPES.includes(String(v.type).toUpperCase())) fail("type", `Attribute type value must be one of: ${RECORD_TYPES.map((t) => `"${t}"`).join(", ")}, got: ${JSON.stringify(v.type)}`);
  // content: stringvalidator.ConflictsWith(path.MatchRoot("data")); data: objectvalidator.ConflictsWith(content).
  if (v.content !== undefined && v.data !== undefined) fail("content", 'Attribute "content" cannot be specified when "data" is specified');
  // priority: float64validator.Between(0, 65535)
  if (known("priority") && v.priority !== undefined && !(Number(v.priority) >= 0 && Number(v.priority) <= 65535)) fail("priority", `Attribute priority value must be between 0 and 65535, got: ${v.priority}`);
  // ttl: Required Float64, no validator in the schema; its description ("1 means 'automatic'. Value must be between
  // 60 and 86400") is the API's rule, which the box answers with 9021 at apply time. A non-number fails here.
  if (known("ttl") && typeof v.ttl !== "number") fail("ttl", `ttl must be a number, got: ${JSON.stringify(v.ttl)}`);
  if (known("proxied") && v.proxied === true && known("type") && !PROXIABLE.has(String(v.type).toUpperCase())) fail("proxied", `a ${v.type} record cannot be proxied`);
  return f;
}

/** proxied: Computed + Optional, booldefault.StaticBool(false): absent in config is false in state. */
export const dnsRecordDefaults = (v: Props): Props => ({ proxied: false, ...v });

async function call(boxUrl: string, method: string, path: string, body?: Props): Promise<{ status: number; result: Props }> {
  const res = await fetch(`${boxUrl}/cf${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (await res.json()) as { success: boolean; result: Props; errors: { code: number; message: string; error_chain?: { code: number; message: string }[] }[] };
  if (!answer.success && res.status !== 404) {
    const errors = answer.errors.flatMap((e) => [e, ...(e.error_chain ?? [])]).map((e) => `${e.message} (${e.code})`);
    throw new Error(`${method} ${path}: ${errors.join("; ")}`);
  }
  return { status: res.status, result: answer.result ?? {} };
}

/** What resource.go Create/Update send: the record body of DNS.Records.New / DNS.Records.Update. */
const recordBody = (v: Props): Props => ({ name: v.name, type: v.type, content: v.content, ttl: v.ttl, proxied: v.proxied ?? false, comment: v.comment, tags: v.tags ?? [] });

/** The computed attributes the API returns (schema.go: created_on, modified_on, proxiable). */
const computed = (r: Props): Props => ({ createdOn: r.created_on, modifiedOn: r.modified_on, proxiable: r.proxiable });

/** Create → POST, update → PUT (resource.go Create/Update); an update of a record gone from the API fails (81044). */
export async function applyDnsRecord(boxUrl: string, v: Props, existingId?: string): Promise<{ id: string; computed: Props }> {
  const path = existingId ? `/zones/${v.zoneId}/dns_records/${existingId}` : `/zones/${v.zoneId}/dns_records`;
  const { status, result } = await call(boxUrl, existingId ? "PUT" : "POST", path, recordBody(v));
  if (status === 404) throw new Error(`PUT ${path}: Record does not exist. (81044)`);
  return { id: String(result.id), computed: computed(result) };
}

/** resource.go Read: a 404 removes the resource from state ("Resource not found"); else the API's values. */
export async function readDnsRecord(boxUrl: string, id: string, props: Props): Promise<{ id?: string; props: Props }> {
  const { status, result } = await call(boxUrl, "GET", `/zones/${props.zoneId}/dns_records/${id}`);
  if (status === 404) return { id: undefined, props: {} };
  return { id, props: { ...props, name: result.name, type: result.type, content: result.content, ttl: result.ttl, proxied: result.proxied, ...(result.comment !== null && { comment: result.comment }), ...computed(result) } };
}

/** resource.go Delete: DNS.Records.Delete, with no 404 allowance (a record already gone fails the delete). */
export async function deleteDnsRecord(boxUrl: string, id: string, props: Props): Promise<void> {
  const path = `/zones/${props.zoneId}/dns_records/${id}`;
  const { status } = await call(boxUrl, "DELETE", path);
  if (status === 404) throw new Error(`DELETE ${path}: Record does not exist. (81044)`);
}
