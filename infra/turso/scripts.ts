/**
 * Pure builders of the POSIX sh scripts that manage a Turso group, database and database token through the
 * Turso Platform API with curl (run by `local.Command`, see ./component.ts). No Pulumi imports: every script can
 * be run and tested on its own against a fake API (local/doubles/fake-turso-api).
 *
 * Contract of every builder:
 *  - `create` is idempotent: an existing group/database (HTTP 409) is adopted, so a re-run converges;
 *  - `delete` removes only what `allowDeletion` allows, otherwise it says what it keeps and succeeds;
 *  - the API token is read from TURSO_API_TOKEN (environment) and never appears in argv or in the script;
 *  - stdout is one JSON document (the Command's `stdout` output), human messages go to stderr;
 *  - every interpolated value is validated here and quoted with infra/shell's shellWord.
 */
import { requireDeletionConsent } from "../deletion-consent";
import { createHash } from "node:crypto";
import { TURSO_EXPIRATION_PATTERN, TURSO_LOCATION_PATTERN, TURSO_NAME_PATTERN, nodeEval, shellWord, type CommandScripts } from "../shell";
import { apiPrelude, noteScript } from "./shell";
import {
  DATABASE_OUTPUT_JS,
  GROUP_DATABASE_NAMES_JS,
  MESSAGE_SAYS_GROUP_NOT_FOUND_JS,
  GROUP_PRIMARY_JS,
  PREVIOUS_TOKEN_MATCHES_JS,
  TOKEN_OUTPUT_JS,
} from "./snippets";

/** Scripts for one `local.Command` (the same contract as the Fly builders); `update` only where re-running `create` would be harmful. */
export type TursoScripts = CommandScripts;

// infra/config/schema.ts and ./index.ts import these from here; they live in infra/shell/patterns.ts.

export type TursoTokenAuthorization = "full-access" | "read-only";

export interface GroupScriptArgs {
  org: string;
  group: string;
  /** Primary location of the group: used to create it; an existing group with another primary is an error. */
  location: string;
  /** Let `delete` remove the group, and only if no database is left in it. @default false */
  allowDeletion?: boolean;
}

export interface DatabaseScriptArgs {
  org: string;
  database: string;
  group: string;
  /** When false, `delete` keeps the database and only says so. */
  allowDeletion: boolean;
}

export interface DatabaseTokenScriptArgs {
  org: string;
  database: string;
  /** @default "full-access" */
  authorization?: TursoTokenAuthorization;
  /** @default "never" */
  expiration?: string;
  /** Any non-empty string; a new value mints a new token on the next `up`. @default "1" */
  rotation?: string;
}

/** What the database script prints (and the component reads back). */
export interface DatabaseInfo {
  hostname: string;
  dbId: string;
  /** `libsql://<hostname>` */
  url: string;
}

/** What the token script prints: the JWT and the rotation key it was minted for (used by `update` only). */
export interface DatabaseToken {
  jwt: string;
  rotation?: string;
}

function checkPattern(field: string, value: unknown, pattern: RegExp, hint: string): string {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new Error(`turso ${field} ${JSON.stringify(value)} is invalid: ${hint}`);
  }
  return value;
}

const NAME_HINT = "use 1-63 lowercase letters, digits or dashes, starting with a letter or digit";
const checkName = (field: string, value: unknown) => checkPattern(field, value, TURSO_NAME_PATTERN, NAME_HINT);
const checkLocation = (value: unknown) =>
  checkPattern("location", value, TURSO_LOCATION_PATTERN, "use a Turso location code such as aws-eu-west-1 (GET /v1/locations)");

const orgPath = (org: string) => `/v1/organizations/${org}`;
const jsonBody = (body: Record<string, string>) => `-H 'Content-Type: application/json' --data ${shellWord(JSON.stringify(body))}`;

/**
 * A group, created with `location` as its primary if missing. Locations are never added: POST
 * .../groups/{g}/locations/{loc} (openapi.json addLocationToGroup) is deprecated ("Turso Cloud no longer supports
 * multi-region replication for new users", turso-docs cli/group/locations/add.mdx) and never moves the primary.
 * An existing group whose primary (Group.primary; Group.locations is deprecated) is another location is an
 * error that names the config keys and the fix, never silently used.
 */
