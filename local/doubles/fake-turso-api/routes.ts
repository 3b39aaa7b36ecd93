/**
 * Routes of the Turso Platform API TEST DOUBLE (see ./index.ts). Pure: (state, request) → answer, so the
 * behaviour can be read top to bottom. Every route cites its operationId in tursodatabase/turso-docs
 * api-reference/openapi.json (OAS below); status codes and shapes follow it: {database:{DbId, Hostname, Name}},
 * Hostname `<db>-<org>.turso.io` (a backend may replace it, see ./index.ts), {jwt} (real EdDSA JWTs, ./tokens.ts),
 * {locations:{code:name}}, errors {"error": "..."}. Side effects on real servers are returned as `effects`.
 */
import { randomUUID } from "node:crypto";
import { DEFAULT_CONFIG, patchConfiguration, type DatabaseConfig } from "./configuration";
import { parseCreateSeed, type SeedType } from "./seed";
import { tokenClaims, type TokenSigner } from "./tokens";

export interface FakeGroup {
  org: string;
  name: string;
  primary: string;
  locations: string[];
  uuid: string;
}

export interface FakeDatabase {
  org: string;
  Name: string;
  DbId: string;
  Hostname: string;
  group: string;
  /** CreateDatabaseInput.seed.type (./seed.ts); `database_upload` waits for an upload (local/box/turso-upload.ts). */
  seed?: SeedType;
  /** updateDatabaseConfiguration state (./configuration.ts); absent = defaults. */
  config?: DatabaseConfig;
}

export interface FakeTursoState {
  locations: Record<string, string>;
  /** Keyed `<org>/<group>`. */
  groups: Map<string, FakeGroup>;
  /** Keyed `<org>/<database>`. */
  databases: Map<string, FakeDatabase>;
  /** Database and group tokens handed out so far (each call mints a fresh one). */
  tokensIssued: number;
  /** Calls to POST .../auth/rotate. */
  rotations: number;
  /** Signs every token the double hands out. */
  signer: TokenSigner;
}

/** What an answer did to databases, for a backend that runs real servers behind them (./index.ts). */
export type Effect =
  | { kind: "database-created"; database: FakeDatabase }
  | { kind: "database-deleted"; database: FakeDatabase }
  | { kind: "database-configured"; database: FakeDatabase };

export interface Answer {
  status: number;
  body: unknown;
  effects?: Effect[];
}

const ok = (body: unknown): Answer => ({ status: 200, body });
const error = (status: number, message: string): Answer => ({ status, body: { error: message } });

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const AUTHORIZATIONS = ["full-access", "read-only"];
const EXPIRATION = /^(never|([0-9]+[smhdw])+)$/;

/** OAS components/schemas/BaseGroup; `locations` and `version` are deprecated there but still sent. */
function groupJson(g: FakeGroup) {
  return { name: g.name, version: "v0.24.0", uuid: g.uuid, locations: g.locations, primary: g.primary, delete_protection: false };
}

/** OAS components/responses/GroupNotFoundResponse and DatabaseNotFoundResponse (404). */
const GROUP_NOT_FOUND = error(404, "group not found");
const databaseNotFound = (name: string) => error(404, `could not find database with name ${name}: record not found`);

/**
 * OAS addLocationToGroup (POST …/groups/{g}/locations/{loc}): deprecated, "Turso Cloud no longer supports
 * multi-region replication for new users" (turso-docs cli/group/locations/add.mdx); the double is a new account,
 * so it refuses with 400 (a status the operation lists) and never changes the group.
 */
const LOCATIONS_DEPRECATED = error(400, "adding locations is no longer supported: Turso Cloud no longer supports multi-region replication for new users");

function databaseJson(state: FakeTursoState, d: FakeDatabase) {
  const group = state.groups.get(`${d.org}/${d.group}`);
  return {
    Name: d.Name,
    DbId: d.DbId,
    Hostname: d.Hostname,
    group: d.group,
    primaryRegion: group?.primary ?? "",
    regions: group?.locations ?? [],
    block_reads: d.config?.block_reads ?? false,
    block_writes: d.config?.block_writes ?? false,
  };
}

/** Create answers carry only these three fields (reference notes); GET answers carry more. */
export function createdDatabaseJson(db: FakeDatabase) {
  return { database: { DbId: db.DbId, Hostname: db.Hostname, Name: db.Name } };
}

function issueToken(state: FakeTursoState, query: URLSearchParams, scope: Record<string, string>): Answer {
  const authorization = query.get("authorization") ?? "full-access";
  const expiration = query.get("expiration") ?? "never";
  if (!AUTHORIZATIONS.includes(authorization)) return error(400, `invalid authorization "${authorization}"`);
  if (!EXPIRATION.test(expiration)) return error(400, `invalid expiration "${expiration}"`);
  state.tokensIssued += 1;
  return ok({ jwt: state.signer.sign(tokenClaims(scope, authorization === "read-only" ? "ro" : "rw", expiration)) });
}

