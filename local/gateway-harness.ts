/**
 * Runs the real Worker bundle in workerd (through miniflare) against real sqld processes started from the stack's
 * own fly.toml (local/sqld). Everything stays on loopback: the Worker's fetch() reaches sqld directly.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { Miniflare, type MiniflareOptions } from "miniflare";
import {
  buildWorkerBundle,
  WORKER_COMPATIBILITY_DATE,
  WORKER_COMPATIBILITY_FLAGS,
  type WorkerBundle,
} from "../infra/cloudflare/bundle";
import type { Env } from "../worker/env";
import { startStackSqld, type LocalSqldCluster, type SqldMachine, type TestKeys } from "./sqld/cluster";
import { createNamespaces } from "./sqld/tenant-client";

export const API_KEY = "test-gateway-key-0123456789";

let bundle: WorkerBundle | undefined;
/** One esbuild run per test file, of exactly the bundle EdgeWorker deploys. */
export function workerBundle(): WorkerBundle {
  bundle ??= buildWorkerBundle();
  return bundle;
}

/** Bindings as Cloudflare hands them over: strings for plain_text/secret_text, parsed JSON for `json` bindings. */
export type TestBindings = Omit<Env, "TENANTS"> & { TENANTS?: unknown };

export async function startWorker(bindings: TestBindings, options: Partial<Pick<MiniflareOptions, "outboundService" | "handleRuntimeStdio">> = {}): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    script: workerBundle().code,
    compatibilityDate: WORKER_COMPATIBILITY_DATE,
    compatibilityFlags: WORKER_COMPATIBILITY_FLAGS,
    bindings: bindings as Record<string, string>,
    ...options,
  });
  await mf.ready;
  return mf;
}

/**
 * Stands in for DNS + Fly's edge: every outbound request of the Worker (whatever its URL: https://<app>.fly.dev,
 * libsql://<db>.turso.io) goes to the sqld at `targetUrl` with its headers untouched, Host included, as Fly's
 * proxy passes Host through to the machine. Records the Host of each request it forwarded.
 */
export function forwardKeepingHost(targetUrl: string): { outboundService: MiniflareOptions["outboundService"]; hosts: string[] } {
  const target = new URL(targetUrl);
  const hosts: string[] = [];
  const node = (req: IncomingMessage, res: ServerResponse) => {
    hosts.push(req.headers.host ?? "");
    const path = new URL(req.url ?? "/", "http://placeholder").pathname; // req.url may be absolute
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      res.writeHead(502);
      res.end(`forwarder: ${error.message}`);
    });
    req.pipe(upstream);
  };
  return { outboundService: { node }, hosts };
}

export interface CallOptions {
  body?: unknown;
  /** Raw body text (for malformed JSON); wins over `body`. */
  rawBody?: string;
  apiKey?: string | null;
  headers?: Record<string, string>;
}

export interface GatewayReply {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

export async function callWorker(mf: Miniflare, method: string, path: string, options: CallOptions = {}): Promise<GatewayReply> {
  const headers: Record<string, string> = { ...options.headers };
  const apiKey = options.apiKey === undefined ? API_KEY : options.apiKey;
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  let body: string | undefined = options.rawBody;
  if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json";
  const response = await mf.dispatchFetch(`http://gateway.test${path}`, { method, headers, body });
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { nonJsonBody: text };
  }
  return { status: response.status, headers: response.headers as unknown as Headers, json };
}

export interface GatewayOptions {
  /** Stack whose fly.toml runs sqld ("prod" adds replicas). @default "dev" */
  stack?: "dev" | "prod";
  /** The stack's tenants: created as namespaces on the primary and passed to the Worker as TENANTS. */
  tenants: string[];
  /** Namespaces that exist in sqld but are no tenant of the stack (not in TENANTS). */
  otherNamespaces?: string[];
  /** Which machine DB_URL points at: the primary, or the first replica. @default "primary" */
  via?: "primary" | "replica";
  bindings?: Partial<TestBindings>;
}

export interface GatewayHarness {
  cluster: LocalSqldCluster;
  keys: TestKeys;
  /** The machine the Worker's DB_URL names, and that URL. */
  target: SqldMachine;
  dbUrl: string;
  mf: Miniflare;
  /** Bindings the Worker runs with (to start variants). */
  bindings: TestBindings;
  /** Calls the Worker; `body` objects are sent as JSON; the API key is added unless `apiKey: null`. */
  call(method: string, path: string, options?: CallOptions): Promise<GatewayReply>;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<GatewayHarness> {
  const cluster = await startStackSqld(options.stack ?? "dev", { tenants: options.tenants });
  try {
    await createNamespaces(cluster, [...options.tenants, ...(options.otherNamespaces ?? [])]);
    const target = options.via === "replica" ? cluster.replicas[0] : cluster.primary;
    if (!target) throw new Error(`stack ${options.stack ?? "dev"} has no replica`);
    const bindings: TestBindings = {
      DB_URL: target.httpUrl,
      DB_MODE: "self-hosted",
      JWT_PRIVATE_KEY: cluster.keys.privateKeyPem,
      GATEWAY_API_KEY: API_KEY,
      TENANTS: options.tenants,
      ...options.bindings,
    };
    const mf = await startWorker(bindings);
    return {
      cluster,
      keys: cluster.keys,
      target,
      dbUrl: target.httpUrl,
      mf,
      bindings,
      call: (method, path, callOptions) => callWorker(mf, method, path, callOptions),
      async close() {
        await mf.dispose();
        await cluster.close();
      },
    };
  } catch (error) {
    await cluster.close();
    throw error;
  }
}
