/**
 * Hrana over HTTP with every header under the attacker's control, Host included (fetch would not let us set Host),
 * so the suite can send what a hostile client would: a foreign x-namespace-bin, a forged Host, a stolen baton.
 */
import { request } from "node:http";
import { namespaceHeaderValue } from "../../../worker/db";

export interface RawReply {
  status: number;
  text: string;
  /** Parsed JSON body, or undefined when sqld answered plain text. */
  json: { baton?: string | null; base_url?: string | null; results?: { type: string; response?: unknown; error?: { message: string } }[]; error?: string } | undefined;
}

export interface RawOptions {
  token?: string;
  /** Namespace name, sent base64 in x-namespace-bin (sqld's header). */
  namespace?: string;
  /** The raw x-namespace-bin value (wins over `namespace`): for values no encoder would produce. */
  namespaceBin?: string;
  /** Host header; default is the URL's host (127.0.0.1:PORT, which sqld maps to namespace "127"). */
  host?: string;
  baton?: string | null;
}

/** POST /v2/pipeline with `requests` (no close added: pass `{type: "close"}` yourself to end the stream). */
export function rawPipeline(url: string, requests: unknown[], options: RawOptions = {}): Promise<RawReply> {
  const target = new URL(`${url}/v2/pipeline`);
  const body = JSON.stringify({ baton: options.baton ?? null, requests });
  const headers: Record<string, string> = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
  headers.host = options.host ?? target.host;
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.namespace !== undefined) headers["x-namespace-bin"] = namespaceHeaderValue(options.namespace);
  if (options.namespaceBin !== undefined) headers["x-namespace-bin"] = options.namespaceBin;
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: RawReply["json"];
        try {
          json = JSON.parse(text) as RawReply["json"];
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error("raw Hrana request timed out")));
    req.end(body);
  });
}

export const execute = (sql: string) => ({ type: "execute", stmt: { sql } });
export const close = { type: "close" };
