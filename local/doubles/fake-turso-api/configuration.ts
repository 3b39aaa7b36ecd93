/**
 * getDatabaseConfiguration / updateDatabaseConfiguration (GET|PATCH /v1/organizations/{org}/databases/{db}/configuration)
 * of the Turso Platform API TEST DOUBLE. Upstream: tursodatabase/turso-docs api-reference/openapi.json
 * `DatabaseConfigurationInput` {size_limit, allow_attach (deprecated), block_reads, block_writes, delete_protection,
 * allowed_ips, allowed_aws_vpc_ids} and `DatabaseConfigurationResponse` (same fields). PATCH changes only the fields
 * sent ("Omit to leave unchanged"). The double keeps block_reads/block_writes (with a backend, applied to the real
 * sqld: its namespace config of the same names) and delete_protection; strict where upstream is silent: a field of
 * the wrong type or not in DatabaseConfigurationInput → 400 and nothing changes; the other documented fields are
 * refused as not supported by this double rather than stored and ignored.
 */

export interface DatabaseConfig {
  block_reads: boolean;
  block_writes: boolean;
  delete_protection: boolean;
}

export const DEFAULT_CONFIG: DatabaseConfig = { block_reads: false, block_writes: false, delete_protection: false };

const BOOLEAN_FIELDS = ["block_reads", "block_writes", "delete_protection"] as const;
const UNSUPPORTED = ["size_limit", "allow_attach", "allowed_ips", "allowed_aws_vpc_ids"];

export type ConfigurationAnswer = { ok: true; config: DatabaseConfig; changed: boolean } | { ok: false; status: number; error: string };

export function patchConfiguration(current: DatabaseConfig, input: unknown): ConfigurationAnswer {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return { ok: false, status: 400, error: "request body must be a JSON object" };
  const next = { ...current };
  for (const [field, value] of Object.entries(input)) {
    if (UNSUPPORTED.includes(field)) return { ok: false, status: 400, error: `${field} is not supported by this double` };
    if (!(BOOLEAN_FIELDS as readonly string[]).includes(field)) return { ok: false, status: 400, error: `unknown configuration field ${field}` };
    if (typeof value !== "boolean") return { ok: false, status: 400, error: `${field} must be a boolean` };
    next[field as (typeof BOOLEAN_FIELDS)[number]] = value;
  }
  return { ok: true, config: next, changed: BOOLEAN_FIELDS.some((f) => next[f] !== current[f]) };
}
