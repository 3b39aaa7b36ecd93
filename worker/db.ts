/**
 * Database access: one Hrana pipeline request per query (worker/hrana.ts), Web APIs only (runs in workerd).
 * What is expensive, the signed token, is cached by the caller.
 */
import type { Access } from "./claims";
import { toHttpError } from "./db-errors";
import { BatchFailure, runBatch, UpstreamRefusal, type HranaResult, type HranaStatement, type HranaValue } from "./hrana";
import type { QueryRequest, SqlValue } from "./validation";

export interface DbTarget {
  url: string;
  authToken: string;
  /** sqld namespace; sent as `x-namespace-bin` because the Host header would otherwise pick one. Unset for Turso. */
  namespace?: string;
  /** What the token allows: with `ro`, a refused write is the caller's mistake (403), not a broken key. */
  access: Access;
  /**
   * Fly region of sqld's primary, sent as `fly-prefer-region` on requests that may write, so Fly's proxy delivers
   * them to the primary rather than the nearest replica (Fly docs, "Dynamic request routing"): sqld 0.24.32 cannot
   * forward a replica's Hrana write for a namespace with its own signing key (infra/config/tenant-keys.ts).
   */
  primaryRegion?: string;
}

/** Fly's request header that routes a request to a region (Fly docs, "Dynamic request routing"). */
export const FLY_PREFER_REGION = "fly-prefer-region";

export type JsonCell = string | number | null | { base64: string };

export interface StatementResult {
  columns: string[];
  /** Positional rows: column names may repeat, so rows are arrays rather than objects. */
  rows: JsonCell[][];
  rowsAffected: number;
  /** A string when it does not fit a JS number exactly. */
  lastInsertRowid: number | string | null;
}

/**
 * sqld's namespace header: `x-namespace-bin`, the name in standard base64 without padding
 * (libsql-server/src/http/user/db_factory.rs `try_namespace_from_metadata`, BASE64_STANDARD_NO_PAD).
 * The released sqld 0.24.32 ignores a plain `x-namespace` header and falls back to the Host's first label.
 */
export const NAMESPACE_HEADER = "x-namespace-bin";

/** Header values by namespace, per isolate (bounded: evicting only costs a re-encode). */
const namespaceHeaders = new Map<string, string>();

export function namespaceHeaderValue(namespace: string): string {
  let value = namespaceHeaders.get(namespace);
  if (value === undefined) {
    value = bytesToBase64(new TextEncoder().encode(namespace)).replace(/=+$/, "");
    if (namespaceHeaders.size >= 1_000) namespaceHeaders.clear();
    namespaceHeaders.set(namespace, value);
  }
  return value;
}

/**
 * `fetch` for @libsql/client that names the sqld namespace in `x-namespace-bin`; without it sqld takes the
 * namespace from the Host's first label (`<app>.fly.dev` → namespace `<app>`). Undefined sends no header (Turso).
 */
export function fetchWithNamespace(namespace: string | undefined) {
  return (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (namespace !== undefined) request.headers.set(NAMESPACE_HEADER, namespaceHeaderValue(namespace));
    return fetch(request);
  };
}

/** JSON numbers that are whole are sent as SQLite integers, as a caller would expect (`1`, not `1.0`). */
function toHranaValue(value: SqlValue): HranaValue {
  if (value === null) return { type: "null" };
  if (typeof value === "string") return { type: "text", value };
  if (typeof value === "boolean") return { type: "integer", value: value ? "1" : "0" };
  if (Number.isSafeInteger(value)) return { type: "integer", value: String(value) };
  return { type: "float", value };
}

function toHranaStatement(statement: QueryRequest["statements"][number]): HranaStatement {
  const { sql, args } = statement;
  if (args === undefined) return { sql, args: [], named_args: [] };
  if (Array.isArray(args)) return { sql, args: args.map(toHranaValue), named_args: [] };
  return { sql, args: [], named_args: Object.entries(args).map(([name, value]) => ({ name, value: toHranaValue(value) })) };
}

/** An integer as a JS number when it fits exactly, else its decimal string. */
function integerCell(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text).toString();
}

/** Standard base64 with padding, whatever alphabet or padding the database used. */
function standardBase64(text: string): string {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  return standard + "=".repeat((4 - (standard.length % 4)) % 4);
}

function toJsonCell(value: HranaValue): JsonCell {
  switch (value.type) {
    case "null":
      return null;
    case "integer":
      return integerCell(value.value);
    case "float":
    case "text":
      return value.value;
    case "blob":
      return { base64: standardBase64(value.base64) };
    default:
      throw new BatchFailure("HRANA_PROTO_ERROR", `unexpected value type ${JSON.stringify((value as { type?: unknown }).type)}`);
  }
}

function toStatementResult(result: HranaResult): StatementResult {
  return {
    columns: result.cols.map((c) => c.name ?? ""),
    rows: result.rows.map((row) => row.map(toJsonCell)),
    rowsAffected: result.affected_row_count,
    lastInsertRowid: result.last_insert_rowid === null || result.last_insert_rowid === undefined ? null : integerCell(result.last_insert_rowid),
  };
}

/**
 * sqld 0.24.32: a replica's first requests for a namespace with its own `jwt_key` that it has not loaded yet are
 * passed to the primary without the caller's token and refused with 500 "Expected authorization header but none
 * given" (observed on the binary: test/worker/gateway-replica-first-read.test.ts; e2e d); once the replica has the
 * namespace, the same request succeeds. Nothing ran, so a read is retried after a short wait (a Worker's wait costs
 * no CPU). Writes are not: they go to the primary (fly-prefer-region), where this cannot happen.
 */
const COLD_REPLICA_REFUSAL = "Expected authorization header but none given";
const COLD_REPLICA_RETRY_MS = [100, 300, 900];

async function readRetryingColdReplica<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const cold = error instanceof UpstreamRefusal && error.status === 500 && error.message?.includes(COLD_REPLICA_REFUSAL) === true;
      const wait = COLD_REPLICA_RETRY_MS[attempt];
      if (!cold || wait === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Runs all statements as one transaction (a Hrana batch): either every statement applies or none does. */
export async function runStatements(
  target: DbTarget,
  statements: QueryRequest["statements"],
  mode: QueryRequest["mode"],
): Promise<StatementResult[]> {
  try {
    const headers: Record<string, string> = target.namespace === undefined ? {} : { [NAMESPACE_HEADER]: namespaceHeaderValue(target.namespace) };
    // Read mode runs on an `ro` token: nothing to forward, so the nearest machine answers.
    if (target.primaryRegion !== undefined && mode !== "read") headers[FLY_PREFER_REGION] = target.primaryRegion;
    const pipeline = { url: target.url, authToken: target.authToken, headers, access: target.access };
    const hrana = statements.map(toHranaStatement);
    const results = mode === "read" ? await readRetryingColdReplica(() => runBatch(pipeline, hrana, mode)) : await runBatch(pipeline, hrana, mode);
    return results.map(toStatementResult);
  } catch (error) {
    throw toHttpError(error, target);
  }
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
