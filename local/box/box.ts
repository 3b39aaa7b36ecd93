/**
 * "Fly in a box": the local platform a real `pulumi up` deploys the stack onto, offline, on 127.0.0.1 only.
 *  - the fake flyctl TEST DOUBLE's machines run as real sqld (machines.ts), reachable through `fly proxy`
 *    (proxy-targets.json) and through a per-app edge (edge.ts);
 *  - Cloudflare Workers uploaded by the provider double run in workerd (workers.ts), and the Cloudflare API route
 *    the program curls is served under <box>/client/v4 (local/doubles/fake-cloudflare-api);
 *  - managed mode: the Turso Platform API double under <box>/turso, each database a real sqld behind TLS (turso.ts);
 *  - <flyStateDir>/box.json {"pid","url"} tells the fake fly a box is attached, so `fly deploy` waits for machines.
 * Control API (127.0.0.1): GET /health, GET /fly/machines[/<id>], POST /fly/machines/<id>/exec, /workers/{account}/{script}, /client/v4/…, /turso/v1/….
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { workersSubdomainHandler, type FakeWorkersSubdomainOptions } from "../doubles/fake-cloudflare-api/workers-subdomain";
import { portOf, startEdge } from "./edge";
import { MachineSupervisor, type RunningMachine } from "./machines";
import { BoxTurso, type BoxTursoOptions, type TursoView } from "./turso";
import { WorkersHost } from "./workers";
import { ZoneRouting } from "./zone-routing";
import { DnsRecords } from "./dns-records";
import { isProcessAlive } from "../pid";
import { runBoxExec } from "./machine-exec";
import { readJsonObject } from "./request-body";

export interface BoxOptions {
  /** Where the box keeps volumes, machine files and logs (<root>/logs/<machine id>.log). */
  root: string;
  /** $FAKE_FLY_STATE of the fake flyctl the stack's Commands call. */
  flyStateDir: string;
  /** app → local port of its public edge (stands for https://<app>.fly.dev). */
  edges?: Record<string, number>;
  /**
   * app → `*.localhost` tenant domains (`sqld.tenantDomain`) its edge also serves at `<label>.<domain>`: local names
   * have no certificate to route them by. @default {}
   */
  localTenantDomains?: Record<string, string[]>;
  /** Control API port. @default an ephemeral one */
  port?: number;
  /** The Cloudflare API token and workers.dev subdomains the fake API under /client/v4 accepts. */
  cloudflare?: FakeWorkersSubdomainOptions;
  /** Serve the Turso Platform API double under <url>/turso (TURSO_API_URL), accepting only `token`. */
  turso?: BoxTursoOptions;
}

export interface Box {
  url: string;
  /** The URL of an uploaded Worker, or undefined when none is uploaded under that name. */
  workerUrl(account: string, script: string): string | undefined;
  /** app → http://127.0.0.1:<port> of its edge. */
  edgeUrls: Record<string, string>;
  machines: MachineSupervisor;
  /** Workers custom domains and routes as the Cloudflare API would hold them (zone-routing.ts). */
  zoneRouting: ZoneRouting;
  /** DNS records as the Cloudflare API would hold them (dns-records.ts). */
  dnsRecords: DnsRecords;
  /** The Turso double's groups and databases (running: its sqld and TLS front are up); throws without `turso`. */
  turso(): Promise<TursoView>;
  /** <root>/turso/ca.pem, the CA of the databases' TLS fronts (NODE_EXTRA_CA_CERTS); undefined without `turso`. */
  tursoCaFile?: string;
  stop(): Promise<void>;
}

function machineView(r: RunningMachine) {
  return { id: r.wanted.id, app: r.wanted.app, group: r.wanted.group, region: r.wanted.region, instance_id: r.wanted.instanceId, release: r.wanted.release, status: r.status, error: r.error, pid: r.process?.pid, ports: r.ports };
}

