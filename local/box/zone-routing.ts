/**
 * The box's record of Workers custom domains and routes: what Cloudflare's API would hold after the cloudflare
 * TEST DOUBLE's create/update/delete (local/doubles/providers/cloudflare). In memory, for the box's lifetime.
 * Routes the double calls (cloudflare-go v4 paths, as terraform-provider-cloudflare v5.22.0 uses them):
 * - custom domains: `Workers.Domains.Update` = PUT /accounts/{account}/workers/domains (attach: one domain per
 *   hostname; attaching a hostname again re-points it and keeps the record's id, the strict reading: a later DELETE
 *   of that id removes the live domain), `Workers.Domains.Delete` = DELETE /accounts/{account}/workers/domains/{id};
 * - routes: `Workers.Routes.New` = POST /zones/{zone}/workers/routes (a pattern already routed in the zone is refused,
 *   code 10020), `Routes.Update` = PUT …/routes/{id}, `Routes.Delete` = DELETE …/routes/{id};
 * - GET of both lists, for tests and e2e checks.
 */
import { readJsonObject } from "./request-body";
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface WorkerDomain { id: string; accountId: string; hostname: string; service: string; zoneId?: string }
export interface WorkerRoute { id: string; zoneId: string; pattern: string; script?: string }


export class ZoneRouting {
  readonly domains = new Map<string, WorkerDomain>();
  readonly routes = new Map<string, WorkerRoute>();

  /** `path` is below /cf. Answers like the API: `{ success, result | errors }`. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const send = (status: number, result: unknown, errors: { code: number; message: string }[] = []): void => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ success: status < 400, errors, result }));
    };
    let m: RegExpExecArray | null;
    if ((m = /^\/accounts\/([0-9a-f]{32})\/workers\/domains(?:\/([0-9a-f]+))?$/.exec(path))) {
      const [, accountId, id] = m;
      if (req.method === "GET" && !id) return send(200, [...this.domains.values()].filter((d) => d.accountId === accountId));
      if (req.method === "PUT" && !id) {
        const b = await readJsonObject(req);
        const hostname = String(b.hostname ?? "");
        const service = String(b.service ?? "");
        if (!hostname || !service) return send(400, null, [{ code: 100021, message: "hostname and service are required" }]);
        const existing = [...this.domains.values()].find((d) => d.accountId === accountId && d.hostname === hostname);
        const domain: WorkerDomain = { id: existing?.id ?? randomBytes(16).toString("hex"), accountId: accountId!, hostname, service, zoneId: b.zone_id as string | undefined };
        this.domains.set(domain.id, domain);
        return send(200, domain);
      }
      if (req.method === "DELETE" && id) return this.domains.delete(id) ? send(200, null) : send(404, null, [{ code: 100014, message: "Domain not found" }]);
    }
    if ((m = /^\/zones\/([0-9a-f]{32})\/workers\/routes(?:\/([0-9a-f]+))?$/.exec(path))) {
      const [, zoneId, id] = m;
      if (req.method === "GET" && !id) return send(200, [...this.routes.values()].filter((r) => r.zoneId === zoneId));
      if ((req.method === "POST" && !id) || (req.method === "PUT" && id)) {
        const b = await readJsonObject(req);
        const pattern = String(b.pattern ?? "");
        const clash = [...this.routes.values()].find((r) => r.zoneId === zoneId && r.pattern === pattern && r.id !== id);
        if (clash) return send(409, null, [{ code: 10020, message: "A route with the same pattern already exists" }]);
        if (id && !this.routes.has(id)) return send(404, null, [{ code: 10019, message: "Route not found" }]);
        const route: WorkerRoute = { id: id ?? randomBytes(16).toString("hex"), zoneId: zoneId!, pattern, script: b.script as string | undefined };
        this.routes.set(route.id, route);
        return send(200, route);
      }
      if (req.method === "DELETE" && id) return this.routes.delete(id) ? send(200, { id }) : send(404, null, [{ code: 10019, message: "Route not found" }]);
    }
    send(404, null, [{ code: 7003, message: `no route ${req.method} ${path}` }]);
  }
}
