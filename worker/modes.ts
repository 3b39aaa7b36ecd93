/**
 * The stack's enums the gateway shares with the Pulumi program: each list is the one definition, the types in
 * env.ts and jwt.ts and the config schema derive from it. Only types reach the bundle (nothing here is imported
 * as a value by the Worker), so the uploaded script is unchanged by it.
 */

/** `libsql-stack:mode` and the DB_MODE binding: sqld on Fly, or a Turso database. */
export const DB_MODES = ["self-hosted", "managed"] as const;
export type DbMode = (typeof DB_MODES)[number];

/**
 * How tokens are signed: `shared` with the stack key itself (sqld's global key verifies them), `per-tenant` with
 * the tenant's key derived from it (worker/tenant-keys.ts; its namespace's `jwt_key` verifies them, no other does).
 */
export const SIGNING_MODES = ["shared", "per-tenant"] as const;
export type SigningMode = (typeof SIGNING_MODES)[number];
