/** Managed mode: a Turso group, database and database token through the Turso Platform API. */
export { TursoDatabase, tursoEnvironment, tursoScripts, type TursoDatabaseArgs } from "./component";
export {
  databaseScripts,
  databaseTokenScripts,
  groupScripts,
  parseDatabaseStdout,
  parseTokenStdout,
  tokenRotationKey,
  TURSO_EXPIRATION_PATTERN,
  TURSO_LOCATION_PATTERN,
  TURSO_NAME_PATTERN,
  type DatabaseInfo,
  type DatabaseScriptArgs,
  type DatabaseToken,
  type DatabaseTokenScriptArgs,
  type GroupScriptArgs,
  type TursoScripts,
  type TursoTokenAuthorization,
} from "./scripts";
export { TURSO_DEFAULT_API_URL } from "./shell";
