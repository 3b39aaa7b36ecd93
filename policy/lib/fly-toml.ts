import { parse } from "smol-toml";

/**
 * What the policies need to know about a fly.toml, read with a real TOML parser (smol-toml, the same library
 * that renders it) so quoting or table-vs-array forms cannot hide a setting from a regex.
 */
export interface FlyToml {
  app?: string;
  /** Number of [[mounts]] entries (volumes). */
  mounts: number;
  /** http_service.checks, [checks.*] or per-service checks: Fly's bluegreen needs at least one. */
  healthChecks: number;
  /** Every port Fly's proxy exposes: the internal ports it forwards to and the public ports it listens on. */
  servicePorts: { where: string; port: number }[];
  /** [processes]: group → command line. */
  processes: Record<string, string>;
  env: Record<string, string>;
  /** [deploy] strategy (used when `fly deploy` gets no --strategy). */
  deployStrategy?: string;
  /** [build] image (deploys of a pre-built image). */
  buildImage?: string;
}

export type FlyTomlResult = { ok: true; toml: FlyToml } | { ok: false; error: string };

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v);
/** TOML allows `[x]` (one table) and `[[x]]` (array of tables) for most Fly sections; treat both as a list. */
const tables = (v: unknown): Table[] => (Array.isArray(v) ? v.filter(isTable) : isTable(v) ? [v] : []);
const count = (v: unknown): number => (Array.isArray(v) ? v.length : isTable(v) ? Object.keys(v).length : 0);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function asPort(v: unknown): number | undefined {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : undefined;
}

export function readFlyToml(text: string): FlyTomlResult {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    return { ok: false, error: `fly.toml is not valid TOML: ${(e as Error).message.split("\n")[0]}` };
  }
  const servicePorts: FlyToml["servicePorts"] = [];
  let healthChecks = count(doc.checks);
  for (const http of tables(doc.http_service)) {
    const port = asPort(http.internal_port);
    if (port !== undefined) servicePorts.push({ where: "http_service.internal_port", port });
    healthChecks += count(http.checks);
  }
  tables(doc.services).forEach((service, i) => {
    const port = asPort(service.internal_port);
    if (port !== undefined) servicePorts.push({ where: `services[${i}].internal_port`, port });
    tables(service.ports).forEach((p, j) => {
      const exposed = asPort(p.port);
      if (exposed !== undefined) servicePorts.push({ where: `services[${i}].ports[${j}].port`, port: exposed });
    });
    healthChecks += count(service.checks) + count(service.http_checks) + count(service.tcp_checks);
  });
  const processes = Object.fromEntries(
    Object.entries(isTable(doc.processes) ? doc.processes : {}).map(([group, cmd]) => [group, Array.isArray(cmd) ? cmd.join(" ") : String(cmd)]),
  );
  const env = Object.fromEntries(Object.entries(isTable(doc.env) ? doc.env : {}).map(([k, v]) => [k, String(v)]));
  const deploy = isTable(doc.deploy) ? doc.deploy : {};
  const build = isTable(doc.build) ? doc.build : {};
  return {
    ok: true,
    toml: {
      app: str(doc.app),
      mounts: tables(doc.mounts).length,
      healthChecks,
      servicePorts,
      processes,
      env,
      deployStrategy: str(deploy.strategy),
      buildImage: str(build.image),
    },
  };
}
