/**
 * `seed` of createDatabase in the Turso Platform API TEST DOUBLE. Upstream: tursodatabase/turso-docs
 * api-reference/openapi.json `components/schemas/CreateDatabaseInput.seed` = {type: "database" | "database_upload",
 * name?, timestamp?}; `database` copies an existing database (`name`), `database_upload` creates a database that
 * waits for `POST https://<database hostname>/v1/upload` (api-reference/databases/upload.mdx; cloud/migrate-to-turso.mdx:
 * "If you don't proceed to upload a database, this database will count towards your quota, but will not be usable").
 *
 * Strict where upstream is silent (said so): an unknown `type`, a non-object `seed`, or `name`/`timestamp` with
 * `database_upload` → 400; `database` needs `name` naming an existing database of the organisation (404 shape of
 * DatabaseNotFoundResponse otherwise is not documented for create: 400). The double does NOT copy data for
 * `database` (no point-in-time store behind it): it answers 400 "not supported by this double" rather than create
 * an empty database that a caller would take for a copy.
 */

export type SeedType = "database_upload";

export type ParsedSeed = { ok: true; seed?: SeedType } | { ok: false; status: number; error: string };

const SEED_TYPES = ["database", "database_upload"];

export function parseCreateSeed(seed: unknown): ParsedSeed {
  if (seed === undefined) return { ok: true };
  if (typeof seed !== "object" || seed === null || Array.isArray(seed)) return { ok: false, status: 400, error: "invalid seed: must be an object" };
  const { type, name, timestamp, ...extra } = seed as Record<string, unknown>;
  if (typeof type !== "string" || !SEED_TYPES.includes(type)) return { ok: false, status: 400, error: `invalid seed type: ${String(type)} (database | database_upload)` };
  if (Object.keys(extra).length > 0) return { ok: false, status: 400, error: `invalid seed field: ${Object.keys(extra).join(", ")}` };
  if (type === "database") return { ok: false, status: 400, error: "seed type database is not supported by this double (no copy of the source would be made)" };
  if (name !== undefined || timestamp !== undefined) return { ok: false, status: 400, error: "seed name/timestamp apply to seed type database only" };
  return { ok: true, seed: "database_upload" };
}
