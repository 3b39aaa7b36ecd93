/**
 * sqld TEST DOUBLE — not sqld. A Node HTTP server on 127.0.0.1 that speaks enough of sqld (libsql-server
 * 0.24.x) for @libsql/client 0.18 and our gateway: Hrana over HTTP (v2/v3 JSON pipeline), sqld's JWT rules,
 * namespaces resolved from headers, and the admin API on a second port. Data lives in real SQLite files
 * (the `libsql` npm package), one per namespace, in a temp directory removed by close().
 *
 * Not modelled: protobuf encoding, /v3/cursor, replication, bottomless, fork/config admin routes, ATTACH
 * rights (roa/rwa fold into ro/rw), describe's parameter names.
 */
import * as fs from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import type { KeyObject } from "node:crypto";
import { handleAdmin } from "./admin-api";
import { NotAuthorizedError, ProtocolError } from "./hrana-exec";
import { HranaServer, StreamExpiredError } from "./hrana-pipeline";
import { closeServer, listenOnLoopback, readBody, sendError, sendJson, sendText } from "./http-util";
import { AuthError, parseJwtKeys, permissionFor, verifyBearer, type Authenticated } from "./jwt-auth";
import { doesntExist, NamespaceError, namespaceFromHeaders, NamespaceStore } from "./namespaces";

export const SQLD_DOUBLE_VERSION = "sqld-double 0.24.33 (test double)";

export interface SqldDoubleOptions {
  /** JWT verification key: PEM PUBLIC KEY block(s) or raw Ed25519 key (unpadded base64url). Unset = auth disabled. */
  jwtKey?: string;
  /** Admin API key, sent as `Authorization: Basic <key>`. Unset = admin API open. */
  adminKey?: string;
  /** Namespaces created at start-up (besides `default`). */
  namespaces?: string[];
  /** sqld's --disable-default-namespace: no `default` namespace and no fallback to it. */
  disableDefaultNamespace?: boolean;
}

export interface SqldDoubleStats {
  /** HTTP requests on the user (Hrana) port. */
  requests: number;
  pipelineRequests: number;
  /** Bearer tokens checked, accepted or not. */
  jwtVerifications: number;
  jwtRejections: number;
  adminRequests: number;
  /** Claims of the last token that verified, to let tests check what a client sent. */
  lastClaims?: Record<string, unknown>;
}

export interface SqldDouble {
  /** Base URL of the user API, e.g. http://127.0.0.1:PORT */
  url: string;
  /** Base URL of the admin API. */
  adminUrl: string;
  stats: SqldDoubleStats;
  /** Existing namespaces (test-only view; real sqld has no list route). */
  namespaces(): string[];
  close(): Promise<void>;
}

export async function startSqldDouble(options: SqldDoubleOptions = {}): Promise<SqldDouble> {
  const globalKeys = options.jwtKey === undefined ? undefined : parseJwtKeys(options.jwtKey); // throws like sqld at start
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sqld-double-"));
  const store = new NamespaceStore(dir);
  if (!options.disableDefaultNamespace) store.create("default");
  for (const ns of options.namespaces ?? []) if (!store.has(ns)) store.create(ns);
  const hrana = new HranaServer(store);
  const stats: SqldDoubleStats = { requests: 0, pipelineRequests: 0, jwtVerifications: 0, jwtRejections: 0, adminRequests: 0 };

  const authenticate = (req: IncomingMessage, keys: KeyObject[] | undefined): Authenticated => {
    if (!keys) return { kind: "anonymous-full" };
    stats.jwtVerifications += 1;
    try {
      const verified = verifyBearer(req.headers.authorization, keys, Math.floor(Date.now() / 1000));
      stats.lastClaims = verified.claims;
      return verified.auth;
    } catch (error) {
      stats.jwtRejections += 1;
      throw error;
    }
  };

  const handleUser = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests += 1;
    const { pathname } = new URL(req.url ?? "/", "http://user");
    if (req.method === "GET" && pathname === "/health") return sendText(res, 200, "");
    if (req.method === "GET" && pathname === "/version") return sendText(res, 200, SQLD_DOUBLE_VERSION);
    if (req.method === "GET" && (pathname === "/v2" || pathname === "/v3")) {
      return sendText(res, 200, `Hello, this is HTTP API ${pathname.slice(1)} (Hrana over HTTP)`);
    }
    const pipeline = /^\/v([23])\/pipeline$/.exec(pathname);
    if (!pipeline || req.method !== "POST") return sendText(res, 404, "");
    stats.pipelineRequests += 1;
    const text = await readBody(req);
    const namespace = namespaceFromHeaders(req.headers, options.disableDefaultNamespace ?? false);
    // A namespace's own key replaces the global one; an unknown namespace is checked with the global key.
    const auth = authenticate(req, store.jwtKeysOf(namespace) ?? globalKeys);
    const permission = permissionFor(auth, namespace);
    if (!permission || !store.has(namespace)) throw doesntExist(namespace);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new ProtocolError(`JSON deserialize error: ${(error as Error).message}`);
    }
    return sendJson(res, 200, hrana.handlePipeline(body, namespace, permission, Number(pipeline[1])));
  };

  const user = createServer((req, res) => {
    handleUser(req, res).catch((error: unknown) => answerUserError(res, error));
  });
  const admin = createServer((req, res) => {
    handleAdmin(req, res, { store, adminKey: options.adminKey, onRequest: () => (stats.adminRequests += 1) }).catch(
      (error: unknown) => sendError(res, 500, `Internal Error: \`${(error as Error).message}\``),
    );
  });
  const [url, adminUrl] = await Promise.all([listenOnLoopback(user), listenOnLoopback(admin)]);

  return {
    url,
    adminUrl,
    stats,
    namespaces: () => store.names(),
    async close() {
      await Promise.all([closeServer(user), closeServer(admin)]);
      hrana.closeAll();
      store.closeAll();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Request-level failures, in the shapes and statuses sqld uses. */
function answerUserError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.end();
  if (error instanceof AuthError) return sendError(res, 401, `Unauthorized: \`${error.message}\``);
  if (error instanceof NamespaceError) return sendError(res, error.status, error.message);
  if (error instanceof NotAuthorizedError) return sendError(res, 401, error.message);
  if (error instanceof ProtocolError) return sendText(res, 400, error.message);
  if (error instanceof StreamExpiredError) return sendJson(res, 500, { message: error.message, code: error.code });
  return sendError(res, 500, `Internal Error: \`${error instanceof Error ? error.message : String(error)}\``);
}
