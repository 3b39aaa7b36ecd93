/**
 * Runs the real Worker bundle in workerd (through miniflare) against the sqld test double on 127.0.0.1.
 * Everything stays on loopback: the Worker's fetch() reaches the double directly.
 */
import { generateKeyPairSync } from "node:crypto";
import { Miniflare } from "miniflare";
import {
  buildWorkerBundle,
  WORKER_COMPATIBILITY_DATE,
  WORKER_COMPATIBILITY_FLAGS,
  type WorkerBundle,
} from "../../../infra/cloudflare/bundle";
import type { Env } from "../../../worker/env";
import { startSqldDouble, type SqldDouble, type SqldDoubleOptions } from "../../doubles/sqld-double";

export const API_KEY = "test-gateway-key-0123456789";

export interface Ed25519TestKeys {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function generateEd25519Keys(): Ed25519TestKeys {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}

let bundle: WorkerBundle | undefined;
/** One esbuild run per test file, of exactly the bundle EdgeWorker deploys. */
export function workerBundle(): WorkerBundle {
  bundle ??= buildWorkerBundle();
  return bundle;
}

export async function startWorker(bindings: Env): Promise<Miniflare> {
  const { code } = workerBundle();
  const mf = new Miniflare({
    modules: true,
    script: code,
    compatibilityDate: WORKER_COMPATIBILITY_DATE,
    compatibilityFlags: WORKER_COMPATIBILITY_FLAGS,
    bindings: bindings as Record<string, string>,
  });
  await mf.ready;
  return mf;
}

export interface GatewayHarness {
  double: SqldDouble;
  keys: Ed25519TestKeys;
  mf: Miniflare;
  /** Calls the Worker; `body` objects are sent as JSON; the API key is added unless `apiKey: null`. */
  call(method: string, path: string, options?: CallOptions): Promise<GatewayReply>;
  close(): Promise<void>;
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

export async function startGateway(
  options: { double?: SqldDoubleOptions; bindings?: Partial<Env> } = {},
): Promise<GatewayHarness> {
  const keys = generateEd25519Keys();
  const double = await startSqldDouble({ jwtKey: keys.publicKeyPem, ...options.double });
  const mf = await startWorker({
    DB_URL: double.url,
    DB_MODE: "self-hosted",
    JWT_PRIVATE_KEY: keys.privateKeyPem,
    GATEWAY_API_KEY: API_KEY,
    ...options.bindings,
  });
  return {
    double,
    keys,
    mf,
    call: (method, path, callOptions) => callWorker(mf, method, path, callOptions),
    async close() {
      await mf.dispose();
      await double.close();
    },
  };
}
