/**
 * Managed mode in the box: the Turso Platform API TEST DOUBLE (local/doubles/fake-turso-api), mounted under
 * <box>/turso, whose databases are real sqld processes reachable over TLS on loopback.
 *
 * One sqld per database (not one sqld with a namespace per database): deleting a database then really ends a
 * process and removes a directory, and one database's crash or data never touches another's. Inside it, the
 * database is a namespace named by its DbId (`--enable-namespaces --disable-default-namespace`), because Turso's
 * database tokens carry `id: <DbId>` and sqld authorizes a token with an `id` only for the namespace of that name
 * (libsql-server/src/auth/authenticated.rs `is_namespace_authorized`): a token minted for another database is
 * refused here as at Turso. sqld runs with JWT auth on (SQLD_AUTH_JWT_KEY = the fake's public key), so "ro"
 * tokens really cannot write.
 *
 * @libsql/client turns `libsql://localhost:<port>` into https (@libsql/core config.js), so each database gets a
 * TLS front on 127.0.0.1 with a certificate from the box CA (box-ca.ts, <root>/turso/ca.pem). The front streams
 * requests to sqld's HTTP port and names the namespace in `x-namespace-bin` (the header sqld reads,
 * http/user/db_factory.rs `try_namespace_from_metadata`), replacing any the client sent: the hostname alone picks
 * the database, as at Turso. No WebSocket upgrades (libsql:// over https is Hrana over HTTP).
 *
 * Files: <root>/turso/ca.pem, <root>/turso/<org>/<db>/ (sqld's data, removed with the database),
 * <root>/logs/turso-<org>-<db>.log (kept).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createFakeTursoHandler, type DatabaseBackend, type FakeDatabase, type FakeTursoHandler } from "../doubles/fake-turso-api";
import { makeTokenSigner, type TokenSigner } from "../doubles/fake-turso-api/tokens";
import { freePort, SqldProcess } from "../sqld/process";
import { makeBoxCertificates, type BoxCertificates } from "./box-ca";
import { applyDatabaseConfig } from "./turso-config";
import { handleUpload } from "./turso-upload";
import { NAMESPACE_HEADER, namespaceHeaderValue } from "../../worker/db";

export interface BoxTursoOptions {
  /** The only Turso API token the fake accepts (TURSO_API_TOKEN of the stack's Commands). */
  token: string;
  /** Locations the fake offers. @default the fake's */
  locations?: Record<string, string>;
}

export interface TursoDatabaseView {
  org: string;
  group: string;
  dbId: string;
  /** What the API answered: `localhost:<TLS port>`; `libsql://<hostname>` reaches the database. */
  hostname: string;
  /** sqld is up and its TLS front listens. */
  running: boolean;
  pid?: number;
  dataDir: string;
}

export interface TursoView {
  groups: { org: string; name: string; primary: string }[];
  /** By database name (names are unique per organisation; the e2e uses one organisation). */
  databases: Record<string, TursoDatabaseView>;
}

interface ServedDatabase {
  sqld: SqldProcess;
  front?: Server;
  dataDir: string;
  adminPort: number;
  /** Created with seed.type database_upload and not uploaded yet: only POST /v1/upload is served (turso-upload.ts). */
  awaitingUpload: boolean;
}

export class BoxTurso implements DatabaseBackend {
  readonly handler: FakeTursoHandler;
  /** Signs the tokens the fake hands out; sqld gets its public key. */
  private readonly signer: TokenSigner = makeTokenSigner();
  private readonly served = new Map<string, ServedDatabase>();

  private constructor(
    private readonly root: string,
    private readonly certs: BoxCertificates,
    options: BoxTursoOptions,
    /** <root>/turso/ca.pem: NODE_EXTRA_CA_CERTS for node processes that reach the databases. */
    readonly caFile: string,
  ) {
    this.handler = createFakeTursoHandler({ token: options.token, locations: options.locations, signer: this.signer, backend: this });
  }

