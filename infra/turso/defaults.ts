/** Turso settings' defaults, shared by the config schema and the TursoDatabase component (one place for each). */

/** The group a database lives in when `turso.group` is not set. */
export const TURSO_DEFAULT_GROUP = "default";
/** The value of `turso.tokenRotation` until the operator first rotates the token. */
export const TURSO_DEFAULT_TOKEN_ROTATION = "1";
