/**
 * Just enough of SQLite's lexer to see where a migration file's statements start and end, so that a file can be
 * refused at plan time when it is empty or controls the transaction itself (the migrator wraps every file in
 * one transaction with its record; a COMMIT inside the file would record nothing yet apply half of it), and so
 * that the migrator can send each statement on its own (infra/migrations/run-file.ts explains why).
 *
 * Statement ends follow SQLite's `sqlite3_complete()` (sqlite/src/complete.c): a `;` ends a statement except
 * inside a string, identifier or comment, and inside `CREATE [TEMP] TRIGGER ... END;` where only `END ;` ends it.
 * The SQL itself is executed by the server, never by this code.
 */

/** First keyword of each statement that would end or replace the migrator's transaction. */
const TRANSACTION_CONTROL = new Set(["BEGIN", "COMMIT", "END", "ROLLBACK"]);

export interface SqlStatementInfo {
  /** Upper-cased first keyword, e.g. `CREATE`. */
  keyword: string;
  /** Second keyword (upper-cased) or "" — `ROLLBACK TO` is a savepoint, not the end of the transaction. */
  second: string;
  /** 1-based line where the statement starts. */
  line: number;
  /** The statement's text, from its first token to its `;` (included, when there is one). */
  text: string;
}

type Span = { line: number; start: number; end: number };
type Token = ({ kind: "word"; text: string } | { kind: "semi" } | { kind: "other" }) & Span;

function* tokens(sql: string): Generator<Token> {
  let i = 0;
  let line = 1;
  const advanceTo = (end: number) => {
    for (let k = i; k < end; k++) if (sql[k] === "\n") line++;
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const start = line;
    const from = i;
    if (/\s/.test(c)) advanceTo(i + 1);
    else if (c === "-" && sql[i + 1] === "-") advanceTo(sql.indexOf("\n", i) === -1 ? sql.length : sql.indexOf("\n", i));
    else if (c === "/" && sql[i + 1] === "*") advanceTo(sql.indexOf("*/", i + 2) === -1 ? sql.length : sql.indexOf("*/", i + 2) + 2);
    else if (c === "'" || c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      let k = i + 1;
      // A doubled quote inside a string or identifier stands for the quote itself.
      while (k < sql.length && !(sql[k] === close && sql[k + 1] !== close)) k += sql[k] === close ? 2 : 1;
      advanceTo(Math.min(k + 1, sql.length));
      yield { kind: "other", line: start, start: from, end: i };
    } else if (c === ";") {
      advanceTo(i + 1);
      yield { kind: "semi", line: start, start: from, end: i };
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z0-9_$\u0080-\uffff]+/.exec(sql.slice(i))!;
      advanceTo(i + m[0].length);
      yield { kind: "word", text: m[0].toUpperCase(), line: start, start: from, end: i };
    } else {
      advanceTo(i + 1);
      yield { kind: "other", line: start, start: from, end: i };
    }
  }
}

/** The statements of a SQL text (comments and blank statements are not statements). */
export function sqlStatements(sql: string): SqlStatementInfo[] {
  const found: SqlStatementInfo[] = [];
  let current: { words: string[]; line: number; start: number; end: number } | undefined;
  const info = (c: NonNullable<typeof current>): SqlStatementInfo => ({ keyword: c.words[0] ?? "", second: c.words[1] ?? "", line: c.line, text: sql.slice(c.start, c.end) });
  let inTrigger = false;
  let previousWasEnd = false;
  for (const token of tokens(sql)) {
    if (token.kind === "semi") {
      const endsStatement = !inTrigger || previousWasEnd;
      if (endsStatement && current) {
        found.push(info({ ...current, end: token.end }));
        current = undefined;
        inTrigger = false;
      }
      previousWasEnd = false;
      continue;
    }
    current ??= { words: [], line: token.line, start: token.start, end: token.end };
    current.end = token.end;
    if (token.kind === "word") {
      current.words.push(token.text);
      const w = current.words;
      // CREATE TRIGGER / CREATE TEMP TRIGGER / CREATE TEMPORARY TRIGGER (complete.c: tkCREATE → tkTEMP → tkTRIGGER)
      if (w[0] === "CREATE" && (w[1] === "TRIGGER" || (/^TEMP(ORARY)?$/.test(w[1] ?? "") && w[2] === "TRIGGER"))) inTrigger = true;
      previousWasEnd = token.text === "END";
    } else {
      current.words.push("");
      previousWasEnd = false;
    }
  }
  if (current) found.push(info(current));
  return found;
}

/** Statements that would end the migrator's transaction (BEGIN/COMMIT/END/ROLLBACK, but not ROLLBACK TO). */
export function transactionControl(statements: readonly SqlStatementInfo[]): SqlStatementInfo[] {
  return statements.filter((s) => TRANSACTION_CONTROL.has(s.keyword) && !(s.keyword === "ROLLBACK" && s.second === "TO"));
}
