/**
 * The few Turso Platform API calls the copy needs (tursodatabase/turso-docs api-reference/openapi.json):
 * getDatabase, createDatabase with `seed: {type: "database_upload"}` (CreateDatabaseInput.seed), deleteDatabase,
 * createDatabaseToken, updateDatabaseConfiguration (DatabaseConfigurationInput.block_writes). Errors name the call
 * and carry Turso's `error` text (never the API token).
 */
export interface TursoApi {
  /** https://api.turso.tech, or a double's URL. */
  url: string;
  token: string;
  org: string;
}

async function call(api: TursoApi, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${api.url}/v1/organizations/${encodeURIComponent(api.org)}${path}`, {
    method,
    headers: { authorization: `Bearer ${api.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    json = { error: text.slice(0, 200) };
  }
  return { status: res.status, json };
}

const failed = (what: string, r: { status: number; json: Record<string, unknown> }) => new Error(`Turso API ${what}: HTTP ${r.status} ${String(r.json.error ?? "")}`);

/** getDatabase: its Hostname, or undefined when it does not exist (404). */
export async function findDatabase(api: TursoApi, name: string): Promise<{ hostname: string } | undefined> {
  const r = await call(api, "GET", `/databases/${encodeURIComponent(name)}`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw failed(`getDatabase ${name}`, r);
  return { hostname: (r.json.database as { Hostname: string }).Hostname };
}

export async function createUploadDatabase(api: TursoApi, name: string, group: string): Promise<{ hostname: string }> {
  const r = await call(api, "POST", "/databases", { name, group, seed: { type: "database_upload" } });
  if (r.status !== 200) throw failed(`createDatabase ${name} (seed database_upload)`, r);
  return { hostname: (r.json.database as { Hostname: string }).Hostname };
}

export async function deleteDatabase(api: TursoApi, name: string): Promise<void> {
  const r = await call(api, "DELETE", `/databases/${encodeURIComponent(name)}`);
  if (r.status !== 200 && r.status !== 404) throw failed(`deleteDatabase ${name}`, r);
}

/** createDatabaseToken, full-access, short-lived: only the copy uses it. */
export async function mintDatabaseToken(api: TursoApi, name: string, expiration = "1h"): Promise<string> {
  const r = await call(api, "POST", `/databases/${encodeURIComponent(name)}/auth/tokens?expiration=${expiration}&authorization=full-access`);
  if (r.status !== 200) throw failed(`createDatabaseToken ${name}`, r);
  return r.json.jwt as string;
}

/**
 * The writes rule for a managed source: updateDatabaseConfiguration `block_writes: true` (DatabaseConfigurationInput;
 * Turso has no reason text) for the copy, and back to what getDatabaseConfiguration said before on release.
 */
export async function blockDatabaseWrites(api: TursoApi, name: string): Promise<{ before: Record<string, unknown>; release(): Promise<void> }> {
  const path = `/databases/${encodeURIComponent(name)}/configuration`;
  const current = await call(api, "GET", path);
  if (current.status !== 200) throw failed(`getDatabaseConfiguration ${name}`, current);
  const before = current.json;
  const blocked = await call(api, "PATCH", path, { block_writes: true });
  if (blocked.status !== 200) throw failed(`updateDatabaseConfiguration ${name} (block_writes)`, blocked);
  let released = false;
  return {
    before,
    release: async () => {
      if (released) return;
      const r = await call(api, "PATCH", path, { block_writes: before.block_writes === true });
      if (r.status !== 200) throw failed(`updateDatabaseConfiguration ${name} (unblock)`, r);
      released = true;
    },
  };
}

/**
 * Lifts a write block an earlier switch left on a database that now receives a copy (it was that switch's source).
 * The stack sets no other Turso block (tenantSettings are self-hosted only), so any block here is the switch's.
 */
export async function unblockDatabaseWrites(api: TursoApi, name: string): Promise<void> {
  const path = `/databases/${encodeURIComponent(name)}/configuration`;
  const current = await call(api, "GET", path);
  if (current.status !== 200) throw failed(`getDatabaseConfiguration ${name}`, current);
  if (current.json.block_writes !== true) return;
  const r = await call(api, "PATCH", path, { block_writes: false });
  if (r.status !== 200) throw failed(`updateDatabaseConfiguration ${name} (unblock)`, r);
}