  static async start(root: string, options: BoxTursoOptions): Promise<BoxTurso> {
    const dir = join(root, "turso");
    mkdirSync(dir, { recursive: true });
    const certs = await makeBoxCertificates();
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, certs.caCertPem);
    return new BoxTurso(root, certs, options, caFile);
  }

  async create(db: FakeDatabase): Promise<string> {
    const key = `${db.org}/${db.Name}`;
    const dataDir = join(this.root, "turso", db.org, db.Name);
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(join(this.root, "logs"), { recursive: true });
    const [httpPort, adminPort] = [await freePort(), await freePort()];
    const sqld = new SqldProcess({
      args: [
        "--db-path", join(dataDir, "data.sqld"),
        "--http-listen-addr", `127.0.0.1:${httpPort}`,
        "--admin-listen-addr", `127.0.0.1:${adminPort}`,
        "--enable-namespaces",
        "--disable-default-namespace",
        "--no-welcome",
      ],
      env: { SQLD_AUTH_JWT_KEY: this.signer.sqldJwtKey },
      logFile: join(this.root, "logs", `turso-${db.org}-${db.Name}.log`),
      readyUrl: `http://127.0.0.1:${httpPort}/health`,
      cwd: dataDir,
    });
    const served: ServedDatabase = { sqld, dataDir, adminPort, awaitingUpload: db.seed === "database_upload" };
    this.served.set(key, served);
    await sqld.start();
    // The admin API (loopback only) creates the namespace; sqld's admin route is POST /v1/namespaces/:ns/create.
    const created = await fetch(`http://127.0.0.1:${adminPort}/v1/namespaces/${db.DbId}/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    if (!created.ok) throw new Error(`sqld refused namespace ${db.DbId}: ${created.status} ${await created.text()}`);
    served.front = await this.startFront(httpPort, db.DbId, served);
    return `localhost:${(served.front.address() as AddressInfo).port}`;
  }

  private async startFront(sqldPort: number, namespace: string, served: ServedDatabase): Promise<Server> {
    const front = createHttpsServer({ key: this.certs.serverKeyPem, cert: this.certs.serverCertPem }, (req: IncomingMessage, res: ServerResponse) => {
      if (this.uploadRoute(req, res, namespace, served)) return;
      const headers: IncomingHttpHeaders = { ...req.headers, [NAMESPACE_HEADER]: namespaceHeaderValue(namespace) };
      delete headers["x-namespace"];
      const upstream = httpRequest({ host: "127.0.0.1", port: sqldPort, method: req.method, path: req.url, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", (e) => (res.headersSent ? res.destroy(e) : res.writeHead(502, { "content-type": "text/plain" }).end(`box: sqld unreachable: ${e.message}`)));
      req.pipe(upstream);
    });
    await new Promise<void>((done, fail) => {
      front.once("error", fail);
      front.listen(0, "127.0.0.1", done);
    });
    return front;
  }

  /** updateDatabaseConfiguration's block_reads/block_writes, as sqld's namespace config (turso-config.ts). */
  async configure(db: FakeDatabase): Promise<void> {
    const served = this.served.get(`${db.org}/${db.Name}`);
    if (served) await applyDatabaseConfig(served.adminPort, db);
  }

  /** POST /v1/upload (turso-upload.ts); while a database awaits its upload nothing else is served (strict: 400). */
  private uploadRoute(req: IncomingMessage, res: ServerResponse, dbId: string, served: ServedDatabase): boolean {
    if (new URL(req.url ?? "/", "https://x").pathname === "/v1/upload" && req.method === "POST") {
      const target = {
        dbId,
        dbPath: join(served.dataDir, "data.sqld"),
        jwtKey: this.signer.sqldJwtKey,
        awaitingUpload: () => served.awaitingUpload,
        restartWith: async (place: () => void) => (await served.sqld.stop(), place(), await served.sqld.start()),
        markUploaded: () => void (served.awaitingUpload = false),
      };
      handleUpload(req, res, target).catch((e: Error) => (res.headersSent ? res.destroy(e) : res.writeHead(500).end(`box: upload failed: ${e.message}`)));
      return true;
    }
    if (!served.awaitingUpload) return false;
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "database awaits its upload (seed.type database_upload)" }));
    return true;
  }

  async remove(db: FakeDatabase): Promise<void> {
    const key = `${db.org}/${db.Name}`;
    const served = this.served.get(key);
    if (!served) return;
    this.served.delete(key);
    await closeFront(served.front);
    await served.sqld.stop();
    rmSync(served.dataDir, { recursive: true, force: true });
  }

  view(): TursoView {
    const groups = [...this.handler.state.groups.values()].map((g) => ({ org: g.org, name: g.name, primary: g.primary }));
    const databases: Record<string, TursoDatabaseView> = {};
    for (const db of this.handler.state.databases.values()) {
      const served = this.served.get(`${db.org}/${db.Name}`);
      databases[db.Name] = {
        org: db.org,
        group: db.group,
        dbId: db.DbId,
        hostname: db.Hostname,
        running: served !== undefined && served.sqld.running && served.front?.listening === true,
        pid: served?.sqld.pid,
        dataDir: join(this.root, "turso", db.org, db.Name),
      };
    }
    return { groups, databases };
  }

  /** Ends every sqld and TLS front (data stays: a stopped box is looked at, not reused). */
  async stop(): Promise<void> {
    const all = [...this.served.values()];
    this.served.clear();
    await Promise.all(all.map(async (s) => (await closeFront(s.front), await s.sqld.stop())));
  }
}

function closeFront(front: Server | undefined): Promise<void> {
  if (!front?.listening) return Promise.resolve();
  return new Promise((done) => {
    front.closeAllConnections();
    front.close(() => done());
  });
}
