/**
 * The arena of the hostile-tenant suite: two tenants - acme (the attacker) and globex (the victim, with a secret row)
 * - behind the real Worker bundle in workerd, and the two things every attack must leave untouched: globex's schema
 * and rows, and the set of files on disk. Self-hosted (startArena): the dev stack's real (hardened) sqld, a namespace
 * per tenant. Managed (startTenantArena("managed")): the Turso double, each tenant's database its own real sqld
 * behind TLS (test/support/worker/tenant-gateway.ts).
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Access } from "../../../worker/claims";
import { executeRaw, firstResult, type PipelineReply } from "../../../local/sqld/tenant-client";
import { startGateway, type GatewayHarness, type GatewayReply } from "../../../local/gateway-harness";
import { selfHostedTenants, startTenantGateway, type GatewayMode, type TenantGateway } from "../worker/tenant-gateway";

export const ATTACKER = "acme";
export const VICTIM = "globex";
export const VICTIM_SECRET = "globex-secret-42";

/** What every attack needs, in either mode. */
export interface TenantArena {
  tenants: TenantGateway;
  /** A directory outside every volume where a writefile/VACUUM INTO would land ("elsewhere" on disk). */
  outside: string;
  /** Tokens exactly as /v1/tenants/:t/token hands them out. */
  token(tenant: string, access: Access): Promise<string>;
  /** `sql` with `token` on `tenant`'s authoritative copy (self-hosted: the primary, not a lagging replica). */
  truth(tenant: string, token: string, sql: string): Promise<PipelineReply>;
  close(): Promise<void>;
}

/** The self-hosted arena, with the stack's machines for the attacks only sqld namespaces allow. */
export interface Arena extends TenantArena {
  gw: GatewayHarness;
  /** The volume of the machine the attacks reach (what Fly mounts at /var/lib/sqld). */
  volume: string;
  /** Every machine's volume (primary and replicas): none may gain or lose a file. */
  volumes: string[];
  /** The primary's user URL: the victim is seeded and dumped there (the truth, not a lagging replica). */
  primaryUrl: string;
  /** sqld's --db-path of that machine: namespaces live in `<dbPath>/dbs/<name>/data`. */
  dbPath: string;
}

/** Statements the victim's own rw token runs once: a table with the secret, an index, a view, a trigger. */
const VICTIM_SCHEMA = [
  "CREATE TABLE secrets(id INTEGER PRIMARY KEY, owner TEXT NOT NULL, value TEXT NOT NULL)",
  `INSERT INTO secrets(owner, value) VALUES ('globex', '${VICTIM_SECRET}')`,
  "CREATE INDEX secrets_owner ON secrets(owner)",
  "CREATE VIEW secret_values AS SELECT value FROM secrets",
  "CREATE TABLE audit(at TEXT)",
  "CREATE TRIGGER secrets_audit AFTER UPDATE ON secrets BEGIN INSERT INTO audit VALUES ('changed'); END",
];

export interface ArenaOptions {
  /** Extra attacker namespaces, for attacks that may wreck the attacker's own database (so they cannot hide the next). */
  attackers?: string[];
  /** Which machine the attacks (direct and the gateway's DB_URL) reach: "replica" runs the prod stack. @default "primary" */
  via?: "primary" | "replica";
}

export async function startArena(options: ArenaOptions = {}): Promise<Arena> {
  const via = options.via ?? "primary";
  const gw = await startGateway({ tenants: [ATTACKER, VICTIM, ...(options.attackers ?? [])], stack: via === "replica" ? "prod" : "dev", via });
  const tenants = selfHostedTenants(gw);
  const primaryUrl = gw.cluster.primary.httpUrl;
  const base = await arm(tenants, (tenant, token, sql) => executeRaw(primaryUrl, sql, { token, namespace: tenant }));
  return { ...base, gw, volume: gw.target.dataDir, volumes: tenants.volumes, primaryUrl, dbPath: dbPathOf(gw) };
}

/** The arena in either mode (the attacks that apply to both: SQL through the gateway and with the tenant's tokens). */
export async function startTenantArena(mode: GatewayMode, options: Pick<ArenaOptions, "attackers"> = {}): Promise<TenantArena> {
  const tenants = await startTenantGateway(mode, { tenants: [ATTACKER, VICTIM, ...(options.attackers ?? [])] });
  return arm(tenants, (tenant, token, sql) => tenants.direct(tenant, token, sql));
}

