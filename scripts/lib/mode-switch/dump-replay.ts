/**
 * Replays sqld's `GET /dump` (also Turso's: turso-docs sdk/http/reference.mdx "GET /dump") statement by statement.
 * The format, as libsql-server 0.24.32 writes it (observed on the binary; libsql-server/src/connection/dump/exporter.rs):
 *   PRAGMA foreign_keys=OFF;  BEGIN TRANSACTION;
 *   per table (sqlite_schema order): CREATE TABLE IF NOT EXISTS <sql as stored>; INSERT INTO <name> VALUES(…); …
 *     values: NULL, integers, floats in Rust's shortest form (2.0 → `2`, 1e300 → 301 digits, +inf → `inf`),
 *     'text' with '' escapes where \n and \r become replace('…\n…','\n',char(10)) and other control characters
 *     (tab, NUL) are raw, X'hex' blobs;
 *   a virtual table: PRAGMA writable_schema=ON; INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)
 *     VALUES('table','ft','ft',0,'CREATE VIRTUAL TABLE …'); then its shadow tables as ordinary tables;
 *   DELETE FROM sqlite_sequence; INSERT INTO sqlite_sequence VALUES(…);  (AUTOINCREMENT tables)
 *   then indexes, views, triggers (CREATE … as stored);  PRAGMA writable_schema=OFF;  COMMIT;
 * sqld refuses `PRAGMA writable_schema` (SQL_PARSE_ERROR "unsupported statement", observed), so a virtual table is
 * re-created from its CREATE VIRTUAL TABLE text, which creates its shadow tables with their initial rows; the
 * dump's rows for those tables then go in as INSERT OR REPLACE. BEGIN/COMMIT are dropped: the replay commits in
 * bounded batches of its own (a whole-dump transaction would outlive sqld's transaction timeout). A dump that does
 * not end in COMMIT (sqld ends the chunked body early when it fails, e.g. on a table name containing `"`, observed)
 * is incomplete and throws.
 * Upstream bugs in exporter.rs that explain two of these: `Quoted` wraps a name in "…" without doubling a `"` inside
 * it (the dump's own SELECT then fails and the stream ends early), and `write_value_ref` tests `x as u64` (a numeric
 * cast) against the bit pattern of ±inf, which never matches, so ±inf is written with Rust's `inf`. The virtual-table
 * schema row is written without escaping quotes: a CREATE VIRTUAL TABLE holding a `'` (e.g. tokenize='porter')
 * does not match SCHEMA_INSERT and the replay throws. `ANALYZE sqlite_schema;` (written when sqlite_stat* tables
 * exist) is refused by sqld ("unsupported statement: ANALYZE", observed; a tenant cannot run ANALYZE either).
 * Lossy cases of the dump format itself (the verification after the copy catches them, the copy then fails):
 * a REAL holding a whole number in a column without REAL affinity comes back INTEGER; ±inf is written `inf`
 * (replays as an unknown column: error); a NUL inside text ends the statement early in SQLite (error).
 */
import type { Readable } from "node:stream";
import { SqlSplitter } from "./sql-splitter";

const SCHEMA_INSERT = /^INSERT INTO sqlite_(?:schema|master)\(type,name,tbl_name,rootpage,sql\) VALUES\('table','((?:[^']|'')*)','(?:[^']|'')*',0,'((?:[^']|'')*)'\);$/s;
const INSERT_INTO = /^INSERT INTO ("(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*) VALUES\(/;
const unquote = (s: string) => s.replace(/''/g, "'");
const identifier = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s);

/** Turns each dump statement into what to execute (or null: skip); throws on one it cannot place. */
export class DumpRewriter {
  private readonly virtualTables: string[] = [];
  private sawBegin = false;
  committed = false;

  rewrite(statement: string): string | null {
    const s = statement.trim();
    if (this.committed) throw new Error(`dump continues after COMMIT: ${s.slice(0, 80)}`);
    if (/^PRAGMA foreign_keys=OFF;$/i.test(s) || /^PRAGMA writable_schema=(ON|OFF);$/i.test(s)) return null;
    if (/^BEGIN TRANSACTION;$/i.test(s)) {
      this.sawBegin = true;
      return null;
    }
    if (/^COMMIT;$/i.test(s)) {
      if (!this.sawBegin) throw new Error("dump has COMMIT without BEGIN TRANSACTION");
      this.committed = true;
      return null;
    }
    if (/^INSERT INTO sqlite_(schema|master)\b/i.test(s)) {
      const m = SCHEMA_INSERT.exec(s);
      if (!m || !/^CREATE VIRTUAL TABLE/i.test(unquote(m[2]!))) throw new Error(`dump writes sqlite_schema in a way the replay cannot: ${s.slice(0, 120)}`);
      this.virtualTables.push(unquote(m[1]!));
      return unquote(m[2]!);
    }
    const insert = INSERT_INTO.exec(s);
    if (insert && this.virtualTables.some((vt) => identifier(insert[1]!).startsWith(`${vt}_`))) return `INSERT OR REPLACE${s.slice("INSERT".length)}`;
    return s;
  }
}

export interface ReplayBatchLimits {
  /** Statements per transaction. @default 500 */
  statements?: number;
  /** SQL bytes per transaction (one statement larger than this goes alone). @default 1 MiB */
  bytes?: number;
}

/**
 * Reads a dump stream, and hands `apply` batches of rewritten statements, each to be executed in one transaction,
 * in order, awaiting each before reading further (backpressure: memory holds one batch). Returns statement count.
 */
export async function replayDump(dump: Readable, apply: (batch: string[]) => Promise<void>, limits: ReplayBatchLimits = {}): Promise<number> {
  const maxStatements = limits.statements ?? 500;
  const maxBytes = limits.bytes ?? 1 << 20;
  const splitter = new SqlSplitter();
  const rewriter = new DumpRewriter();
  let batch: string[] = [];
  let bytes = 0;
  let count = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const out = batch;
    batch = [];
    bytes = 0;
    await apply(out);
  };
  dump.setEncoding("utf8");
  for await (const chunk of dump) {
    for (const statement of splitter.push(chunk as string)) {
      const sql = rewriter.rewrite(statement);
      if (sql === null) continue;
      count++;
      if (batch.length > 0 && (batch.length >= maxStatements || bytes + sql.length > maxBytes)) await flush();
      batch.push(sql);
      bytes += sql.length;
    }
  }
  if (splitter.rest().trim() !== "") throw new Error(`dump ends inside a statement: ${splitter.rest().trim().slice(0, 120)}`);
  if (!rewriter.committed) throw new Error("dump is incomplete: it does not end with COMMIT (the source ended the stream early)");
  await flush();
  return count;
}
