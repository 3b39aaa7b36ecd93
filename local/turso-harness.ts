/**
 * Managed mode for tests: the Turso Platform API TEST DOUBLE (local/doubles/fake-turso-api) with real sqld behind
 * each database (local/box/turso.ts: one sqld per database, TLS front from the box CA, real EdDSA tokens), served on
 * 127.0.0.1, plus what the Worker in workerd needs to reach those databases: workerd does not trust the box CA, so
 * its outbound requests go through `outboundService`, which stands in for DNS and Turso's edge (TLS to the
 * database's front, Host kept, the box CA trusted).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MiniflareOptions } from "miniflare";
import { BoxTurso, type TursoView } from "./box/turso";
import type { PipelineReply } from "./sqld/tenant-client";

export interface TursoHarness {
  /** Base URL of the API double (TURSO_API_URL). */
  url: string;
  token: string;
  /** One API call; the answer's JSON body and status. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Creates `name` in `group` (created at the first call) and mints its rw and ro tokens, as the stack does. */
  createDatabase(org: string, group: string, name: string): Promise<{ url: string; rw: string; ro: string }>;
  /** Hosts the Worker's outbound requests were sent to, in order. */
  hosts: string[];
  outboundService: MiniflareOptions["outboundService"];
  /** The box CA (PEM), for node clients that talk to the databases. */
  ca: string;
  /** The same CA as a file, for NODE_EXTRA_CA_CERTS of child processes. */
  caFile: string;
  /** The databases as the box sees them: DbId, whether their sqld runs, where their files are. */
  view(): TursoView;
  close(): Promise<void>;
}

export async function startTursoHarness(token = "turso-api-token-for-tests"): Promise<TursoHarness> {
  const root = mkdtempSync(join(tmpdir(), "turso-harness-"));
  const turso = await BoxTurso.start(root, { token });
  const server = createServer((req, res) => turso.handler.handle(req, res, new URL(req.url ?? "/", "http://127.0.0.1").pathname));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ca = readFileSync(turso.caFile, "utf8");
  const hosts: string[] = [];
  const groups = new Set<string>();

  const api: TursoHarness["api"] = async (method, path, body) => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  const mint = async (org: string, db: string, authorization: string) => {
    const r = await api("POST", `/v1/organizations/${org}/databases/${db}/auth/tokens?expiration=never&authorization=${authorization}`);
    if (r.status !== 200) throw new Error(`minting a token for ${db}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.jwt as string;
  };

  // Stands in for DNS + Turso's edge: the database's TLS front on loopback, Host untouched (the cert is localhost's).
  const node = (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? "";
    hosts.push(host);
    const port = Number(host.split(":")[1]);
    const path = new URL(req.url ?? "/", "http://placeholder").pathname;
    const upstream = httpsRequest({ host: "127.0.0.1", servername: "localhost", port, method: req.method, path, headers: req.headers, ca }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on("error", (error) => res.writeHead(502).end(`turso edge stand-in: ${error.message}`));
    req.pipe(upstream);
  };

  return {
    url,
    token,
    api,
    async createDatabase(org, group, name) {
      if (!groups.has(group)) {
        const g = await api("POST", `/v1/organizations/${org}/groups`, { name: group, location: "aws-eu-west-1" });
        if (g.status !== 200) throw new Error(`creating group ${group}: ${g.status} ${JSON.stringify(g.json)}`);
        groups.add(group);
      }
      const created = await api("POST", `/v1/organizations/${org}/databases`, { name, group });
      if (created.status !== 200) throw new Error(`creating ${name}: ${created.status} ${JSON.stringify(created.json)}`);
      const hostname = (created.json.database as { Hostname: string }).Hostname;
      return { url: `libsql://${hostname}`, rw: await mint(org, name, "full-access"), ro: await mint(org, name, "read-only") };
    },
    hosts,
    outboundService: { node },
    ca,
    caFile: turso.caFile,
    view: () => turso.view(),
    async close() {
      await new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      });
      await turso.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A Hrana pipeline (`requests`, sent as given: add `{type: "close"}` to end the stream) straight to a Turso database
 * (`libsql://localhost:<port>` of the double) with `token`, as a client does with the token route's answer (none: no
 * Authorization header); `ca` is the box CA its TLS front answers with. The reply has the shape of executeRaw's
 * (local/sqld/tenant-client.ts), so firstResult and resultValues read it.
 */
export function pipelineOnDatabase(url: string, token: string | undefined, requests: unknown[], ca: string): Promise<PipelineReply> {
  const { port } = new URL(url.replace(/^libsql:/, "https:"));
  const body = JSON.stringify({ baton: null, requests });
  return new Promise((done, fail) => {
    const headers = { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
    const req = httpsRequest({ host: "127.0.0.1", servername: "localhost", port, method: "POST", path: "/v2/pipeline", ca, headers }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      res.on("end", () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // plain-text protocol errors stay text
        }
        done({ status: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on("error", fail);
    req.end(body);
  });
}

/** One statement in its own stream (pipelineOnDatabase with execute + close). */
export function executeOnDatabase(url: string, token: string | undefined, sql: string, ca: string): Promise<PipelineReply> {
  return pipelineOnDatabase(url, token, [{ type: "execute", stmt: { sql } }, { type: "close" }], ca);
}
