/** Turso settings' defaults, shared by the config schema and the TursoDatabases component (one place for each). */

/** The group a database lives in when `turso.group` is not set. */
export const TURSO_DEFAULT_GROUP = "default";
/** The value of `turso.tokenRotation` until the operator first rotates the token. */
export const TURSO_DEFAULT_TOKEN_ROTATION = "1";
/**
 * The tenant of a managed stack that configures no `tenants`: the one database every managed stack had before
 * databases per tenant, named `turso.database` itself and keeping its resource names, so it is never replaced.
 */
export const LEGACY_TENANT = "default";
