import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { FlyToml } from "../lib/fly-toml";
import { sqldDeployOf, unreadableFlyToml } from "../lib/resources";
import { METRICS_RELAY_LISTEN_ENV, METRICS_RELAY_PORT } from "../../infra/sqld/image/metrics-relay";

/** sqld's admin API (full control with one static key) and its replication gRPC (unauthenticated). */
export const SQLD_ADMIN_PORT = 9090;
export const SQLD_GRPC_PORT = 5001;
// METRICS_RELAY_PORT: the metrics relay needs no key and names every tenant, so it is private as well.

/** `[::]:9090`, `0.0.0.0:9090` → 9090. */
function listenPort(addr: string | undefined): number | undefined {
  const m = addr ? /:(\d+)$/.exec(addr) : null;
  return m ? Number(m[1]) : undefined;
}

/** The admin, gRPC and metrics relay ports: the defaults plus whatever the process args or [env] choose instead. */
export function privatePorts(processes: Record<string, string>, env: Record<string, string> = {}): Set<number> {
  const ports = new Set([SQLD_ADMIN_PORT, SQLD_GRPC_PORT, METRICS_RELAY_PORT]);
  const relay = listenPort(env[METRICS_RELAY_LISTEN_ENV]);
  if (relay !== undefined) ports.add(relay);
  for (const cmd of Object.values(processes)) {
    const words = cmd.split(/\s+/);
    words.forEach((w, i) => {
      const [flag, inline] = w.split("=", 2);
      if (flag !== "--admin-listen-addr" && flag !== "--grpc-listen-addr") return;
      const port = listenPort(inline ?? words[i + 1]);
      if (port !== undefined) ports.add(port);
    });
  }
  return ports;
}

/** Pure check of a parsed sqld fly.toml: no Fly proxy service may reach the private ports. */
export function publicPrivatePortProblems(toml: FlyToml): string[] {
  const forbidden = privatePorts(toml.processes, toml.env);
  return toml.servicePorts
    .filter((s) => forbidden.has(s.port))
    .map((s) => `fly.toml ${s.where} = ${s.port}: sqld's admin (${SQLD_ADMIN_PORT}), gRPC (${SQLD_GRPC_PORT}) and metrics relay (${METRICS_RELAY_PORT}) ports must never be public services; reach admin through \`fly proxy\`, gRPC over 6PN, metrics through Fly's Prometheus`);
}

export const sqldPrivatePortsNotPublic: ResourceValidationPolicy = {
  name: "sqld-private-ports-not-public",
  description: "sqld's admin API (9090), replication gRPC (5001) and metrics relay (9091) are never exposed as Fly services (http_service or [[services]]).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const deploy = sqldDeployOf(args);
    if (!deploy) return;
    if (!deploy.flyToml?.ok) {
      reportViolation(`cannot check sqld's services: ${unreadableFlyToml(deploy)}`);
      return;
    }
    for (const problem of publicPrivatePortProblems(deploy.flyToml.toml)) reportViolation(problem);
  },
};