/** Seeds the victim and the attacker, with a directory outside the volumes to watch. */
async function arm(tenants: TenantGateway, truth: TenantArena["truth"]): Promise<TenantArena> {
  const outside = mkdtempSync(join(tmpdir(), "hostile-tenant-outside-"));
  // World-writable: sqld runs as uid 666 (the image's entrypoint), and a write that only fails on permissions
  // would hide a writefile that came back; here it would land and the listing would show it.
  chmodSync(outside, 0o777);
  const arena: TenantArena = {
    tenants,
    outside,
    token: (tenant, access) => tenants.token(tenant, access),
    truth,
    async close() {
      await tenants.close();
      rmSync(outside, { recursive: true, force: true });
    },
  };
  try {
    const victimRw = await arena.token(VICTIM, "rw");
    for (const sql of VICTIM_SCHEMA) expectOk(await truth(VICTIM, victimRw, sql), sql);
    const attackerRw = await arena.token(ATTACKER, "rw");
    expectOk(await truth(ATTACKER, attackerRw, "CREATE TABLE notes(body TEXT)"), "acme notes");
    await untilServed(arena, ATTACKER, attackerRw, "SELECT count(*) FROM notes");
    await untilServed(arena, VICTIM, victimRw, "SELECT count(*) FROM secrets");
    // The attacks aim at these paths: they must be the real files, or a refusal would prove nothing.
    for (const tenant of [ATTACKER, VICTIM]) expect(existsSync(tenants.dataFile(tenant)), `${tenant}'s database file ${tenants.dataFile(tenant)}`).toBe(true);
  } catch (error) {
    await arena.close();
    throw error;
  }
  return arena;
}

/**
 * Waits until the attacked machine serves `tenant`'s seed: a replica lags the primary by milliseconds, and copies a
 * namespace onto its volume on the first request naming it (even one it then refuses). Reading globex there first
 * makes it an active tenant of that machine, so an attack's request cannot be mistaken for a new file.
 */
async function untilServed(arena: TenantArena, tenant: string, token: string, sql: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    if (firstResult(await arena.tenants.direct(tenant, token, sql))?.type === "ok") return;
  }
  throw new Error(`the attacked machine never served ${tenant}'s seed`);
}

/** The --db-path the stack's fly.toml gives the attacked machine, as the harness mapped it into the local volume. */
function dbPathOf(gw: GatewayHarness): string {
  const args = gw.target.spec.args;
  const at = args.indexOf("--db-path");
  if (at < 0 || !args[at + 1]) throw new Error(`primary has no --db-path: ${args.join(" ")}`);
  return args[at + 1]!;
}

export function expectOk(reply: PipelineReply, what: string): void {
  expect(reply.status, `${what}: ${reply.text}`).toBe(200);
  expect(firstResult(reply)?.type, `${what}: ${reply.text}`).toBe("ok");
}

/**
 * sqld's own bookkeeping file that comes and goes: libsql-server/src/stats.rs persists each namespace's stats to
 * `stats.json` every few seconds through a temporary `stats.tmp` (observed in a listing taken mid-write).
 */
const TRANSIENT = /(^|\/)dbs\/[^/]+\/stats\.tmp$/;

/** Every path under `dir` (names only: sizes of WAL files move with any write, a new file never should). */
export function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string, prefix: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const rel = `${prefix}${entry.name}`;
      if (TRANSIENT.test(rel)) continue;
      found.push(entry.isDirectory() ? `${rel}/` : rel);
      if (entry.isDirectory()) walk(join(at, entry.name), `${rel}/`);
    }
  };
  walk(dir, "");
  return found.sort();
}

