import { readFlyToml, type FlyTomlResult } from "./fly-toml";
import { flagValue, scriptApp } from "./shell";

/**
 * The slice of a resource the policies look at. Both @pulumi/policy's ResourceValidationArgs and its
 * PolicyResource have these fields, and so do the offline plan's resources once adapted (test/policy), which is
 * what lets the same checks run in `pulumi preview --policy-pack` and in unit tests.
 * Note: `retainOnDelete` is NOT among the options a policy pack receives (PolicyResourceOptions has protect,
 * ignoreChanges, aliases, …), so protection is checked through `protect` alone.
 */
export interface ResourceFacts {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  protect: boolean;
}

export const COMMAND = "command:local:Command";
export const WORKERS_SCRIPT = "cloudflare:index/workersScript:WorkersScript";
export const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>` → stack. Policies get no stack name otherwise. */
export function stackOfUrn(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/** The scripts a Command runs. `update` defaults to `create`; all three end up in state and in logs. */
export const SCRIPT_FIELDS = ["create", "update", "delete"] as const;

export function commandScripts(props: Record<string, unknown>): { field: (typeof SCRIPT_FIELDS)[number]; script: string }[] {
  return SCRIPT_FIELDS.flatMap((field) => (typeof props[field] === "string" ? [{ field, script: props[field] as string }] : []));
}

/** What a Command does, recognised from its script (names are a convention; the script is what runs). */
export type CommandKind = "fly-deploy" | "fly-volume" | "fly-secrets" | "fly-scale" | "sqld-namespaces" | "turso-database" | "other";

export function commandKind(create: unknown): CommandKind {
  if (typeof create !== "string") return "other";
  if (/\bfly(ctl)?\s+deploy\b/.test(create)) return "fly-deploy";
  if (/\bfly(ctl)?\s+volumes\s+create\b/.test(create)) return "fly-volume";
  if (/\bfly(ctl)?\s+secrets\s+import\b/.test(create)) return "fly-secrets";
  if (/\bfly(ctl)?\s+scale\s+count\b/.test(create)) return "fly-scale";
  // sqld's admin API: POST /v1/namespaces/:ns/create (over `fly proxy`).
  if (/\/v1\/namespaces\//.test(create)) return "sqld-namespaces";
  // Turso Platform API: POST /v1/organizations/:org/databases creates a database (tokens live below it).
  if (/\bPOST\s+['"]?\/v1\/organizations\/[^\s'"/]+\/databases['"]?(\s|$)/m.test(create)) return "turso-database";
  return "other";
}

/** A `fly deploy` Command with its generated files (environment FLY_TOML / DOCKERFILE, see infra/fly/scripts/deploy.ts). */
export interface DeployFacts {
  app?: string;
  /** --strategy on the command line, else fly.toml [deploy] strategy, else Fly's default (rolling). */
  strategy: string;
  flyToml: FlyTomlResult | undefined;
  dockerfile: string | undefined;
}

export function deployFacts(props: Record<string, unknown>): DeployFacts | undefined {
  const create = props.create;
  if (commandKind(create) !== "fly-deploy" || typeof create !== "string") return undefined;
  const env = typeof props.environment === "object" && props.environment !== null ? (props.environment as Record<string, unknown>) : {};
  const flyToml = typeof env.FLY_TOML === "string" ? readFlyToml(env.FLY_TOML) : undefined;
  const flag = flagValue(create, /\bfly(ctl)?\s+deploy\b/, ["--strategy"]);
  const fromToml = flyToml?.ok ? flyToml.toml.deployStrategy : undefined;
  return {
    app: scriptApp(create) ?? (flyToml?.ok ? flyToml.toml.app : undefined),
    strategy: (flag ?? fromToml ?? "rolling").toLowerCase(),
    flyToml,
    dockerfile: typeof env.DOCKERFILE === "string" ? env.DOCKERFILE : undefined,
  };
}

/**
 * Whether a deploy runs sqld: its image is libsql-server, its entrypoint /bin/sqld, or its processes pass
 * sqld's listen flags. The API app (any image, no such flags) is not sqld.
 */
export function isSqldDeploy(d: DeployFacts): boolean {
  if (d.dockerfile && /libsql-server|\/bin\/sqld\b/.test(d.dockerfile)) return true;
  if (!d.flyToml?.ok) return false;
  const { processes, buildImage } = d.flyToml.toml;
  if (buildImage && /libsql-server/.test(buildImage)) return true;
  return Object.values(processes).some((cmd) => /--(http-listen-addr|db-path|primary-grpc-url)\b/.test(cmd));
}

/** Adapter from @pulumi/policy's ResourceValidationArgs / PolicyResource (structurally typed: no runtime import). */
export function resourceFacts(r: { type: string; name: string; urn: string; props: Record<string, unknown>; opts: { protect?: boolean } }): ResourceFacts {
  return { type: r.type, name: r.name, urn: r.urn, props: r.props ?? {}, protect: r.opts?.protect === true };
}

/** Why a deploy's fly.toml cannot be read (for "cannot check" violations): a TOML error or its absence. */
export function unreadableFlyToml(d: DeployFacts): string {
  return d.flyToml?.ok === false ? d.flyToml.error : "no FLY_TOML in the deploy's environment";
}

/** The facts of a `fly deploy` Command; undefined for any other resource. */
export function deployOf(r: { type: string; props: Record<string, unknown> }): DeployFacts | undefined {
  return r.type === COMMAND ? deployFacts(r.props ?? {}) : undefined;
}

/** The facts of a `fly deploy` Command that runs sqld; undefined for any other resource. */
export function sqldDeployOf(r: { type: string; props: Record<string, unknown> }): DeployFacts | undefined {
  const deploy = deployOf(r);
  return deploy && isSqldDeploy(deploy) ? deploy : undefined;
}

/** Every sqld deploy in a stack with its facts (there is one per self-hosted stack; none in managed mode). */
export function sqldDeploys(resources: readonly ResourceFacts[]): { resource: ResourceFacts; deploy: DeployFacts }[] {
  return resources.flatMap((resource) => {
    const deploy = sqldDeployOf(resource);
    return deploy ? [{ resource, deploy }] : [];
  });
}
