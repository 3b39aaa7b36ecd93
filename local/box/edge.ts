/**
 * Fly's edge for one app on 127.0.0.1:<port>: plain HTTP reverse proxy to a ready machine's service port
 * (fly.toml [http_service] / [[services]] internal_port), streaming both bodies, Host passed through as Fly's proxy
 * does. Picks the machine as Fly's proxy would (local/doubles/fly-edge/routing.ts: nearest region, `fly-prefer-region`,
 * `fly-force-instance-id`), and only for a Host Fly would send to the app (local/doubles/fly-edge/hosts.ts: the box's
 * loopback address, `<app>.fly.dev`, a host name one of the app's certificates covers, a local tenant domain's
 * names); any other Host is refused with 404 before a machine sees it. Not modelled: TLS termination and
 * force_https (the edge is http://), auto_start_machines/auto_stop_machines (a stopped machine is not woken),
 * load balancing by concurrency.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parse as parseToml } from "smol-toml";
import { routeToMachine } from "../doubles/fly-edge/routing";
import { servesHost } from "../doubles/fly-edge/hosts";
import { readCertificateHosts } from "./fly-state";
import type { MachineSupervisor, RunningMachine } from "./machines";

interface ServiceSection {
  internal_port?: number;
  processes?: string[];
}

/** The internal_port of the first [http_service]/[[services]] that applies to the machine's process group. */
export function servicePortOf(flyToml: string, group: string): number | undefined {
  const doc = parseToml(flyToml) as { http_service?: ServiceSection; services?: ServiceSection[] };
  const sections = [...(doc.http_service ? [doc.http_service] : []), ...(doc.services ?? [])];
  const applies = (s: ServiceSection) => !s.processes || s.processes.length === 0 || s.processes.includes(group);
  return sections.find((s) => applies(s) && typeof s.internal_port === "number")?.internal_port;
}

/**
 * Where the box's clients are: Fly sends a request to the machine nearest to its client. FLY_BOX_CLIENT_REGION puts
 * them near that region (e.g. a replica region, to prove that writes carry `fly-prefer-region`); unset, near the
 * app's primary region.
 */
const clientRegion = (primaryRegion: string | undefined) => process.env.FLY_BOX_CLIENT_REGION || primaryRegion;

function choose(machines: MachineSupervisor, app: string, req: IncomingMessage): { machine: RunningMachine; port: number } | undefined {
  const ready = [...machines.running.values()].filter((r) => r.wanted.app === app && r.status === "ready" && r.process?.running);
  const withService = ready.flatMap((machine) => {
    const servicePort = servicePortOf(machine.wanted.flyToml, machine.wanted.group);
    const port = servicePort === undefined ? undefined : machine.ports[servicePort];
    return port === undefined ? [] : [{ machine, port, id: machine.wanted.id, region: machine.wanted.region }];
  });
  const primaryRegion = (parseToml(withService[0]?.machine.wanted.flyToml ?? "") as { primary_region?: string }).primary_region;
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return routeToMachine(withService, header, clientRegion(primaryRegion));
}

/**
 * No started machine can take the request: Fly's proxy answers 502 and logs a routing error (fly.io/docs/reference/
 * error-codes, "PR" codes); the body text here is the double's own.
 */
function noMachine(res: ServerResponse, app: string): void {
  res.writeHead(502, { "content-type": "text/plain" }).end(`fly edge (box): no started machine of ${app} serves HTTP\n`);
}

/**
 * A Host that is not the app's. Upstream is silent on what Fly answers for a host no app holds (over HTTPS the TLS
 * handshake has no certificate to offer); the box refuses it outright, the stricter reading: 404, and no machine of
 * the app ever sees the request.
 */
function unknownHost(res: ServerResponse, app: string, host: string | undefined): void {
  res.writeHead(404, { "content-type": "text/plain" }).end(`fly edge (box): ${JSON.stringify(host ?? "")} is not a host of ${app} (no certificate on the app covers it)\n`);
}

export interface EdgeOptions {
  /** $FAKE_FLY_STATE: where the app's certificates are read (per request). */
  flyStateDir: string;
  /** `*.localhost` tenant domains served by this app (no certificate exists for them). @default [] */
  localTenantDomains?: string[];
}

export function startEdge(app: string, port: number, machines: MachineSupervisor, o: EdgeOptions): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const hosts = { app, certificates: readCertificateHosts(o.flyStateDir, app), localTenantDomains: o.localTenantDomains };
    if (!servesHost(hosts, req.headers.host)) return unknownHost(res, app, req.headers.host);
    const target = choose(machines, app, req);
    if (!target) return noMachine(res, app);
    const upstream = request(
      {
        host: "127.0.0.1",
        port: target.port,
        method: req.method,
        path: req.url,
        // Fly's proxy adds the client address (Fly docs "Request headers": Fly-Client-IP, X-Forwarded-For).
        headers: { ...req.headers, "fly-client-ip": req.socket.remoteAddress ?? "", "x-forwarded-for": req.socket.remoteAddress ?? "" },
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`fly edge (box): ${error.message}\n`);
      else res.destroy(error);
    });
    req.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

export const portOf = (server: Server) => (server.address() as AddressInfo).port;
