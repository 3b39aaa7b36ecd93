/**
 * TEST DOUBLE of sqld's Hrana statement execution (hrana/stmt.rs, hrana/batch.rs) over a `libsql`
 * connection: value encoding, statement results, batch conditions and sqld's error codes/messages.
 */
import type { Connection, NamespaceStats } from "./namespaces";
import { isExplain, isInsertUpdateDelete, isWriteStatement, splitStatements } from "./sql-text";

export type HranaValue =
  | { type: "null" }
  | { type: "integer"; value: string }
  | { type: "float"; value: number }
  | { type: "text"; value: string }
  | { type: "blob"; base64: string };

export interface HranaStmt {
  sql?: string;
  sql_id?: number;
  args?: HranaValue[];
  named_args?: { name: string; value: HranaValue }[];
  want_rows?: boolean;
}

export interface HranaError {
  message: string;
  code: string;
}

export interface StmtResult {
  cols: { name: string | null; decltype: string | null }[];
  rows: HranaValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
  rows_read: number;
  rows_written: number;
  query_duration_ms: number;
}

/** A statement-level failure: reported inside the pipeline result, the HTTP request still succeeds. */
export class StmtError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "StmtError";
  }
  toProto(): HranaError {
    return { message: this.message, code: this.code };
  }
}

/** A client protocol mistake: sqld answers the whole HTTP request with 400 text/plain. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** sqld's NotAuthorized: fails the whole HTTP request with 401. */
export class NotAuthorizedError extends Error {
  constructor(namespace: string) {
    super(`Not authorized to execute query: Current session doesn't have Write permission to namespace ${namespace}`);
    this.name = "NotAuthorizedError";
  }
}

export function decodeValue(value: HranaValue | undefined): unknown {
  if (!value || typeof value !== "object") throw new ProtocolError("JSON deserialize error: invalid value");
  switch (value.type) {
    case "null":
      return null;
    case "integer":
      if (!/^-?\d+$/.test(String(value.value))) throw new ProtocolError("JSON deserialize error: invalid integer");
      return BigInt(value.value);
    case "float":
      return Number(value.value);
    case "text":
      return String(value.value);
    case "blob":
      return Buffer.from(value.base64 ?? "", "base64");
    default:
      throw new ProtocolError(`JSON deserialize error: unknown value type ${JSON.stringify((value as { type: unknown }).type)}`);
  }
}

export function encodeValue(value: unknown): HranaValue {
  if (value === null || value === undefined) return { type: "null" };
  if (typeof value === "bigint") return { type: "integer", value: value.toString() };
  if (typeof value === "number") return { type: "float", value };
  if (typeof value === "string") return { type: "text", value };
  if (value instanceof Uint8Array) return { type: "blob", base64: Buffer.from(value).toString("base64") };
  return { type: "text", value: String(value) };
}

const SQLITE_PRIMARY_CODES = [
  "SQLITE_INTERNAL", "SQLITE_PERM", "SQLITE_ABORT", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_NOMEM",
  "SQLITE_READONLY", "SQLITE_INTERRUPT", "SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_NOTFOUND", "SQLITE_FULL",
  "SQLITE_CANTOPEN", "SQLITE_PROTOCOL", "SQLITE_SCHEMA", "SQLITE_TOOBIG", "SQLITE_CONSTRAINT",
  "SQLITE_MISMATCH", "SQLITE_MISUSE", "SQLITE_NOLFS", "SQLITE_AUTH", "SQLITE_RANGE", "SQLITE_NOTADB",
];

/** Maps a `libsql` exception to sqld's StmtError (message prefixes and codes as sqld renders them). */
export function toStmtError(error: unknown): StmtError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("SQLITE_")) {
    if (/syntax error|incomplete input|unrecognized token/.test(message)) {
      return new StmtError(`SQL string could not be parsed: ${message}`, "SQL_PARSE_ERROR");
    }
    // SQLITE_ERROR (generic) is ErrorCode::Unknown in rusqlite, hence SQLITE_UNKNOWN on the wire.
    const primary = SQLITE_PRIMARY_CODES.find((p) => code === p || code.startsWith(`${p}_`)) ?? "SQLITE_UNKNOWN";
    return new StmtError(`SQLite error: ${message}`, primary);
  }
  if (/parameter|bind|argument/i.test(message)) {
    return new StmtError(`Arguments do not match SQL parameters: ${message}`, "ARGS_INVALID");
  }
  return new StmtError(`SQLite error: ${message}`, "SQLITE_UNKNOWN");
}

export function resolveSql(stmt: { sql?: string; sql_id?: number }, sqls: Map<number, string>): string {
  if (stmt.sql !== undefined && stmt.sql_id !== undefined) {
    throw new ProtocolError("Received both SQL text and SQL id");
  }
  if (stmt.sql !== undefined) return stmt.sql;
  if (stmt.sql_id !== undefined) {
    const sql = sqls.get(stmt.sql_id);
    if (sql === undefined) throw new ProtocolError(`SQL text with id ${stmt.sql_id} was not found`);
    return sql;
  }
  throw new ProtocolError("Received neither SQL text nor SQL id");
}

