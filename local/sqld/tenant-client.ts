/**
 * Talking to a real sqld as a tenant would: namespaces created through the primary's admin API, clients and raw
 * Hrana requests that name the namespace in `x-namespace-bin` (sqld ignores `x-namespace`), tokens from the
 * product's own signing code.
 */
import { createClient, type Client } from "@libsql/client";
import type { Access } from "../../worker/claims";
import { fetchWithNamespace } from "../../worker/db";
import { mintScopedToken } from "../../worker/jwt";
import type { LocalSqldCluster, SqldMachine } from "./cluster";

/** Creates each namespace on the primary (replicas answer 404 to create); throws on anything but 200. */
export async function createNamespaces(cluster: LocalSqldCluster, names: string[]): Promise<void> {
  for (const name of names) {
    const reply = await cluster.admin(cluster.primary, "POST", `/v1/namespaces/${name}/create`, {});
    if (reply.status !== 200) throw new Error(`create namespace ${name}: ${reply.status} ${reply.text}`);
  }
}

/** A token as the gateway mints it: `p` scoped to one namespace, with `exp`. */
export async function scopedToken(privateKeyPem: string, tenant: string, access: Access, ttlSeconds = 300): Promise<string> {
  return (await mintScopedToken(privateKeyPem, { tenant, access, ttlSeconds, nowSeconds: Math.floor(Date.now() / 1000) })).token;
}

/** @libsql/client (Node build) on one namespace of the sqld at `url`; each request gives up after `timeoutMs` if set. */
export function namespaceClient(url: string, namespace: string, authToken: string | undefined, timeoutMs?: number): Client {
  const withNamespace = fetchWithNamespace(namespace);
  const fetch =
    timeoutMs === undefined ? withNamespace : (input: RequestInfo | URL, init?: RequestInit) => withNamespace(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return createClient({ url, authToken, intMode: "number", fetch });
}

/** A client for one tenant on one machine of `cluster`, with a token scoped to that tenant as the gateway mints it. */
export async function tenantClientOn(
  cluster: LocalSqldCluster,
  machine: SqldMachine,
  tenant: string,
  options: { access?: Access; ttlSeconds?: number; timeoutMs?: number } = {},
): Promise<Client> {
  const token = await scopedToken(cluster.keys.privateKeyPem, tenant, options.access ?? "rw", options.ttlSeconds);
  return namespaceClient(machine.httpUrl, tenant, token, options.timeoutMs);
}

export interface PipelineReply {
  status: number;
  /** Parsed JSON, or the text when sqld answered plain text. */
  body: unknown;
  text: string;
}

/** One Hrana v2 pipeline (execute `sql`, close) with exactly the headers given: no client library in between. */
export async function executeRaw(url: string, sql: string, options: { token?: string; namespace?: string } = {}): Promise<PipelineReply> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetchWithNamespace(options.namespace)(`${url}/v2/pipeline`, {
    method: "POST",
    headers,
    body: JSON.stringify({ requests: [{ type: "execute", stmt: { sql } }, { type: "close" }] }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain-text protocol errors stay text
  }
  return { status: response.status, body, text };
}

/** The first result of a 200 pipeline reply: `{type:"ok",…}` or `{type:"error", error:{message, code}}`. */
export function firstResult(reply: PipelineReply): { type: string; error?: { message: string; code: string } } | undefined {
  return (reply.body as { results?: { type: string; error?: { message: string; code: string } }[] }).results?.[0];
}

/** The column values of the first result's rows (Hrana cells' `value`, null for NULL), or a thrown error naming sqld's answer. */
export function resultValues(reply: PipelineReply): (string | null)[][] {
  const first = firstResult(reply) as { type: string; response?: { result: { rows: { value?: string }[][] } } } | undefined;
  if (first?.type !== "ok" || !first.response) throw new Error(`sqld answered ${reply.status}: ${reply.text}`);
  return first.response.result.rows.map((row) => row.map((cell) => cell.value ?? null));
}
