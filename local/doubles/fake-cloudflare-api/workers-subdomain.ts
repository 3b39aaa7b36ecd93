/**
 * TEST DOUBLE of the Cloudflare API route infra/cloudflare/workers-dev.ts calls, not Cloudflare: GET
 * /accounts/{account_id}/workers/subdomain (Cloudflare API "Get Subdomain": Bearer token,
 * {"success","errors","messages","result":{"subdomain"}}; 4xx answers carry errors[].message). `subdomain: null`
 * stands for an account that never picked one. Paths are relative to the API base (…/client/v4).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeWorkersSubdomainOptions {
  /** The only API token accepted as `Authorization: Bearer <token>`. */
  token: string;
  /** account id → workers.dev subdomain (null: the account has none). */
  subdomains: Record<string, string | null>;
}

/** Answers one request whose URL is `path` below the API base; records nothing. */
export function workersSubdomainHandler(o: FakeWorkersSubdomainOptions): (req: IncomingMessage, res: ServerResponse, path: string) => void {
  return (req, res, path) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${o.token}`) return send(403, { success: false, errors: [{ code: 10000, message: "Authentication error" }], messages: [], result: null });
    const match = /^\/accounts\/([0-9a-f]{32})\/workers\/subdomain$/.exec(path);
    if (req.method !== "GET" || !match) return send(404, { success: false, errors: [{ code: 7003, message: "No route for that URI" }], messages: [], result: null });
    const subdomain = o.subdomains[match[1]!];
    if (!subdomain) return send(404, { success: false, errors: [{ code: 10007, message: "This account does not have a workers.dev subdomain" }], messages: [], result: null });
    send(200, { success: true, errors: [], messages: [], result: { subdomain } });
  };
}

/** The handler on its own server (127.0.0.1, ephemeral port); `paths` records every request URL. */
export function startFakeWorkersSubdomainApi(o: FakeWorkersSubdomainOptions): Promise<{ url: string; server: Server; paths: string[] }> {
  const paths: string[] = [];
  const handle = workersSubdomainHandler(o);
  const server = createServer((req, res) => {
    paths.push(req.url ?? "");
    handle(req, res, req.url ?? "");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, paths })));
}
