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
 *  - deleting a group deletes its databases (turso-docs cli/group/destroy.mdx "with all locations and databases").
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { route, type FakeTursoState } from "./routes";

export type { FakeDatabase, FakeGroup, FakeTursoState } from "./routes";

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

export interface FakeTursoApi {
  /** Base URL for TURSO_API_URL, e.g. http://127.0.0.1:43123 */
  url: string;
  state: FakeTursoState;
  requests: RecordedRequest[];
  /** Makes the next matching request fail (e.g. a 500) without touching the state. */
  failNext(failure: InjectedFailure): void;
  close(): Promise<void>;
}

export interface FakeTursoApiOptions {
  /** The only API token accepted as `Authorization: Bearer <token>`; anything else gets 401. */
  token: string;
  /** Locations served by GET /v1/locations and accepted by groups. @default a few AWS codes */
  locations?: Record<string, string>;
}

const DEFAULT_LOCATIONS: Record<string, string> = {
  "aws-us-east-1": "AWS US East (Virginia)",
  "aws-eu-west-1": "AWS EU West (Ireland)",
  "aws-ap-northeast-1": "AWS AP NorthEast (Tokyo)",
};

export async function startFakeTursoApi(options: FakeTursoApiOptions): Promise<FakeTursoApi> {
  const state: FakeTursoState = {
    locations: options.locations ?? DEFAULT_LOCATIONS,
    groups: new Map(),
    databases: new Map(),
    tokensIssued: 0,
    rotations: 0,
  };
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const method = req.method ?? "GET";
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== `Bearer ${options.token}`) {
        send(401, { error: "token is missing or invalid" });
        return;
      }
      const i = failures.findIndex((f) => f.path === url.pathname && (f.method === undefined || f.method === method));
      if (i >= 0) {
        const [failure] = failures.splice(i, 1);
        send(failure!.status, { error: failure!.error });
        return;
      }
      const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (body !== "" && contentType !== "application/json") {
        send(415, { error: "Content-Type must be application/json" });
        return;
      }
      let json: unknown;
      try {
        json = body === "" ? undefined : JSON.parse(body);
      } catch {
        send(400, { error: "request body is not valid JSON" });
        return;
      }
      const answer = route(state, method, url.pathname, url.searchParams, json);
      send(answer.status, answer.body);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    failNext: (failure) => failures.push(failure),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
