/**
 * sqld's admin API over HTTP, the one way the CLIs reach it: through the unix socket of a `fly proxy` session
 * (scripts/lib/fly-proxy.ts, the deploy's namespace step) or an http URL (tests, local runs). The key goes in the
 * `Authorization: Basic <key>` header as the literal key (sqld 0.24.32 compares it as is; base64 `user:pass` is
 * refused), so it never appears in any process's argv.
 */
import { request as httpRequest } from "node:http";

/** Where sqld's admin API listens: a unix socket (the deploy's `fly proxy`) or an http URL (tests, local runs). */
export type AdminEndpoint = { socketPath: string } | { url: string };

export interface AdminReply {
  status: number;
  text: string;
}

/** Longest wait for one admin call: they answer in milliseconds; a proxy whose machine went away never does. */
const ADMIN_TIMEOUT_MS = 30_000;

export function adminRequest(endpoint: AdminEndpoint, key: string, method: string, path: string, body?: string): Promise<AdminReply> {
  const headers: Record<string, string> = { authorization: `Basic ${key}` };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    // A length, not chunked: sqld 0.24.32 ignores a chunked DELETE body (`{"keep_backup":true}` was dropped and the
    // backups pruned, observed) and its unread bytes then break the next request on the kept-alive socket (HTTP 400).
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  const target = "socketPath" in endpoint ? { socketPath: endpoint.socketPath, path } : { ...urlParts(endpoint.url), path };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ ...target, method, headers, timeout: ADMIN_TIMEOUT_MS }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d)).on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within ${ADMIN_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end(body);
  });
}

function urlParts(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 80) };
}