function groupsRoute(state: FakeTursoState, method: string, org: string, rest: string[], query: URLSearchParams, json: unknown): Answer {
  if (rest.length === 0) {
    // OAS listGroups
    if (method === "GET") return ok({ groups: [...state.groups.values()].filter((g) => g.org === org).map(groupJson) });
    if (method !== "POST") return error(405, "method not allowed");
    // OAS createGroup: NewGroup {name, location} both required; 409 "group already exists".
    const { name, location } = (json ?? {}) as { name?: unknown; location?: unknown };
    if (typeof name !== "string" || !NAME.test(name)) return error(400, "invalid group name");
    if (typeof location !== "string" || !(location in state.locations)) return error(400, `invalid location: ${String(location)}`);
    if (state.groups.has(`${org}/${name}`)) return error(409, "group already exists");
    const group: FakeGroup = { org, name, primary: location, locations: [location], uuid: randomUUID() };
    state.groups.set(`${org}/${name}`, group);
    return ok({ group: groupJson(group) });
  }
  const [name, sub, arg, ...extra] = rest;
  const group = state.groups.get(`${org}/${name}`);
  if (!group) return GROUP_NOT_FOUND;
  if (sub === undefined) {
    // OAS getGroup / deleteGroup
    if (method === "GET") return ok({ group: groupJson(group) });
    if (method !== "DELETE") return error(405, "method not allowed");
    state.groups.delete(`${org}/${name}`);
    const effects: Effect[] = [];
    for (const [key, db] of state.databases) {
      if (db.org !== org || db.group !== name) continue;
      state.databases.delete(key);
      effects.push({ kind: "database-deleted", database: db });
    }
    return { ...ok({ group: groupJson(group) }), effects };
  }
  if (sub === "locations" && arg !== undefined && extra.length === 0 && (method === "POST" || method === "DELETE")) {
    // OAS addLocationToGroup / removeLocationFromGroup: deprecated, refused (see LOCATIONS_DEPRECATED).
    if (!(arg in state.locations)) return error(400, `invalid location: ${arg}`);
    return LOCATIONS_DEPRECATED;
  }
  if (sub === "auth" && arg === "tokens" && extra.length === 0 && method === "POST") {
    // OAS createGroupToken
    return issueToken(state, query, { gid: group.uuid });
  }
  return error(404, "route not found");
}

function databasesRoute(state: FakeTursoState, method: string, org: string, rest: string[], query: URLSearchParams, json: unknown): Answer {
  if (rest.length === 0) {
    if (method === "GET") {
      // OAS listDatabases (?group= filter)
      const group = query.get("group");
      const list = [...state.databases.values()].filter((d) => d.org === org && (group === null || d.group === group));
      return ok({ databases: list.map((d) => databaseJson(state, d)) });
    }
    if (method !== "POST") return error(405, "method not allowed");
    // OAS createDatabase: CreateDatabaseInput {name, group} ("The group must already exist"); 400 "group not
    // found"; 409 "database with name [databaseName] already exists".
    const { name, group, seed: seedInput } = (json ?? {}) as { name?: unknown; group?: unknown; seed?: unknown };
    const seed = parseCreateSeed(seedInput);
    if (!seed.ok) return error(seed.status, seed.error);
    if (typeof name !== "string" || !NAME.test(name)) return error(400, "invalid database name");
    if (typeof group !== "string" || !state.groups.has(`${org}/${group}`)) return error(400, "group not found");
    if (state.databases.has(`${org}/${name}`)) return error(409, `database with name ${name} already exists`);
    const db: FakeDatabase = { org, Name: name, DbId: randomUUID(), Hostname: `${name}-${org}.turso.io`, group, ...(seed.seed ? { seed: seed.seed } : {}) };
    state.databases.set(`${org}/${name}`, db);
    return { ...ok(createdDatabaseJson(db)), effects: [{ kind: "database-created", database: db }] };
  }
  const [name, sub, arg, ...extra] = rest;
  const db = state.databases.get(`${org}/${name}`);
  if (!db) return databaseNotFound(name!);
  if (sub === undefined) {
    // OAS getDatabase / deleteDatabase (200 {"database": "<name>"})
    if (method === "GET") return ok({ database: databaseJson(state, db) });
    if (method !== "DELETE") return error(405, "method not allowed");
    state.databases.delete(`${org}/${name}`);
    return { ...ok({ database: db.Name }), effects: [{ kind: "database-deleted", database: db }] };
  }
  if (sub === "configuration" && arg === undefined) {
    // OAS getDatabaseConfiguration / updateDatabaseConfiguration
    if (method === "GET") return ok(db.config ?? DEFAULT_CONFIG);
    if (method !== "PATCH") return error(405, "method not allowed");
    const patched = patchConfiguration(db.config ?? DEFAULT_CONFIG, json);
    if (!patched.ok) return error(patched.status, patched.error);
    db.config = patched.config;
    return { ...ok(patched.config), effects: patched.changed ? [{ kind: "database-configured", database: db }] : [] };
  }
  if (sub === "auth" && extra.length === 0 && method === "POST") {
    if (arg === "tokens") return issueToken(state, query, { id: db.DbId }); // OAS createDatabaseToken
    if (arg === "rotate") {
      // OAS invalidateDatabaseTokens
      state.rotations += 1;
      return ok({});
    }
  }
  return error(404, "route not found");
}

/** Dispatches one authenticated request. */
export function route(state: FakeTursoState, method: string, path: string, query: URLSearchParams, json: unknown): Answer {
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  if (parts[0] !== "v1") return error(404, "route not found");
  if (parts.length === 2 && parts[1] === "locations") {
    // OAS listLocations
    return method === "GET" ? ok({ locations: state.locations }) : error(405, "method not allowed");
  }
  const [, orgs, org, collection, ...rest] = parts;
  if (orgs !== "organizations" || org === undefined) return error(404, "route not found");
  if (collection === "groups") return groupsRoute(state, method, org, rest, query, json);
  if (collection === "databases") return databasesRoute(state, method, org, rest, query, json);
  return error(404, "route not found");
}
