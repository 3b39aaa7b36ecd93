/**
 * One tenant database as the copy engine reaches it over HTTP(S): a self-hosted sqld namespace (sqld's user port,
 * namespace named in `x-namespace-bin`, the header sqld reads: libsql-server http/user/db_factory.rs
 * `try_namespace_from_metadata`) or a Turso database (`https://<hostname>`: the hostname names the database).
 * Streams both ways: nothing here buffers a body.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { NAMESPACE_HEADER, namespaceHeaderValue } from "../../../worker/db";

export interface TenantEndpoint {
  /** `http://127.0.0.1:8080` (sqld) or `https://<db>-<org>.turso.io` (Turso; `libsql://` is accepted as https). */
  url: string;
  /** A token that may read and write this database (sqld JWT or Turso database token). */
  token: string;
  /** sqld namespace; absent for a Turso database. */
  namespace?: string;
  /** PEM of a private CA to trust for https (e.g. a staging front); @default the system's */
  ca?: string;
  /** Sent with every request, e.g. `fly-prefer-region: <primary>` so Fly's proxy delivers writes and the reads that verify them to sqld's primary. */
  headers?: Readonly<Record<string, string>>;
}


export function baseUrl(e: TenantEndpoint): URL {
  return new URL(e.url.replace(/^libsql:\/\//, "https://"));
}

/** Where an error message may name the database (never the token). */
export const describeEndpoint = (e: TenantEndpoint) => `${baseUrl(e).host}${e.namespace ? ` namespace ${e.namespace}` : ""}`;

export interface SendOptions {
  method: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | string | Readable;
  timeoutMs?: number;
}

/** Sends one request; resolves with the response stream (status not checked: callers name what failed). */
export function send(e: TenantEndpoint, o: SendOptions): Promise<IncomingMessage> {
  const url = baseUrl(e);
  const headers: OutgoingHttpHeaders = { ...e.headers, authorization: `Bearer ${e.token}`, ...o.headers };
  if (e.namespace) headers[NAMESPACE_HEADER] = namespaceHeaderValue(e.namespace);
  const options = { host: url.hostname, port: url.port || (url.protocol === "https:" ? 443 : 80), method: o.method, path: o.path, headers, timeout: o.timeoutMs ?? 120_000, ...(e.ca ? { ca: e.ca } : {}) };
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(options, resolve);
    req.on("timeout", () => req.destroy(new Error(`${o.method} ${o.path} on ${describeEndpoint(e)}: no answer in time`)));
    req.on("error", reject);
    if (o.body === undefined || typeof o.body === "string" || Buffer.isBuffer(o.body)) req.end(o.body);
    else o.body.on("error", (err) => req.destroy(err)).pipe(req);
  });
}

/** Reads a (small) response body as text. */
export async function readText(res: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of res.setEncoding("utf8")) text += chunk as string;
  return text;
}
