/**
 * Runs one migration file's statements inside an open transaction, one statement per step of one batch.
 *
 * Not as one Hrana `sequence` (client `executeMultiple`): sqld 0.24.32 splits a sequence with
 * libsql-server/src/query_analysis.rs `Statement::parse`, which after each statement peeks at the next one to set
 * `has_more_stmts`; fallible_iterator's `peek()` returns a parse error without keeping it, and the parser then
 * goes on after the next `;`. A statement that does not parse, unless it is the first, is therefore skipped
 * without an error while the others run (observed on the real binary: `CREATE TABLE a (x); CREATE TABLE b (x,);
 * CREATE TABLE c (x);` created `a` and `c` and answered ok), and the file would be recorded as applied. A batch
 * step holds exactly one statement (split like sqlite3_complete(), sql-text.ts), every step is parsed before any
 * runs and a step's parse error fails the whole batch (hrana/stmt.rs `proto_stmt_to_query`), so a broken file
 * fails, in the canary, before any tenant, and nothing of it runs.
 */
import { LibsqlBatchError, type Transaction } from "@libsql/client";
import type { MigrationFile } from "./files";
import { sqlStatements } from "./sql-text";

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `file` in `tx`. A statement's failure names its line in the file (a parse error has no line: nothing ran). */
export async function runFile(tx: Transaction, file: MigrationFile): Promise<void> {
  const statements = sqlStatements(file.sql);
  if (statements.length === 0) return;
  try {
    await tx.batch(statements.map((s) => s.text));
  } catch (error) {
    const line = error instanceof LibsqlBatchError ? statements[error.statementIndex]?.line : undefined;
    throw new Error(line === undefined ? message(error) : `line ${line}: ${message(error)}`, { cause: error });
  }
}
