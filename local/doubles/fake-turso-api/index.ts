/**
 * TEST DOUBLE of the Turso Platform API (https://api.turso.tech). Not Turso: an in-memory imitation of the few
 * routes our scripts use (infra/turso/scripts.ts), with the response shapes from the project's reference notes
 * (/work/shared/reference/turso-cloudflare.md). Listens on 127.0.0.1 on an ephemeral port; no network.
 *
 * Where the real API's behaviour is not documented, the double picks the strict answer and says so below:
 *  - every request needs `Authorization: Bearer <token>` (openapi.json security bearerAuth) → else 401;
 *  - a request with a body must say `Content-Type: application/json` (every requestBody in openapi.json is
 *    `application/json` only) → else 415 and nothing changes; a body that is not JSON → 400;
 *  - adding/removing group locations is refused (deprecated for new accounts; see routes.ts);
 *  - deleting a group deletes its databases (turso-docs cli/group/destroy.mdx "with all locations and databases");
 *  - tokens are real EdDSA JWTs (./tokens.ts); with a `backend` (the box: local/box/turso.ts) each database is
 *    a real server and its Hostname is the backend's; requests are answered one at a time, in arrival order.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createdDatabaseJson, route, type Answer, type FakeDatabase, type FakeTursoState } from "./routes";
import { makeTokenSigner, type TokenSigner } from "./tokens";

export type { FakeDatabase, FakeTursoState } from "./routes";
export type { TokenSigner } from "./tokens";

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A one-shot failure: the next request matching method and path gets `status` and {"error": error}. */
export interface InjectedFailure {
  method?: string;
  path: string;
  status: number;
  error: string;
}

/** Real servers behind the databases (the box runs one sqld each). */
export interface DatabaseBackend {
  /** Starts what serves `db` and resolves to the Hostname the API answers for it (e.g. `localhost:<port>`). */
  create(db: FakeDatabase): Promise<string>;
  /** Stops it and removes its data. */
  remove(db: FakeDatabase): Promise<void>;
  /** Applies `db.config` (block_reads/block_writes) to the server. @default not applied */
  configure?(db: FakeDatabase): Promise<void>;
}

export interface FakeTursoApiOptions {
  /** The only API token accepted as `Authorization: Bearer <token>`; anything else gets 401. */
  token: string;
  /** Locations served by GET /v1/locations and accepted by groups. @default a few AWS codes */
  locations?: Record<string, string>;
  /** Signs database and group tokens. @default a fresh Ed25519 key */
  signer?: TokenSigner;
  /** @default none: databases exist only in memory, Hostname `<db>-<org>.turso.io` */
  backend?: DatabaseBackend;
}

export interface FakeTursoHandler {
  state: FakeTursoState;
  requests: RecordedRequest[];
  /** Makes the next matching request fail (e.g. a 500) without touching the state. */
  failNext(failure: InjectedFailure): void;
  /** Answers one request; `path` is the API path (`/v1/...`), e.g. with a mount prefix removed. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
}

export interface FakeTursoApi extends Omit<FakeTursoHandler, "handle"> {
  /** Base URL for TURSO_API_URL, e.g. http://127.0.0.1:43123 */
  url: string;
  close(): Promise<void>;
}

const DEFAULT_LOCATIONS: Record<string, string> = {
  "aws-us-east-1": "AWS US East (Virginia)",
  "aws-eu-west-1": "AWS EU West (Ireland)",
  "aws-ap-northeast-1": "AWS AP NorthEast (Tokyo)",
};

export function createFakeTursoHandler(options: FakeTursoApiOptions): FakeTursoHandler {
  const state: FakeTursoState = {
    locations: options.locations ?? DEFAULT_LOCATIONS,
    groups: new Map(),
    databases: new Map(),
    tokensIssued: 0,
    rotations: 0,
    signer: options.signer ?? makeTokenSigner(),
  };
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  // One request at a time: a DELETE never races the CREATE whose server is still starting.
  let queue: Promise<void> = Promise.resolve();

  const answer = async (method: string, url: URL, headers: IncomingHttpHeaders, body: string): Promise<Answer> => {
    if (headers.authorization !== `Bearer ${options.token}`) return { status: 401, body: { error: "token is missing or invalid" } };
    const i = failures.findIndex((f) => f.path === url.pathname && (f.method === undefined || f.method === method));
    if (i >= 0) {
      const [failure] = failures.splice(i, 1);
      return { status: failure!.status, body: { error: failure!.error } };
    }
    const contentType = (headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (body !== "" && contentType !== "application/json") return { status: 415, body: { error: "Content-Type must be application/json" } };
    let json: unknown;
    try {
      json = body === "" ? undefined : JSON.parse(body);
    } catch {
      return { status: 400, body: { error: "request body is not valid JSON" } };
    }
    const routed = route(state, method, url.pathname, url.searchParams, json);
    return options.backend ? applyEffects(state, options.backend, routed) : routed;
  };

  return {
    state,
    requests,
    failNext: (failure) => failures.push(failure),
    handle(req, res, path) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const url = new URL(path + new URL(req.url ?? "/", "http://127.0.0.1").search, "http://127.0.0.1");
        const method = req.method ?? "GET";
        const body = Buffer.concat(chunks).toString("utf8");
        requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
        queue = queue
          .then(() => answer(method, url, req.headers, body))
          .catch((e: unknown) => ({ status: 500, body: { error: `fake Turso API: ${(e as Error).message}` } }))
          .then((a) => void res.writeHead(a.status, { "content-type": "application/json" }).end(JSON.stringify(a.body)));
      });
    },
  };
}

/** Runs the backend for what the answer did; a database whose server cannot start is not created (500). */
async function applyEffects(state: FakeTursoState, backend: DatabaseBackend, answer: Answer): Promise<Answer> {
  for (const effect of answer.effects ?? []) {
    const db = effect.database;
    if (effect.kind === "database-deleted") {
      await backend.remove(db);
      continue;
    }
    if (effect.kind === "database-configured") {
      await backend.configure?.(db);
      continue;
    }
    try {
      db.Hostname = await backend.create(db);
    } catch (error) {
      state.databases.delete(`${db.org}/${db.Name}`);
      await backend.remove(db).catch(() => undefined);
      return { status: 500, body: { error: `could not start database ${db.Name}: ${(error as Error).message}` } };
    }
    return { ...answer, body: createdDatabaseJson(db) };
  }
  return answer;
}

export async function startFakeTursoApi(options: FakeTursoApiOptions): Promise<FakeTursoApi> {
  const { handle, ...handler } = createFakeTursoHandler(options);
  const server = createServer((req, res) => handle(req, res, new URL(req.url ?? "/", "http://127.0.0.1").pathname));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    ...handler,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
