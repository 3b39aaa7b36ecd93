/**
 * TEST DOUBLE of the Pulumi cloudflare provider 6.22.1 (@pulumi/cloudflare), not the real provider: WorkersScript,
 * WorkersScriptSubdomain, WorkersCustomDomain, WorkersRoute and DnsRecord (./dns-record.ts) as
 * cloudflare/terraform-provider-cloudflare v5.22.0 internal/services/{workers_script,workers_script_subdomain,
 * workers_custom_domain,workers_route,dns_record}/schema.go define them. A WorkersScript is deployed to the local box (PUT $LIBSQL_BOX_URL/workers/{account}/{script}) instead of
 * Cloudflare. Runs in the real engine as `pulumi-resource-cloudflare`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type * as provider from "@pulumi/pulumi/provider";
import { changedKeys, containsUnknown, outputsWithSecrets, reveal, typeOfUrn, type Props } from "../wire";
import { applyDnsRecord, checkDnsRecord, deleteDnsRecord, dnsRecordDefaults, DNS_RECORD_SCHEMA, DNS_RECORD_TYPE, readDnsRecord } from "./dns-record";

const VERSION = "6.22.1";
export const CF_TYPES = {
  script: "cloudflare:index/workersScript:WorkersScript",
  subdomain: "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain",
  customDomain: "cloudflare:index/workersCustomDomain:WorkersCustomDomain",
  route: "cloudflare:index/workersRoute:WorkersRoute",
  dnsRecord: DNS_RECORD_TYPE,
} as const;

/**
 * replace: stringplanmodifier.RequiresReplace (any change); replaceIfConfigured: RequiresReplaceIfConfigured (a
 * change while the new config sets the attribute; dropping it from config keeps the old computed value).
 */
interface Schema { inputs: string[]; replace: string[]; replaceIfConfigured?: string[]; required: string[] }
const SCHEMAS: Record<string, Schema> = {
  // workers_script/schema.go: script_name and account_id RequiresReplace; the rest updates the script in place.
  [CF_TYPES.script]: { inputs: ["accountId", "scriptName", "mainModule", "content", "contentFile", "contentSha256", "contentType", "compatibilityDate", "compatibilityFlags", "bindings", "observability", "bodyPart"], replace: ["accountId", "scriptName"], required: ["accountId", "scriptName"] },
  // workers_script_subdomain/schema.go: account_id, script_name RequiresReplace; enabled required.
  [CF_TYPES.subdomain]: { inputs: ["accountId", "scriptName", "enabled", "previewsEnabled"], replace: ["accountId", "scriptName"], required: ["accountId", "scriptName", "enabled"] },
  // workers_custom_domain/schema.go (v5.22.0): account_id, hostname, service RequiresReplace; environment, zone_id,
  // zone_name RequiresReplaceIfConfigured; resource.go `Update`: "Update is not supported for this resource".
  [CF_TYPES.customDomain]: {
    inputs: ["accountId", "hostname", "service", "environment", "zoneId", "zoneName"],
    replace: ["accountId", "hostname", "service"],
    replaceIfConfigured: ["environment", "zoneId", "zoneName"],
    required: ["accountId", "hostname", "service"],
  },
  // workers_route/schema.go: zone_id RequiresReplace; pattern required; pattern and script update in place
  // (resource.go `Update` → Workers.Routes.Update).
  [CF_TYPES.route]: { inputs: ["zoneId", "pattern", "script"], replace: ["zoneId"], required: ["zoneId", "pattern"] },
  [CF_TYPES.dnsRecord]: DNS_RECORD_SCHEMA,
};

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const sha256File = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** What the script upload needs, checked where the value is known (schema validators + what the Workers API refuses). */
function checkScript(v: Props, known: (k: string) => boolean): provider.CheckFailure[] {
  const f: provider.CheckFailure[] = [];
  const fail = (property: string, reason: string) => f.push({ property, reason });
  if (known("accountId") && !/^[0-9a-f]{32}$/.test(String(v.accountId))) fail("accountId", `account_id must be a 32-character hex Cloudflare account id, got: ${JSON.stringify(v.accountId)}`);
  // content / content_file: stringvalidator.ConflictsWith, AlsoRequires(content_sha256); ValidateContentSHA256 (custom.go).
  if (v.content !== undefined && v.contentFile !== undefined) fail("contentFile", 'Attribute "content_file" cannot be specified when "content" is specified');
  if (v.contentFile !== undefined && v.contentSha256 === undefined) fail("contentFile", 'Attribute "content_sha256" must be specified when "content_file" is specified');
  if (v.content === undefined && v.contentFile === undefined) fail("content", "one of content or content_file is required to upload a Worker script");
  if (known("contentSha256") && known("contentFile")) {
    let actual: string | undefined;
    try {
      actual = sha256File(String(v.contentFile));
    } catch (e) {
      fail("contentSha256", `Hash Calculation Error: Failed to calculate SHA-256 hash of file '${v.contentFile}': failed to open file: ${(e as Error).message}`);
    }
    if (actual !== undefined && actual !== v.contentSha256) {
      fail("contentSha256", `SHA-256 Hash Mismatch: The provided SHA-256 hash '${v.contentSha256}' does not match the actual hash '${actual}' of content_file (${v.contentFile})`);
    }
  }
  // A module Worker names its entry module; without it (and without body_part) the upload is a service worker.
  if (v.mainModule === undefined && v.bodyPart === undefined) fail("mainModule", "main_module (an ES module Worker) is required by this double; service-worker syntax is not supported");
  if (known("compatibilityDate") && v.compatibilityDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(v.compatibilityDate))) {
    fail("compatibilityDate", `compatibility_date must be YYYY-MM-DD, got: ${JSON.stringify(v.compatibilityDate)}`);
  }
  // bindings[].type: stringvalidator.OneOfCaseInsensitive(...); this double implements the three kinds the gateway uses.
  for (const [i, b] of (Array.isArray(v.bindings) ? (v.bindings as Props[]) : []).entries()) {
    if (!b.name) fail(`bindings[${i}].name`, `Missing required argument: bindings[${i}].name`);
    const type = String(b.type ?? "").toLowerCase();
    if (type === "plain_text" || type === "secret_text") {
      if (typeof b.text !== "string") fail(`bindings[${i}].text`, `binding ${b.name}: type ${type} requires text`);
    } else if (type === "json") {
      try {
        JSON.parse(String(b.json));
      } catch {
        fail(`bindings[${i}].json`, `binding ${b.name}: json must be a JSON document`);
      }
    } else fail(`bindings[${i}].type`, `binding ${b.name}: type ${JSON.stringify(b.type)} is not implemented by the cloudflare TEST DOUBLE (plain_text, secret_text, json)`);
  }
  return f;
}

