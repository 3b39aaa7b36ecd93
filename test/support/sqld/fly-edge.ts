/**
 * Fly's edge in front of a local sqld cluster: an HTTP proxy on 127.0.0.1 that picks the machine as Fly's proxy
 * would (local/doubles/fly-edge/routing.ts) for a client near `nearestRegion`, and records which process group served
 * each request.
 */
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { routeToMachine } from "../../../local/doubles/fly-edge/routing";
import type { LocalSqldCluster } from "../../../local/sqld/cluster";

export interface FlyEdge {
  url: string;
  /** Process group (`primary` / `replica`) of the machine that served each request, in order. */
  served: string[];
  close(): Promise<void>;
}

export async function startFlyEdge(cluster: LocalSqldCluster, nearestRegion: string): Promise<FlyEdge> {
  const served: string[] = [];
  const server = createServer((req, res) => {
    const machines = [cluster.primary, ...cluster.replicas].map((m) => ({ id: `${m.group}-${m.region}`, region: m.region, machine: m }));
    const chosen = routeToMachine(machines, (name) => [req.headers[name]].flat()[0], nearestRegion);
    if (!chosen) return void res.writeHead(502).end("fly edge (test): no machine");
    served.push(chosen.machine.group);
    const target = new URL(chosen.machine.httpUrl);
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on("error", (error) => res.writeHead(502).end(`fly edge (test): ${error.message}`));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
