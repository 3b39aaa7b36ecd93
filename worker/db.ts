/**
 * Database access through `@libsql/client/web` (Hrana over HTTP, Web APIs only: runs in workerd).
 * A client per request is cheap (no connection is opened until the batch is sent); what is expensive,
 * the signed token, is cached by the caller.
 */
import { createClient, type InStatement, type InValue, type ResultSet } from "@libsql/client/web";
import type { Access } from "./claims";
import { toHttpError, type UpstreamFailure } from "./db-errors";
import type { QueryRequest, SqlValue } from "./validation";

export interface DbTarget {
  url: string;
  authToken: string;
  /** sqld namespace; sent as `x-namespace-bin` because the Host header would otherwise pick one. Unset for Turso. */
  namespace?: string;
  /** What the token allows: with `ro`, a refused write is the caller's mistake (403), not a broken key. */
  access: Access;
}

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

export function namespaceHeaderValue(namespace: string): string {
  const bytes = new TextEncoder().encode(namespace);
  return bytesToBase64(bytes).replace(/=+$/, "");
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

function namespacedFetch(namespace: string | undefined, failure: UpstreamFailure) {
  const send = fetchWithNamespace(namespace);
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const response = await send(input, init);
    if (!response.ok) {
      failure.status = response.status;
      failure.message = await describeFailure(response.clone());
    }
    return response;
  };
}

/** sqld answers request-level errors as `{"error": "..."}` (JSON) or plain text. */
async function describeFailure(response: Response): Promise<string | undefined> {
  const text = (await response.text().catch(() => "")).trim();
  if (text === "") return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = parsed.error ?? parsed.message;
    if (typeof message === "string") return message;
  } catch {
    // not JSON: use the text as it is
  }
  return text.slice(0, 500);
}

function toInValue(value: SqlValue): InValue {
  // JSON cannot tell 1 from 1.0; send integral numbers as SQLite integers, as a caller would expect.
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  return value;
}

function toInStatement(statement: QueryRequest["statements"][number]): InStatement {
  const { sql, args } = statement;
  if (args === undefined) return { sql, args: [] };
  if (Array.isArray(args)) return { sql, args: args.map(toInValue) };
  return { sql, args: Object.fromEntries(Object.entries(args).map(([name, value]) => [name, toInValue(value)])) };
}

function toJsonCell(value: unknown): JsonCell {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof ArrayBuffer) return { base64: bytesToBase64(new Uint8Array(value)) };
  return String(value);
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function toStatementResult(result: ResultSet): StatementResult {
  const columns = [...result.columns];
  const rows = result.rows.map((row) => columns.map((_, i) => toJsonCell(row[i])));
  const rowid = result.lastInsertRowid;
  return {
    columns,
    rows,
    rowsAffected: result.rowsAffected,
    lastInsertRowid: rowid === undefined ? null : (toJsonCell(rowid) as number | string),
  };
}

/** Runs all statements as one transaction (a Hrana batch): either every statement applies or none does. */
export async function runStatements(
  target: DbTarget,
  statements: QueryRequest["statements"],
  mode: QueryRequest["mode"],
): Promise<StatementResult[]> {
  const failure: UpstreamFailure = {};
  const client = createClient({
    url: target.url,
    authToken: target.authToken,
    intMode: "bigint", // never lose precision; toJsonCell decides how to render
    fetch: namespacedFetch(target.namespace, failure),
  });
  try {
    const results = await client.batch(statements.map(toInStatement), mode);
    return results.map(toStatementResult);
  } catch (error) {
    throw toHttpError(error, failure, target);
  } finally {
    client.close();
  }
}