function boxUrl(): string {
  const url = process.env.LIBSQL_BOX_URL;
  if (!url) throw new Error("LIBSQL_BOX_URL is not set: the cloudflare TEST DOUBLE deploys Workers to the local box, start it and export LIBSQL_BOX_URL");
  return url.replace(/\/$/, "");
}

/** The box contract: PUT {box}/workers/{account}/{script} → 200 { url }. */
async function deployToBox(v: Props): Promise<string> {
  const bindings = (v.bindings as Props[] | undefined ?? []).map((b) => {
    const type = String(b.type).toLowerCase();
    return type === "json" ? { type, name: b.name, json: JSON.parse(String(b.json)) } : { type, name: b.name, text: b.text };
  });
  const main = String(v.mainModule);
  const code = v.contentFile !== undefined ? readFileSync(String(v.contentFile)) : Buffer.from(String(v.content));
  const res = await fetch(`${boxUrl()}/workers/${v.accountId}/${v.scriptName}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      mainModule: main, modules: [{ name: main, type: "esm", contentBase64: code.toString("base64") }], bindings,
      compatibilityDate: v.compatibilityDate ?? "", compatibilityFlags: v.compatibilityFlags ?? [],
    }),
  });
  if (res.status !== 200) throw new Error(`box refused Worker ${v.scriptName}: ${res.status} ${await res.text()}`);
  return String(((await res.json()) as { url: string }).url);
}

/** One call to the box's stand-in of the Cloudflare API (local/box/zone-routing.ts); its `result`. */
async function cfCall(method: string, path: string, body?: Props): Promise<Props> {
  const res = await fetch(`${boxUrl()}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (await res.json()) as { success: boolean; result: Props; errors: { code: number; message: string }[] };
  if (!answer.success) throw new Error(`${method} ${path.replace(/^\/cf/, "")}: ${answer.errors.map((e) => `${e.message} (${e.code})`).join("; ")}`);
  return answer.result ?? {};
}

function schemaOf(urn: string): [string, Schema] {
  const type = typeOfUrn(urn);
  const schema = SCHEMAS[type];
  if (!schema) throw new Error(`unknown resource type ${type} (cloudflare TEST DOUBLE)`);
  return [type, schema];
}

/** Output attributes: the inputs (secret_text values stay secret through outputsWithSecrets) plus computed ones. */
async function apply(type: string, inputs: Props, existingId?: string): Promise<{ id: string; outs: Props }> {
  const v = reveal(inputs) as Props;
  if (type === CF_TYPES.script) {
    const url = await deployToBox(v);
    return { id: String(v.scriptName), outs: { ...inputs, id: v.scriptName, boxUrl: url } };
  }
  if (type === CF_TYPES.route) {
    // resource.go Create → Workers.Routes.New (POST), Update → Workers.Routes.Update (PUT …/routes/{id}).
    const path = existingId ? `/cf/zones/${v.zoneId}/workers/routes/${existingId}` : `/cf/zones/${v.zoneId}/workers/routes`;
    const route = await cfCall(existingId ? "PUT" : "POST", path, { pattern: v.pattern, script: v.script });
    return { id: String(route.id), outs: { ...inputs } };
  }
  if (type === CF_TYPES.dnsRecord) {
    const record = await applyDnsRecord(boxUrl(), v, existingId);
    return { id: record.id, outs: { ...inputs, ...record.computed } };
  }
  if (type === CF_TYPES.customDomain) {
    // resource.go Create → Workers.Domains.Update: PUT /accounts/{account}/workers/domains (attach by hostname).
    const domain = await cfCall("PUT", `/cf/accounts/${v.accountId}/workers/domains`, { hostname: v.hostname, service: v.service, zone_id: v.zoneId, environment: v.environment });
    return { id: String(domain.id), outs: { ...inputs } };
  }
  return { id: String(v.scriptName), outs: { ...inputs } };
}

export const cloudflareProvider: provider.Provider = {
  version: VERSION,
  async check(urn, _olds, news) {
    const [type, schema] = schemaOf(urn);
    const v = reveal(news) as Props;
    const known = (k: string) => v[k] !== undefined && !containsUnknown(news[k]);
    const failures: provider.CheckFailure[] = schema.required
      .filter((k) => v[k] === undefined || v[k] === null)
      .map((k) => ({ property: k, reason: `Missing required argument: The argument "${snake(k)}" is required, but no definition was found.` }));
    if (type === CF_TYPES.script) failures.push(...checkScript(v, known));
    if (type === CF_TYPES.dnsRecord) {
      failures.push(...checkDnsRecord(v, known));
      return { inputs: dnsRecordDefaults(news), failures };
    }
    return { inputs: news, failures };
  },
  async diff(_id, urn, olds, news) {
    const [, schema] = schemaOf(urn);
    const changed = changedKeys(olds, news, schema.inputs);
    const configured = (k: string) => news[k] !== undefined && news[k] !== null;
    const replaces = changed.filter((k) => schema.replace.includes(k) || (schema.replaceIfConfigured?.includes(k) && configured(k)));
    return { changes: changed.length > 0, replaces };
  },
  async create(urn, inputs) {
    const [type] = schemaOf(urn);
    const { id, outs } = await apply(type, inputs);
    return { id, outs: outputsWithSecrets(inputs, outs, []) };
  },
  async update(id, urn, _olds, news) {
    const [type] = schemaOf(urn);
    // A custom domain has no update (resource.go: "Update is not supported"): every attribute replaces or is computed.
    if (type === CF_TYPES.customDomain) throw new Error("Update is not supported for this resource (workers_custom_domain)");
    const inPlace = type === CF_TYPES.route || type === CF_TYPES.dnsRecord;
    return { outs: outputsWithSecrets(news, (await apply(type, news, inPlace ? id : undefined)).outs, []) };
  },
  async read(id, urn, props) {
    if (typeOfUrn(urn) === CF_TYPES.dnsRecord) return readDnsRecord(boxUrl(), id, props);
    return { id, props };
  },
  async delete(id, urn, props) {
    const [type] = schemaOf(urn);
    const v = reveal(props) as Props;
    if (type === CF_TYPES.dnsRecord) return deleteDnsRecord(boxUrl(), id, v);
    // resource.go Delete: Workers.Domains.Delete(id) / Workers.Routes.Delete(id); a record already gone is fine.
    if (type === CF_TYPES.customDomain || type === CF_TYPES.route) {
      const path = type === CF_TYPES.customDomain ? `/cf/accounts/${v.accountId}/workers/domains/${id}` : `/cf/zones/${v.zoneId}/workers/routes/${id}`;
      const res = await fetch(`${boxUrl()}${path}`, { method: "DELETE" });
      if (res.status !== 200 && res.status !== 404) throw new Error(`box refused to delete ${path}: ${res.status}`);
      return;
    }
    if (type !== CF_TYPES.script) return;
    const res = await fetch(`${boxUrl()}/workers/${v.accountId}/${v.scriptName}`, { method: "DELETE" });
    if (res.status !== 204 && res.status !== 404) throw new Error(`box refused to delete Worker ${v.scriptName}: ${res.status}`);
  },
};
