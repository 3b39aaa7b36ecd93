/**
 * Cloudflare Workers for the box: each uploaded script runs in workerd through Miniflare (as test/worker does) on
 * its own 127.0.0.1 port. The Cloudflare provider double uploads here:
 *   PUT    /workers/{accountId}/{scriptName}  {mainModule, modules[{name,type:"esm",contentBase64}], bindings[],
 *                                             compatibilityDate, compatibilityFlags?} → 200 {"url"}
 *   GET    same                               → 200 {"url"} | 404
 *   DELETE same                               → 204 | 404
 * A re-PUT replaces code and bindings in place (Miniflare setOptions) and keeps the port, so the URL is stable.
 * Validation is strict: anything outside this contract is a 400 naming the field, never silently ignored.
 */
import { readBody } from "./request-body";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Miniflare, type MiniflareOptions } from "miniflare";

type Binding = { type: "plain_text" | "secret_text"; name: string; text: string } | { type: "json"; name: string; json: unknown };

interface Upload {
  mainModule: string;
  modules: { name: string; type: string; contentBase64: string }[];
  bindings: Binding[];
  compatibilityDate: string;
  compatibilityFlags?: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The upload as Miniflare options, or the reason it is refused. */
function optionsOf(body: unknown): MiniflareOptions | string {
  const u = body as Upload;
  if (!u || typeof u !== "object") return "body must be a JSON object";
  if (!Array.isArray(u.modules) || u.modules.length === 0) return "modules must be a non-empty array";
  for (const m of u.modules) {
    if (typeof m.name !== "string" || m.type !== "esm" || typeof m.contentBase64 !== "string") return `module ${JSON.stringify(m.name)}: needs name, type "esm", contentBase64`;
  }
  const main = u.modules.find((m) => m.name === u.mainModule);
  if (!main) return `mainModule ${JSON.stringify(u.mainModule)} is not among modules`;
  if (typeof u.compatibilityDate !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(u.compatibilityDate)) return "compatibilityDate must be YYYY-MM-DD";
  if (u.compatibilityFlags !== undefined && (!Array.isArray(u.compatibilityFlags) || u.compatibilityFlags.some((f) => typeof f !== "string"))) return "compatibilityFlags must be strings";
  const bindings: Record<string, unknown> = {};
  for (const b of u.bindings ?? []) {
    if (!b || typeof b.name !== "string" || !NAME.test(b.name)) return `binding name ${JSON.stringify(b?.name)} is invalid`;
    if (b.name in bindings) return `binding ${b.name} is given twice`;
    if ((b.type === "plain_text" || b.type === "secret_text") && typeof b.text === "string") bindings[b.name] = b.text;
    else if (b.type === "json" && "json" in b) bindings[b.name] = b.json;
    else return `binding ${b.name}: unsupported type ${JSON.stringify(b.type)} or missing value`;
  }
  // The main module first: Miniflare treats the first module as the entry point.
  const ordered = [main, ...u.modules.filter((m) => m !== main)];
  return {
    modules: ordered.map((m) => ({ type: "ESModule" as const, path: m.name, contents: Buffer.from(m.contentBase64, "base64").toString("utf8") })),
    compatibilityDate: u.compatibilityDate,
    compatibilityFlags: u.compatibilityFlags ?? [],
    bindings: bindings as Record<string, string>,
  };
}

export class WorkersHost {
  private readonly scripts = new Map<string, { mf: Miniflare; url: string; port: number }>();
  private readonly outbound: Partial<Pick<MiniflareOptions, "outboundService">>;

  /**
   * `trustedCertificates`: CAs a Worker's outbound TLS trusts besides the public ones (the box's Turso databases
   * answer https://localhost:<port> with a box-CA certificate, as Turso's edge answers with a public one). The
   * network is Miniflare's own default "internet" service (public and private addresses, browser CAs); Miniflare
   * only adds NODE_EXTRA_CA_CERTS to it when that is set at import, which the box's own process does not have.
   */
  constructor(trustedCertificates: string[] = []) {
    this.outbound = trustedCertificates.length === 0 ? {} : {
      outboundService: { network: { allow: ["public", "private", "240.0.0.0/4"], deny: [], tlsOptions: { trustBrowserCas: true, trustedCertificates } } },
    };
  }

  url(account: string, script: string): string | undefined {
    return this.scripts.get(`${account}/${script}`)?.url;
  }

  private queue: Promise<void> = Promise.resolve();

  /** Serves /workers/{account}/{script}, one request at a time (two PUTs of a script must not race). */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const run = this.queue.then(() => this.handleOne(req, res, path));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async handleOne(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const send = (status: number, body?: unknown): void => {
      if (body === undefined) res.writeHead(status).end();
      else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    const match = /^\/workers\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)$/.exec(path);
    if (!match) return send(404, { error: "no such route" });
    const key = `${match[1]}/${match[2]}`;
    const existing = this.scripts.get(key);
    if (req.method === "GET") return existing ? send(200, { url: existing.url }) : send(404, { error: `no worker ${key}` });
    if (req.method === "DELETE") {
      if (!existing) return send(404, { error: `no worker ${key}` });
      this.scripts.delete(key);
      await existing.mf.dispose();
      return send(204);
    }
    if (req.method !== "PUT") return send(405, { error: "PUT, GET or DELETE" });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(400, { error: "body is not JSON" });
    }
    const options = optionsOf(body);
    if (typeof options === "string") return send(400, { error: options });
    try {
      if (existing) {
        await existing.mf.setOptions({ ...options, ...this.outbound, host: "127.0.0.1", port: existing.port });
        await existing.mf.ready;
        return send(200, { url: existing.url });
      }
      const mf = new Miniflare({ ...options, ...this.outbound, host: "127.0.0.1", port: 0 });
      const ready = await mf.ready.catch(async (error) => {
        await mf.dispose();
        throw error;
      });
      const entry = { mf, url: `http://127.0.0.1:${ready.port}`, port: Number(ready.port) };
      this.scripts.set(key, entry);
      send(200, { url: entry.url });
    } catch (error) {
      send(400, { error: `workerd refused the script: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.scripts.values()].map((s) => s.mf.dispose()));
    this.scripts.clear();
  }
}

