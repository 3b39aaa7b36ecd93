import type { StackValidationPolicy } from "@pulumi/policy";
import { COMMAND, commandKind, resourceFacts, sqldDeploys, unreadableFlyToml, type ResourceFacts } from "../lib/resources";
import { scriptApp, secretImportLines, unsetSecretNames } from "../lib/shell";

/**
 * sqld disables auth entirely when it has neither a JWT key nor --http-auth: everyone gets full access to every
 * namespace. This stack gives sqld its Ed25519 public key as the Fly secret SQLD_AUTH_JWT_KEY (imported from
 * stdin by the secrets Command) and nothing else may override or replace it.
 */
export const JWT_KEY_SECRET = "SQLD_AUTH_JWT_KEY";

/**
 * Settings that replace or shadow the JWT key: basic auth instead of JWTs (--http-auth / SQLD_HTTP_AUTH), a key
 * file that takes precedence over SQLD_AUTH_JWT_KEY, or the key in fly.toml [env] (plain config, not the
 * rotated secret).
 */
const FORBIDDEN_FLAGS = ["--http-auth", "--auth-jwt-key-file"];
const FORBIDDEN_ENV = ["SQLD_HTTP_AUTH", "SQLD_AUTH_JWT_KEY_FILE", JWT_KEY_SECRET];

/** The secrets an app's `fly secrets import` Commands set: stdin lines when visible, else the names delete unsets. */
function importedSecrets(resources: readonly ResourceFacts[], app: string): { names: Set<string>; values?: Map<string, string> } {
  const names = new Set<string>();
  let values: Map<string, string> | undefined;
  for (const r of resources) {
    if (r.type !== COMMAND || commandKind(r.props.create) !== "fly-secrets") continue;
    if (scriptApp(String(r.props.create)) !== app) continue;
    if (typeof r.props.delete === "string") unsetSecretNames(r.props.delete).forEach((n) => names.add(n));
    // A real policy run sees secret inputs in plain text; the offline plan shows "[secret]" instead.
    if (typeof r.props.stdin === "string" && r.props.stdin !== "[secret]") {
      values ??= new Map();
      for (const [k, v] of secretImportLines(r.props.stdin)) values.set(k, v);
    }
  }
  return { names, values };
}

/** Pure check over a stack's resources; one message per problem. Managed mode (no sqld) has nothing to check. */
export function sqldAuthProblems(resources: readonly ResourceFacts[]): string[] {
  const problems: string[] = [];
  for (const { resource, deploy } of sqldDeploys(resources)) {
    const where = `${resource.name} (app ${deploy.app ?? "?"})`;
    if (!deploy.flyToml?.ok) {
      problems.push(`${where}: cannot check sqld's auth settings: ${unreadableFlyToml(deploy)}`);
      continue;
    }
    const { processes, env } = deploy.flyToml.toml;
    for (const [group, cmd] of Object.entries(processes)) {
      for (const flag of FORBIDDEN_FLAGS) {
        if (cmd.split(/\s+/).some((w) => w === flag || w.startsWith(`${flag}=`))) {
          problems.push(`${where}: process group "${group}" passes ${flag}, which replaces the JWT key (${JWT_KEY_SECRET}) sqld must verify tokens with`);
        }
      }
    }
    for (const key of FORBIDDEN_ENV.filter((k) => k in env)) {
      problems.push(`${where}: fly.toml [env] sets ${key}; sqld's JWT key must come only from the Fly secret ${JWT_KEY_SECRET}`);
    }
    const secrets = importedSecrets(resources, deploy.app ?? "");
    if (secrets.values) {
      if (!secrets.values.get(JWT_KEY_SECRET)) {
        problems.push(`${where}: the secrets imported for the app do not set ${JWT_KEY_SECRET}; without it sqld runs with auth DISABLED`);
      }
    } else if (!secrets.names.has(JWT_KEY_SECRET)) {
      problems.push(`${where}: no \`fly secrets import\` Command for the app declares ${JWT_KEY_SECRET}; without it sqld runs with auth DISABLED`);
    }
  }
  return problems;
}

export const sqldJwtAuthRequired: StackValidationPolicy = {
  name: "sqld-jwt-auth-required",
  description: "sqld always verifies JWTs: the app imports SQLD_AUTH_JWT_KEY as a Fly secret and no flag or env replaces or disables it.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    for (const problem of sqldAuthProblems(args.resources.map(resourceFacts))) reportViolation(problem);
  },
};
