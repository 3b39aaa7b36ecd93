/**
 * The cloudflare TEST DOUBLE (local/doubles/providers/cloudflare): input checks as upstream's schema and validators make
 * them, replace rules, secret bindings, and a WorkersScript deployed to a stand-in of the box endpoint that runs
 * the uploaded module in a real Miniflare (workerd).
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CF_TYPES, cloudflareProvider as p } from "../../local/doubles/providers/cloudflare/provider";
import { isSecret, reveal, secret, UNKNOWN, type Props } from "../../local/doubles/providers/wire";
import { ZoneRouting } from "../../local/box/zone-routing";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const dir = mkdtempSync(join(tmpdir(), "cf-double-"));
const file = join(dir, "worker.js");
const code = "export default { fetch(req, env) { return Response.json({ mode: env.DB_MODE, key: env.GATEWAY_API_KEY, tenants: env.TENANTS }); } };\n";
writeFileSync(file, code);
const sha = createHash("sha256").update(code).digest("hex");
const urn = (type: string) => `urn:pulumi:t::proj::libsql-stack:cloudflare:EdgeWorker$${type}::gw`;
const scriptInputs = (extra: Props = {}): Props => ({
  accountId: ACCOUNT, scriptName: "gw", mainModule: "worker.js", contentFile: file, contentSha256: sha,
  compatibilityDate: "2025-09-01", compatibilityFlags: ["nodejs_compat"],
  bindings: [
    { name: "DB_MODE", type: "plain_text", text: "self-hosted" },
    { name: "GATEWAY_API_KEY", type: "secret_text", text: secret("k-123") },
    { name: "TENANTS", type: "json", json: JSON.stringify(["acme"]) },
  ],
  ...extra,
});

/** Stand-in for the box's control API: runs each PUT's modules in Miniflare. */
const workers = new Map<string, Miniflare>();
const calls: string[] = [];
/** The box's real record of custom domains and routes. */
const zones = new ZoneRouting();
let box: Server;
beforeAll(async () => {
  box = createServer(async (req, res) => {
    calls.push(`${req.method} ${req.url}`);
    if (req.url!.startsWith("/cf/")) return zones.handle(req, res, req.url!.slice("/cf".length));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method === "DELETE") {
      const mf = workers.get(req.url!);
      workers.delete(req.url!);
      await mf?.dispose();
      return res.writeHead(mf ? 204 : 404).end();
    }
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { mainModule: string; modules: { name: string; contentBase64: string }[]; bindings: Props[]; compatibilityDate: string; compatibilityFlags: string[] };
    const main = body.modules.find((m) => m.name === body.mainModule)!;
    const mf = new Miniflare({
      modules: true, script: Buffer.from(main.contentBase64, "base64").toString(),
      compatibilityDate: body.compatibilityDate, compatibilityFlags: body.compatibilityFlags,
      bindings: Object.fromEntries(body.bindings.map((b) => [b.name, b.type === "json" ? b.json : b.text])) as Record<string, string>,
      port: 0, host: "127.0.0.1",
    });
    await workers.get(req.url!)?.dispose();
    workers.set(req.url!, mf);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ url: (await mf.ready).origin }));
  });
  await new Promise<void>((r) => box.listen(0, "127.0.0.1", r));
  process.env.LIBSQL_BOX_URL = `http://127.0.0.1:${(box.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const mf of workers.values()) await mf.dispose();
  box?.close();
  delete process.env.LIBSQL_BOX_URL;
});

describe("cloudflare.WorkersScript double", () => {
  it("deploys the bundle to the box, where it runs with its bindings; secret_text stays secret; delete removes it", async () => {
    const checked = await p.check!(urn(CF_TYPES.script), {}, scriptInputs());
    expect(checked.failures).toEqual([]);
    const { id, outs } = await p.create!(urn(CF_TYPES.script), checked.inputs);
    expect(id).toBe("gw");
    const bindings = outs.bindings as Props[];
    expect(isSecret(bindings[1]!.text)).toBe(true);
    expect(isSecret(bindings[0]!.text)).toBe(false);
    const served = await (await fetch(String(outs.boxUrl))).json();
    expect(served).toEqual({ mode: "self-hosted", key: "k-123", tenants: ["acme"] });
    await p.delete!(id, urn(CF_TYPES.script), outs);
    expect(calls.slice(-2)).toEqual([`PUT /workers/${ACCOUNT}/gw`, `DELETE /workers/${ACCOUNT}/gw`]);
  });

  it("rejects a sha256 that is not the file's, content_file without sha256, bad dates, ids and binding shapes", async () => {
    const reasons = async (inputs: Props) => ((await p.check!(urn(CF_TYPES.script), {}, inputs)).failures ?? []).map((f) => f.reason).join("\n");
    expect(await reasons(scriptInputs({ contentSha256: "0".repeat(64) }))).toContain(`SHA-256 Hash Mismatch: The provided SHA-256 hash '${"0".repeat(64)}' does not match the actual hash '${sha}' of content_file (${file})`);
    expect(await reasons(scriptInputs({ contentSha256: undefined }))).toContain('"content_sha256" must be specified when "content_file" is specified');
    expect(await reasons(scriptInputs({ compatibilityDate: "1 Sept 2025" }))).toContain("compatibility_date must be YYYY-MM-DD");
    expect(await reasons(scriptInputs({ accountId: "acct" }))).toContain("account_id must be a 32-character hex");
    expect(await reasons(scriptInputs({ mainModule: undefined }))).toContain("main_module");
    expect(await reasons(scriptInputs({ bindings: [{ name: "X", type: "secret_text" }] }))).toContain("type secret_text requires text");
    expect(await reasons(scriptInputs({ bindings: [{ name: "X", type: "kv_namespace", namespaceId: "n" }] }))).toContain("not implemented");
    expect(await reasons(scriptInputs({ contentSha256: UNKNOWN }))).toBe("");
  });

  it("replaces on account_id/script_name, updates in place otherwise, and fails clearly without the box", async () => {
    const olds = { ...scriptInputs(), id: "gw" };
    expect(await p.diff!("gw", urn(CF_TYPES.script), olds, scriptInputs({ scriptName: "gw2" }))).toMatchObject({ replaces: ["scriptName"] });
    expect(await p.diff!("gw", urn(CF_TYPES.script), olds, scriptInputs({ compatibilityDate: "2025-10-01" }))).toMatchObject({ changes: true, replaces: [] });
    expect(await p.diff!("gw", urn(CF_TYPES.script), olds, scriptInputs())).toMatchObject({ changes: false });
    const saved = process.env.LIBSQL_BOX_URL;
    delete process.env.LIBSQL_BOX_URL;
    await expect(p.create!(urn(CF_TYPES.script), scriptInputs())).rejects.toThrow(/LIBSQL_BOX_URL is not set/);
    process.env.LIBSQL_BOX_URL = saved;
  });

  it("subdomain, custom domain and route: required inputs and replace rules", async () => {
    const fails = async (type: string, inputs: Props) => ((await p.check!(urn(type), {}, inputs)).failures ?? []).map((f) => f.property);
    expect(await fails(CF_TYPES.subdomain, { accountId: ACCOUNT, scriptName: "gw" })).toEqual(["enabled"]);
    expect(await fails(CF_TYPES.route, { zoneId: "z", script: "gw" })).toEqual(["pattern"]);
    const route = { zoneId: "z", pattern: "api.example.com/*", script: "gw" };
    expect(await p.diff!("r", urn(CF_TYPES.route), route, { ...route, pattern: "x.example.com/*" })).toMatchObject({ changes: true, replaces: [] });
    expect(await p.diff!("r", urn(CF_TYPES.route), route, { ...route, zoneId: "z2" })).toMatchObject({ replaces: ["zoneId"] });
    const domain = { accountId: ACCOUNT, hostname: "db.example.com", service: "gw", zoneId: "z" };
    expect(await p.diff!("d", urn(CF_TYPES.customDomain), domain, { ...domain, hostname: "x.example.com" })).toMatchObject({ replaces: ["hostname"] });
    // v5.22.0 schema.go: zone_id / zone_name RequiresReplaceIfConfigured, service RequiresReplace (a scriptName rename).
    expect(await p.diff!("d", urn(CF_TYPES.customDomain), domain, { ...domain, zoneId: "z2" })).toMatchObject({ replaces: ["zoneId"] });
    expect(await p.diff!("d", urn(CF_TYPES.customDomain), domain, { ...domain, zoneName: "example.com" })).toMatchObject({ replaces: ["zoneName"] });
    expect(await p.diff!("d", urn(CF_TYPES.customDomain), domain, { ...domain, zoneId: undefined })).toMatchObject({ changes: true, replaces: [] });
    expect(await p.diff!("d", urn(CF_TYPES.customDomain), domain, { ...domain, service: "gw2" })).toMatchObject({ replaces: ["service"] });
    expect(reveal((await p.create!(urn(CF_TYPES.subdomain), { accountId: ACCOUNT, scriptName: "gw", enabled: true })).outs)).toMatchObject({ enabled: true });
  });
});

describe("custom domains and routes reach the box's record of the Cloudflare API", () => {
  const ZONE = "fedcba9876543210fedcba9876543210";
  const domain = { accountId: ACCOUNT, hostname: "db.example.com", service: "gw", zoneId: ZONE };

  it("a custom domain is attached on create, cannot be updated, and is gone after delete", async () => {
    const { id, outs } = await p.create!(urn(CF_TYPES.customDomain), domain);
    expect(zones.domains.get(id)).toMatchObject({ hostname: "db.example.com", service: "gw", zoneId: ZONE });
    await expect(p.update!(id, urn(CF_TYPES.customDomain), outs, { ...domain, service: "gw2" })).rejects.toThrow(/Update is not supported/);
    await p.delete!(id, urn(CF_TYPES.customDomain), outs);
    expect(zones.domains.has(id)).toBe(false);
  });

  it("a scriptName rename replaced create-before-delete leaves NO domain (same hostname, same record); delete-before-replace keeps it", async () => {
    const old = await p.create!(urn(CF_TYPES.customDomain), domain);
    const renamed = await p.create!(urn(CF_TYPES.customDomain), { ...domain, service: "gw-renamed" });
    expect(renamed.id).toBe(old.id);
    await p.delete!(old.id, urn(CF_TYPES.customDomain), old.outs);
    expect([...zones.domains.values()].filter((d) => d.hostname === "db.example.com")).toEqual([]);
    // The order the stack uses (EdgeWorker: deleteBeforeReplace on the domain): the hostname ends on the new script.
    await p.delete!(renamed.id, urn(CF_TYPES.customDomain), renamed.outs);
    const again = await p.create!(urn(CF_TYPES.customDomain), { ...domain, service: "gw-renamed" });
    expect(zones.domains.get(again.id)).toMatchObject({ hostname: "db.example.com", service: "gw-renamed" });
    await p.delete!(again.id, urn(CF_TYPES.customDomain), again.outs);
  });

  it("a route is created, updated in place (same id), refuses a duplicate pattern, and is gone after delete", async () => {
    const route = { zoneId: ZONE, pattern: "api.example.com/*", script: "gw" };
    const { id, outs } = await p.create!(urn(CF_TYPES.route), route);
    await expect(p.create!(urn(CF_TYPES.route), route)).rejects.toThrow(/same pattern already exists \(10020\)/);
    const updated = await p.update!(id, urn(CF_TYPES.route), outs, { ...route, script: "gw2" });
    expect(zones.routes.get(id)).toMatchObject({ pattern: "api.example.com/*", script: "gw2" });
    await p.delete!(id, urn(CF_TYPES.route), updated.outs!);
    expect(zones.routes.has(id)).toBe(false);
  });
});
