/**
 * TEST DOUBLE support: a small lexer for SQL text. sqld parses SQL itself to count statements and to decide
 * whether a statement needs read or write permission; the `libsql` npm package does neither (it silently
 * prepares only the first of several statements), so the double does it here, approximately.
 */

/** Splits SQL into statements on top-level `;`, honouring quotes, comments and `CREATE TRIGGER … END;`. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") {
      const close = ch === "[" ? "]" : ch;
      i = sql.indexOf(close, i + 1);
      if (i === -1) break;
      i += 1;
      // A doubled quote ('it''s') is an escaped quote: the loop sees it as a new quoted string, which is fine.
      continue;
    }
    if (ch === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (ch === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
      continue;
    }
    if (ch === ";") {
      const candidate = sql.slice(start, i);
      // Inside a trigger body, `;` ends the inner statements; only `END;` ends the CREATE TRIGGER.
      if (isTriggerDefinition(candidate) && !/\bEND\s*$/i.test(stripComments(candidate))) {
        i += 1;
        continue;
      }
      pushIfNotEmpty(statements, candidate);
      start = i + 1;
    }
    i += 1;
  }
  pushIfNotEmpty(statements, sql.slice(start));
  return statements;
}

function pushIfNotEmpty(statements: string[], text: string): void {
  if (stripComments(text).trim() !== "") statements.push(text.trim());
}

export function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*(\n|$)/g, " ").replace(/\/\*[\s\S]*?(\*\/|$)/g, " ");
}

function isTriggerDefinition(sql: string): boolean {
  return /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(stripComments(sql));
}

function firstKeyword(sql: string): string {
  const match = /^[\s(]*([A-Za-z]+)/.exec(stripComments(sql));
  return (match?.[1] ?? "").toUpperCase();
}

const WRITE_KEYWORDS = new Set([
  "INSERT",
  "UPDATE",
  "DELETE",
  "REPLACE",
  "CREATE",
  "DROP",
  "ALTER",
  "REINDEX",
  "VACUUM",
  "ANALYZE",
  "ATTACH",
  "DETACH",
]);

/** Whether sqld would require write permission (its StmtKind::Write and DDL), approximately. */
export function isWriteStatement(sql: string): boolean {
  const keyword = firstKeyword(sql);
  if (WRITE_KEYWORDS.has(keyword)) return true;
  const text = stripComments(sql);
  if (keyword === "WITH") return /\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(text);
  // `PRAGMA x = y` changes state; `PRAGMA x` and `PRAGMA x(y)` only read it.
  if (keyword === "PRAGMA") return /=/.test(text);
  return false; // SELECT, VALUES, EXPLAIN, BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, END
}

/** INSERT/UPDATE/DELETE: the statements whose changes() sqld reports as affected_row_count. */
export function isInsertUpdateDelete(sql: string): boolean {
  const keyword = firstKeyword(sql);
  if (keyword === "INSERT" || keyword === "UPDATE" || keyword === "DELETE" || keyword === "REPLACE") return true;
  return keyword === "WITH" && /\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(stripComments(sql));
}

export function isExplain(sql: string): boolean {
  return firstKeyword(sql) === "EXPLAIN";
}