/** sqld checks the permission of every statement in a program before running any of it. */
export function assertMayRun(sqls: string[], permission: "read" | "write", namespace: string): void {
  if (permission === "write") return;
  for (const sql of sqls) {
    for (const statement of splitStatements(sql)) {
      if (isWriteStatement(statement)) throw new NotAuthorizedError(namespace);
    }
  }
}

function bindArgs(stmt: HranaStmt): unknown[] {
  const positional = (stmt.args ?? []).map(decodeValue);
  const named = stmt.named_args ?? [];
  if (positional.length > 0 && named.length > 0) {
    throw new StmtError("Arguments must be either all positional or all named", "ARGS_BOTH_POSITIONAL_AND_NAMED");
  }
  if (named.length === 0) return positional;
  // Hrana names carry their prefix (":a", "@a", "$a"); the driver binds by bare name.
  const object: Record<string, unknown> = {};
  for (const { name, value } of named) object[name.replace(/^[:@$]/, "")] = decodeValue(value);
  return [object];
}

/** Connections inside `BEGIN TRANSACTION READONLY`, which the `libsql` package accepts but does not enforce. */
const readOnlyTransactions = new WeakSet<Connection>();

/** Emulates sqld's read-only transactions with `PRAGMA query_only`, lifted when the transaction ends. */
function trackReadOnlyTransaction(conn: Connection, sql: string): void {
  if (/^\s*BEGIN\s+(TRANSACTION\s+)?READONLY\b/i.test(sql) && conn.inTransaction) {
    conn.pragma("query_only = ON");
    readOnlyTransactions.add(conn);
  } else if (readOnlyTransactions.has(conn) && !conn.inTransaction) {
    conn.pragma("query_only = OFF");
    readOnlyTransactions.delete(conn);
  }
}

export function executeStmt(conn: Connection, sql: string, stmt: HranaStmt, stats: NamespaceStats): StmtResult {
  try {
    return executeOnConnection(conn, sql, stmt, stats);
  } finally {
    trackReadOnlyTransaction(conn, sql);
  }
}

function executeOnConnection(conn: Connection, sql: string, stmt: HranaStmt, stats: NamespaceStats): StmtResult {
  const started = performance.now();
  const statements = splitStatements(sql);
  if (statements.length === 0) throw new StmtError("SQL string does not contain any statement", "SQL_NO_STATEMENT");
  if (statements.length > 1) throw new StmtError("SQL string contains more than one statement", "SQL_MANY_STATEMENTS");
  const args = bindArgs(stmt);
  let cols: StmtResult["cols"] = [];
  let rows: unknown[][] = [];
  let affected = 0;
  let lastRowid: unknown = null;
  try {
    const prepared = conn.prepare(sql);
    if (prepared.reader) {
      cols = prepared.columns().map((c) => ({ name: c.name, decltype: c.type }));
      rows = prepared.raw(true).all(...args) as unknown[][];
      const [changes, rowid] = conn.prepare("SELECT changes(), last_insert_rowid()").raw(true).get() as [bigint, bigint];
      if (isInsertUpdateDelete(sql)) affected = Number(changes);
      lastRowid = rowid;
    } else {
      const info = prepared.run(...args);
      if (isInsertUpdateDelete(sql)) affected = info.changes;
      lastRowid = info.lastInsertRowid;
    }
  } catch (error) {
    throw error instanceof StmtError ? error : toStmtError(error);
  }
  stats.queryCount += 1;
  stats.rowsRead += rows.length;
  stats.rowsWritten += affected;
  return {
    cols,
    rows: stmt.want_rows === false ? [] : rows.map((row) => row.map(encodeValue)),
    affected_row_count: affected,
    last_insert_rowid: lastRowid === null || lastRowid === undefined ? null : String(lastRowid),
    rows_read: rows.length,
    rows_written: affected,
    query_duration_ms: performance.now() - started,
  };
}

export type BatchCond =
  | { type: "ok" | "error"; step: number }
  | { type: "not"; cond: BatchCond }
  | { type: "and" | "or"; conds: BatchCond[] }
  | { type: "is_autocommit" };

export interface BatchResult {
  step_results: (StmtResult | null)[];
  step_errors: (HranaError | null)[];
}

export function evalCond(cond: BatchCond, result: BatchResult, conn: Connection, version: number): boolean {
  switch (cond.type) {
    case "ok":
      return result.step_results[cond.step] != null;
    case "error":
      return result.step_errors[cond.step] != null;
    case "not":
      return !evalCond(cond.cond, result, conn, version);
    case "and":
      return cond.conds.every((c) => evalCond(c, result, conn, version));
    case "or":
      return cond.conds.some((c) => evalCond(c, result, conn, version));
    case "is_autocommit":
      if (version < 3) throw new ProtocolError("The `is_autocommit` batch condition is supported only in Hrana 3");
      return !conn.inTransaction;
    default:
      throw new ProtocolError(`JSON deserialize error: unknown batch condition ${JSON.stringify((cond as { type: unknown }).type)}`);
  }
}

export function describeStmt(conn: Connection, sql: string) {
  try {
    const prepared = conn.prepare(sql);
    const cols = prepared.reader ? prepared.columns().map((c) => ({ name: c.name, decltype: c.type })) : [];
    // The driver does not expose parameter names; the double reports none.
    return { params: [], cols, is_explain: isExplain(sql), is_readonly: !isWriteStatement(sql) };
  } catch (error) {
    throw toStmtError(error);
  }
}
