/**
 * Stands in for DNS + Turso's edge for a Worker in workerd: workerd does not trust the box CA, so a managed-mode
 * Worker's outbound requests go through this Miniflare `outboundService`, which sends each to the database's TLS
 * front on loopback (`localhost:<port>`, the Hostname the box's Turso double answers), Host untouched, the box CA
 * trusted. Other hosts (plain http to 127.0.0.1) pass through the same way, without TLS.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { MiniflareOptions } from "miniflare";

export function tursoEdgeOutbound(ca: string, hosts: string[] = []): NonNullable<MiniflareOptions["outboundService"]> {
  const node = (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? "";
    hosts.push(host);
    const url = new URL(req.url ?? "/", `http://${host}`);
    const port = Number(url.port);
    // workerd hands the outbound service the request's URL; https ones are the databases' fronts.
    const tls = (req.url ?? "").startsWith("https:") || host.startsWith("localhost:");
    const options = { host: "127.0.0.1", port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers };
    const onReply = (reply: IncomingMessage) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    };
    const upstream = tls ? httpsRequest({ ...options, servername: "localhost", ca }, onReply) : httpRequest(options, onReply);
    upstream.on("error", (error) => res.writeHead(502).end(`turso edge stand-in: ${error.message}`));
    req.pipe(upstream);
  };
  return { node };
}
