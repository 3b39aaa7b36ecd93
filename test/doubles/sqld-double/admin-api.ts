/**
 * TEST DOUBLE of sqld's admin API (separate listener): `Authorization: Basic <literal key>`,
 * POST /v1/namespaces/:ns/create (JSON body required), DELETE /v1/namespaces/:ns, GET /v1/namespaces/:ns/stats.
 * Like sqld there is no route that lists namespaces.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseJwtKeys } from "./jwt-auth";
import { readBody, sendError, sendJson, sendText } from "./http-util";
import { NamespaceError, type NamespaceStore } from "./namespaces";

export interface AdminContext {
  store: NamespaceStore;
  adminKey?: string;
  onRequest(): void;
}

function namespaceFromPath(segment: string): string {
  return decodeURIComponent(segment);
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, ctx: AdminContext): Promise<void> {
  ctx.onRequest();
  // sqld compares the header to `Basic <key>` verbatim: the key is NOT base64(user:pass).
  if (ctx.adminKey !== undefined && req.headers.authorization !== `Basic ${ctx.adminKey}`) {
    return sendError(res, 401, "Unauthorized: `The `Basic` HTTP authentication credentials were rejected`");
  }
  const url = new URL(req.url ?? "/", "http://admin");
  const create = /^\/v1\/namespaces\/([^/]+)\/create$/.exec(url.pathname);
  const single = /^\/v1\/namespaces\/([^/]+)$/.exec(url.pathname);
  const stats = /^\/v1\/namespaces\/([^/]+)\/stats$/.exec(url.pathname);
  try {
    if (create && req.method === "POST") return await createNamespace(req, res, ctx, namespaceFromPath(create[1]!));
    if (single && req.method === "DELETE") {
      const namespace = namespaceFromPath(single[1]!);
      await readBody(req); // optional {"keep_backup": bool}; nothing to keep in a double
      ctx.store.delete(namespace); // closes its connections: open streams on it then report STREAM_EXPIRED
      return sendText(res, 200, "");
    }
    if (stats && req.method === "GET") {
      const namespace = namespaceFromPath(stats[1]!);
      const s = ctx.store.stats(namespace);
      return sendJson(res, 200, {
        rows_read_count: s.rowsRead,
        rows_written_count: s.rowsWritten,
        storage_bytes_used: ctx.store.storageBytes(namespace),
        write_requests_delegated: 0,
        replication_index: 0,
        query_count: s.queryCount,
        top_queries: [],
        slowest_queries: [],
      });
    }
    return sendText(res, 404, "");
  } catch (error) {
    if (error instanceof NamespaceError) return sendError(res, error.status, error.message);
    throw error;
  }
}

async function createNamespace(req: IncomingMessage, res: ServerResponse, ctx: AdminContext, namespace: string): Promise<void> {
  // axum's Json extractor: no JSON content type → 415, missing or invalid body → 400.
  if (!/^application\/json/i.test(req.headers["content-type"] ?? "")) {
    return sendText(res, 415, "Expected request with `Content-Type: application/json`");
  }
  const text = await readBody(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return sendText(res, 400, `Failed to parse the request body as JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return sendText(res, 400, "Failed to deserialize the JSON body into the target type: expected a map");
  }
  const options = body as { jwt_key?: unknown; dump_url?: unknown };
  if (options.dump_url !== undefined && options.dump_url !== null) {
    return sendError(res, 400, "dump_url is not supported by the sqld test double");
  }
  let jwtKeys;
  if (typeof options.jwt_key === "string") {
    try {
      jwtKeys = parseJwtKeys(options.jwt_key);
    } catch (error) {
      return sendError(res, 400, `Internal Error: \`${(error as Error).message}\``);
    }
  }
  ctx.store.create(namespace, jwtKeys);
  return sendText(res, 200, "");
}