export function groupScripts(args: GroupScriptArgs): TursoScripts {
  const org = checkName("org", args.org);
  const group = checkName("group", args.group);
  const location = checkLocation(args.location);
  const groups = `${orgPath(org)}/groups`;
  const create = `${apiPrelude()}
turso_request POST ${shellWord(groups)} ${jsonBody({ name: group, location })}
if turso_is_2xx; then
  printf 'turso: created group %s in %s\\n' ${shellWord(group)} ${shellWord(location)} >&2
elif [ "$turso_status" = 409 ]; then
  turso_request GET ${shellWord(`${groups}/${group}`)}
  turso_is_2xx || turso_api_error ${shellWord(`reading group ${group}`)}
  turso_primary=$(${nodeEval(GROUP_PRIMARY_JS)} "$turso_tmp/body")
  if [ "$turso_primary" != ${shellWord(location)} ]; then
    turso_fail ${shellWord(`group ${group} already exists with primary location `)}"$turso_primary"${shellWord(`, not ${location}; Turso cannot move a group's primary location. Fix: set libsql-stack:turso.location to `)}"$turso_primary"${shellWord(` (keep the group), or set libsql-stack:turso.group to a new group name (a new group is created in ${location})`)}
  fi
  printf 'turso: group %s exists in %s\\n' ${shellWord(group)} ${shellWord(location)} >&2
else
  turso_api_error ${shellWord(`creating group ${group}`)}
fi
printf '%s\\n' ${shellWord(JSON.stringify({ group, location }))}
`;
  if (args.allowDeletion !== true) {
    return { create, delete: noteScript(`keeping group ${group} (allowDeletion is false)`) };
  }
  // Deleting a group deletes every database in it, including ones this stack does not manage: refuse when any
  // database is left (ours is deleted first, because the database Command depends on the group Command).
  const del = `${apiPrelude()}
${requireDeletionConsent(group, `Turso group ${group}`).join("\n")}
turso_request GET ${shellWord(`${orgPath(org)}/databases?group=${group}`)}
turso_is_2xx || turso_api_error ${shellWord(`listing the databases of group ${group}`)}
turso_left=$(${nodeEval(GROUP_DATABASE_NAMES_JS)} "$turso_tmp/body" ${shellWord(group)})
if [ -n "$turso_left" ]; then
  printf 'turso: keeping group %s: it still holds database(s) %s\\n' ${shellWord(group)} "$turso_left" >&2
  exit 0
fi
turso_request DELETE ${shellWord(`${groups}/${group}`)}
if turso_is_2xx; then
  printf 'turso: deleted group %s\\n' ${shellWord(group)} >&2
elif [ "$turso_status" = 404 ]; then
  printf 'turso: group %s was already gone\\n' ${shellWord(group)} >&2
else
  turso_api_error ${shellWord(`deleting group ${group}`)}
fi
`;
  return { create, delete: del };
}

/** A database in `group`; prints {"hostname","dbId","url"}. An existing database of that name is adopted. */
export function databaseScripts(args: DatabaseScriptArgs): TursoScripts {
  const org = checkName("org", args.org);
  const database = checkName("database", args.database);
  const group = checkName("group", args.group);
  const databases = `${orgPath(org)}/databases`;
  const create = `${apiPrelude()}
turso_request POST ${shellWord(databases)} ${jsonBody({ name: database, group })}
if turso_is_2xx; then
  printf 'turso: created database %s in group %s\\n' ${shellWord(database)} ${shellWord(group)} >&2
elif [ "$turso_status" = 400 ] && ${nodeEval(MESSAGE_SAYS_GROUP_NOT_FOUND_JS)} "$turso_tmp/body"; then
  # openapi.json createDatabase: 400 {"error":"group not found"}; the group must already exist.
  turso_fail ${shellWord(`creating database ${database}: group ${group} does not exist in organisation ${org}; check libsql-stack:turso.group and libsql-stack:turso.org (the group Command creates it first)`)}
elif [ "$turso_status" = 409 ]; then
  printf 'turso: database %s exists; reading it\\n' ${shellWord(database)} >&2
  turso_request GET ${shellWord(`${databases}/${database}`)}
  turso_is_2xx || turso_api_error ${shellWord(`reading database ${database}`)}
else
  turso_api_error ${shellWord(`creating database ${database}`)}
fi
${nodeEval(DATABASE_OUTPUT_JS)} "$turso_tmp/body" ${shellWord(database)} ${shellWord(group)}
`;
  if (!args.allowDeletion) {
    return {
      create,
      delete: noteScript(`keeping database ${database} (allowDeletion is false); delete it with: turso db destroy ${database}`),
    };
  }
  const del = `${apiPrelude()}
${requireDeletionConsent(group, `Turso database ${database}`).join("\n")}
turso_request DELETE ${shellWord(`${databases}/${database}`)}
if turso_is_2xx; then
  printf 'turso: deleted database %s\\n' ${shellWord(database)} >&2
elif [ "$turso_status" = 404 ]; then
  printf 'turso: database %s was already gone\\n' ${shellWord(database)} >&2
else
  turso_api_error ${shellWord(`deleting database ${database}`)}
fi
`;
  return { create, delete: del };
}

/**
 * Identifies what a token was minted for. Hashed so that any `rotation` string is safe to embed in a script.
 * The database name is part of it: a token is never carried over to another database.
 */
export function tokenRotationKey(args: DatabaseTokenScriptArgs): string {
  const parts = [args.org, args.database, args.authorization ?? "full-access", args.expiration ?? "never", args.rotation ?? "1"];
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/**
 * A database token; prints {"jwt","rotation"}. `update` re-prints the previous token when its rotation key is
 * unchanged, so edits that do not concern the token (script text, API token) never mint a new one (the bridged
 * provider re-creates tokens on every deploy; we don't). A new `rotation` value mints a fresh token.
 */
export function databaseTokenScripts(args: DatabaseTokenScriptArgs): TursoScripts {
  const org = checkName("org", args.org);
  const database = checkName("database", args.database);
  const authorization = args.authorization ?? "full-access";
  if (authorization !== "full-access" && authorization !== "read-only") {
    throw new Error(`turso authorization ${JSON.stringify(authorization)} is invalid: use "full-access" or "read-only"`);
  }
  const expiration = checkPattern("expiration", args.expiration ?? "never", TURSO_EXPIRATION_PATTERN, 'use "never" or a duration such as 2w, 7d or 1d12h');
  const rotation = args.rotation ?? "1";
  if (typeof rotation !== "string" || rotation.length === 0 || rotation.length > 256) {
    throw new Error(`turso tokenRotation ${JSON.stringify(rotation)} is invalid: use a non-empty string of at most 256 characters`);
  }
  const key = tokenRotationKey({ org, database, authorization, expiration, rotation });
  const query = `expiration=${expiration}&authorization=${authorization}`;
  const create = `${apiPrelude()}
turso_request POST ${shellWord(`${orgPath(org)}/databases/${database}/auth/tokens?${query}`)}
turso_is_2xx || turso_api_error ${shellWord(`creating a token for database ${database}`)}
${nodeEval(TOKEN_OUTPUT_JS)} "$turso_tmp/body" ${key}
`;
  // PULUMI_COMMAND_STDOUT holds the previous stdout (the Command sets it); node reads it from the environment.
  const update = `if [ -n "\${PULUMI_COMMAND_STDOUT:-}" ] && ${nodeEval(PREVIOUS_TOKEN_MATCHES_JS)} ${key}; then
  printf '%s\\n' "$PULUMI_COMMAND_STDOUT"
  exit 0
fi
${create}`;
  const del = noteScript(
    `database tokens cannot be revoked one by one; this one stays valid until it expires or POST ${orgPath(org)}/databases/${database}/auth/rotate invalidates all of them`,
  );
  return { create, update, delete: del };
}

/** Reads the database script's stdout; throws (with the output, which holds no secret) when it is malformed. */
export function parseDatabaseStdout(stdout: string): DatabaseInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(`turso database script printed non-JSON output: ${stdout.slice(0, 200)}`);
  }
  const o = parsed as Partial<Record<keyof DatabaseInfo, unknown>> | null;
  if (!o || typeof o.hostname !== "string" || typeof o.dbId !== "string" || typeof o.url !== "string") {
    throw new Error(`turso database script output lacks hostname/dbId/url: ${stdout.slice(0, 200)}`);
  }
  return { hostname: o.hostname, dbId: o.dbId, url: o.url };
}

/** Reads the token script's stdout. Errors never include the output: it is a secret. */
export function parseTokenStdout(stdout: string): DatabaseToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error("turso token script printed non-JSON output (not shown: it may hold the token)");
  }
  const o = parsed as Partial<Record<keyof DatabaseToken, unknown>> | null;
  if (!o || typeof o.jwt !== "string" || o.jwt.length === 0) {
    throw new Error("turso token script output lacks jwt (not shown: it may hold the token)");
  }
  return typeof o.rotation === "string" ? { jwt: o.jwt, rotation: o.rotation } : { jwt: o.jwt };
}