export async function startBox(o: BoxOptions): Promise<Box> {
  const root = resolve(o.root);
  const flyStateDir = resolve(o.flyStateDir);
  for (const [app, domains] of Object.entries(o.localTenantDomains ?? {})) {
    const publicDomain = domains.find((d) => !d.endsWith(".localhost"));
    if (publicDomain) throw new Error(`localTenantDomains[${app}]: ${JSON.stringify(publicDomain)} is not a *.localhost domain; a public one is served through its certificate (fly certs add)`);
  }
  mkdirSync(root, { recursive: true });
  mkdirSync(flyStateDir, { recursive: true });
  const boxFile = join(flyStateDir, "box.json");
  if (existsSync(boxFile)) {
    const other = JSON.parse(readFileSync(boxFile, "utf8")) as { pid: number };
    if (isProcessAlive(other.pid)) throw new Error(`a box (pid ${other.pid}) is already attached to ${flyStateDir}`);
  }
  const machines = new MachineSupervisor({ root, flyStateDir });
  const zoneRouting = new ZoneRouting();
  const dnsRecords = new DnsRecords();
  const cloudflare = o.cloudflare ? workersSubdomainHandler(o.cloudflare) : undefined;
  const turso = o.turso ? await BoxTurso.start(root, o.turso) : undefined;
  // A managed stack's Worker reaches its Turso databases over TLS: trust the box CA they answer with.
  const workers = new WorkersHost(turso ? [readFileSync(turso.caFile, "utf8")] : []);

  const control = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://box").pathname;
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (path === "/health") return json(200, { ok: true });
    if (path === "/fly/machines") return json(200, [...machines.running.values()].map(machineView));
    const exec = /^\/fly\/machines\/([0-9a-f]+)\/exec$/.exec(path);
    if (exec && req.method === "POST") {
      const r = machines.running.get(exec[1]!);
      if (!r || r.status !== "ready") return json(409, { error: `machine ${exec[1]} is not running in the box` });
      return void readJsonObject(req)
        .then((body) => runBoxExec({ cmd: String(body.cmd ?? ""), timeout: typeof body.timeout === "number" ? body.timeout : undefined }, r.wanted.mounts, join(root, "volumes")))
        .then((result) => json(200, result), (e: unknown) => json(400, { error: String(e) }));
    }
    const machine = /^\/fly\/machines\/([0-9a-f]+)$/.exec(path);
    if (machine) {
      const r = machines.running.get(machine[1]!);
      return r ? json(200, machineView(r)) : json(404, { error: `machine ${machine[1]} is not running in the box` });
    }
    const cfPath = path.slice("/cf".length);
    if (path.startsWith("/cf/") && DnsRecords.handles(cfPath)) return void dnsRecords.handle(req, res, cfPath).catch((e) => res.headersSent || json(500, { error: String(e) }));
    if (path.startsWith("/cf/")) return void zoneRouting.handle(req, res, path.slice("/cf".length)).catch((e) => res.headersSent || json(500, { error: String(e) }));
    if (path.startsWith("/workers/")) return void workers.handle(req, res, path).catch((e) => res.headersSent || json(500, { error: String(e) }));
    if (path.startsWith("/client/v4/")) {
      if (!cloudflare) return json(404, { success: false, errors: [{ code: 7003, message: "the box was started without a Cloudflare API config" }] });
      return cloudflare(req, res, path.slice("/client/v4".length));
    }
    if (path === "/turso" || path.startsWith("/turso/")) {
      if (!turso) return json(404, { error: "the box was started without a Turso API config" });
      return turso.handler.handle(req, res, path.slice("/turso".length) || "/");
    }
    json(404, { error: `no route ${path}` });
  });
  await new Promise<void>((done, fail) => {
    control.once("error", fail);
    control.listen(o.port ?? 0, "127.0.0.1", done);
  });
  const url = `http://127.0.0.1:${portOf(control)}`;

  const edges: Server[] = [];
  const edgeUrls: Record<string, string> = {};
  const removeBoxFile = () => {
    try {
      if (existsSync(boxFile) && (JSON.parse(readFileSync(boxFile, "utf8")) as { pid: number }).pid === process.pid) rmSync(boxFile);
    } catch {
      // a half-written file of another box is not ours to remove
    }
  };
  // A box that dies must not leave the fake fly waiting for it (sqld processes: process.ts; workerd: Miniflare).
  process.once("exit", removeBoxFile);
  const stop = async () => {
    process.removeListener("exit", removeBoxFile);
    removeBoxFile();
    await machines.stop();
    await turso?.stop();
    await workers.close();
    await Promise.all([control, ...edges].map((s) => new Promise<void>((done) => (s.closeAllConnections(), s.close(() => done())))));
  };
  try {
    for (const [app, port] of Object.entries(o.edges ?? {})) {
      const edge = await startEdge(app, port, machines, { flyStateDir, localTenantDomains: o.localTenantDomains?.[app] });
      edges.push(edge);
      edgeUrls[app] = `http://127.0.0.1:${portOf(edge)}`;
    }
    machines.start();
    writeFileSync(boxFile, JSON.stringify({ pid: process.pid, url }));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    edgeUrls,
    machines,
    zoneRouting,
    dnsRecords,
    workerUrl: (account, script) => workers.url(account, script),
    turso: async () => {
      if (!turso) throw new Error("the box was started without `turso`");
      return turso.view();
    },
    tursoCaFile: turso?.caFile,
    stop,
  };
}