/** globex as its own rw token sees it: every schema object with its SQL, and every row of every table. */
export async function victimDump(arena: TenantArena): Promise<string> {
  const token = await arena.token(VICTIM, "rw");
  const read = async (sql: string) => {
    const reply = await arena.truth(VICTIM, token, sql);
    expectOk(reply, sql);
    return (firstResult(reply) as unknown as { response: { result: { rows: unknown[] } } }).response.result.rows;
  };
  const schema = await read("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name");
  const tables = await read("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  const rows: Record<string, unknown> = {};
  for (const [table] of tables as [{ value: string }][]) rows[table.value] = await read(`SELECT * FROM "${table.value}" ORDER BY rowid`);
  return JSON.stringify({ schema, rows });
}

export interface Snapshot {
  victimSha256: string;
  volume: string[];
  outside: string[];
}

/** What an attack must not change. Take it before the attack, compare with expectUnchanged after. */
export async function snapshot(arena: TenantArena): Promise<Snapshot> {
  const dump = await victimDump(arena);
  expect(dump).toContain(VICTIM_SECRET); // the dump really reads the victim (a broken read would compare equal)
  return { victimSha256: createHash("sha256").update(dump).digest("hex"), volume: arena.tenants.volumes.flatMap((dir, i) => listFiles(dir).map((path) => `${i}:${path}`)), outside: listFiles(arena.outside) };
}

export async function expectUnchanged(arena: TenantArena, before: Snapshot): Promise<void> {
  const after = await snapshot(arena);
  expect(after.victimSha256, "globex's schema or rows changed").toBe(before.victimSha256);
  expect(after.volume, "a file appeared or vanished in sqld's volume").toEqual(before.volume);
  expect(after.outside, "a file appeared outside the volume").toEqual(before.outside);
}

/** How an attacker reaches sqld: a token used directly (Hrana to sqld) or the gateway's query route. */
export type Channel = "direct ro" | "direct rw" | "gateway read" | "gateway write";
export const CHANNELS: Channel[] = ["direct ro", "direct rw", "gateway read", "gateway write"];

/** What came back: `error` is sqld's statement error, or the HTTP-level error body, or undefined on success. */
export interface Outcome {
  status: number;
  error: string | undefined;
  /** Rows of the first statement on success (values only). */
  rows: unknown[][] | undefined;
}

interface HranaCell {
  type: string;
  value?: unknown;
  base64?: string;
}

/** Hrana cells as the gateway renders them (integers as numbers, blobs as {base64}), so both channels compare. */
function cellValue(cell: HranaCell): unknown {
  if (cell.type === "integer") return Number(cell.value);
  if (cell.type === "blob") return { base64: cell.base64 };
  return cell.value ?? null;
}

/** Runs `sql` as acme (or `tenant`) through `channel`; the gateway sends it as one statement of a batch. */
export async function attack(arena: TenantArena, channel: Channel, sql: string, tenant = ATTACKER): Promise<Outcome> {
  if (channel.startsWith("direct")) {
    const token = await arena.token(tenant, channel === "direct ro" ? "ro" : "rw");
    const reply = await arena.tenants.direct(tenant, token, sql);
    const result = reply.status === 200 ? firstResult(reply) : undefined;
    if (result?.type === "ok") {
      const rows = (result as unknown as { response: { result: { rows: HranaCell[][] } } }).response.result.rows;
      return { status: 200, error: undefined, rows: rows.map((row) => row.map(cellValue)) };
    }
    const httpError = (reply.body as { error?: unknown } | undefined)?.error;
    return { status: reply.status, error: result?.error?.message ?? (typeof httpError === "string" ? httpError : reply.text), rows: undefined };
  }
  const mode = channel === "gateway read" ? "read" : "write";
  const reply: GatewayReply = await arena.tenants.call("POST", `/v1/tenants/${tenant}/query`, { body: { statements: [{ sql }], mode } });
  if (reply.status === 200) return { status: 200, error: undefined, rows: (reply.json.results as { rows: unknown[][] }[])[0]!.rows };
  return { status: reply.status, error: String(reply.json.error), rows: undefined };
}

/**
 * Runs `sql` through every channel and expects each to be refused: `"<HTTP status> <error>"` must match `refusal`
 * (per channel when an object is given), and nothing may have changed. Returns the outcomes so a test can assert more.
 */
export async function expectRefusedEverywhere(
  arena: TenantArena,
  sql: string,
  refusal: RegExp | Record<Channel, RegExp>,
  channels: Channel[] = CHANNELS,
): Promise<Record<string, Outcome>> {
  const before = await snapshot(arena);
  const outcomes: Record<string, Outcome> = {};
  for (const channel of channels) {
    const outcome = await attack(arena, channel, sql);
    outcomes[channel] = outcome;
    const expected = refusal instanceof RegExp ? refusal : refusal[channel];
    expect(outcome.rows, `${channel}: ${sql} was served`).toBeUndefined();
    expect(`${outcome.status} ${outcome.error}`, `${channel}: ${sql}`).toMatch(expected);
  }
  await expectUnchanged(arena, before);
  return outcomes;
}
