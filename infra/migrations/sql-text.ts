/**
 * Just enough of SQLite's lexer to see where a migration file's statements start and end: to refuse a file at plan
 * time when it is empty or controls the transaction itself (the migrator wraps every file in one transaction with
 * its record; a COMMIT inside the file would record nothing yet apply half of it), and to give the migrator the
 * text of each statement, which it sends to sqld as its own Hrana batch step (infra/migrations/namespace.ts).
 * The SQL itself is parsed and executed by the server, never by this code.
 *
 * Where statements end: sqld parses SQL with the lemon-rs grammar (libsql-server src/query_analysis.rs
 * `Statement::parse`, vendored/sqlite3-parser/src/parser/parse.y). A `;` ends a statement except inside a string,
 * identifier or comment, and inside `CREATE TRIGGER … BEGIN … END`, whose grammar is
 *   `BEGIN trigger_cmd_list END`, `trigger_cmd_list ::= trigger_cmd_list trigger_cmd SEMI | trigger_cmd SEMI`
 * (the same in SQLite's src/parse.y). A body holds at least one statement and each ends with `;`, so the END that
 * ends a trigger always directly follows a `;`; the END of a `CASE … END` follows an expression
 * (`expr ::= CASE case_operand case_exprlist case_else END`), and an `end` column is never the first word of a body
 * statement (those start with UPDATE/INSERT/REPLACE/DELETE/SELECT/VALUES/WITH). So only `; END ;` ends a trigger —
 * exactly SQLite's `sqlite3_complete()` (src/complete.c: states TRIGGER → SEMI → END → START).
 *
 * Why the migrator does not let sqld split a file: for a file with a syntax error, sqld's splitting is not
 * SQLite's. `Statement::parse` asks `peek()` whether more statements follow and takes a parse error for "yes", so
 * (run, sqld 0.24.32) a broken statement that follows a good one is skipped and parsing resumes after the
 * offending token — in a Hrana `sequence` and in a single `execute` step alike. A statement that is the first of
 * its step is parsed alone, and its syntax error is refused.
 */

/** First keyword of each statement that would end or replace the migrator's transaction. */
const TRANSACTION_CONTROL = new Set(["BEGIN", "COMMIT", "END", "ROLLBACK"]);

export interface SqlStatementInfo {
  /** Upper-cased first keyword, e.g. `CREATE`. */
  keyword: string;
  /** The first four tokens, upper-cased words or "" for anything else (`ROLLBACK TRANSACTION x TO` needs four). */
  words: string[];
  /** 1-based line where the statement starts. */
  line: number;
  /** The statement's text: from its first token through its terminating `;` (leading comments are not part of it). */
  text: string;
}

/** `start`/`end`: offsets in the SQL text (end exclusive). */
type Token = ({ kind: "word"; text: string } | { kind: "semi" } | { kind: "other" }) & { line: number; start: number; end: number };

/** SQLite's whitespace (lemon-rs `is_ascii_whitespace`): a no-break space is part of an identifier there, not a gap. */
const SPACE = /[ \t\n\f\r]/;
const IDENTIFIER_START = /[A-Za-z_\u0080-\uffff]/;
const IDENTIFIER = /[A-Za-z0-9_$\u0080-\uffff]+/y;

/** Length of the match of a sticky pattern at `at` (0 when none); no copy of the rest of the file per token. */
const matchLength = (pattern: RegExp, sql: string, at: number) => {
  pattern.lastIndex = at;
  return pattern.exec(sql)?.[0].length ?? 0;
};

function* tokens(sql: string): Generator<Token> {
  let i = 0;
  let line = 1;
  const advanceTo = (end: number) => {
    for (let k = i; k < end; k++) if (sql[k] === "\n") line++;
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const [at, startLine] = [i, line];
    const span = () => ({ line: startLine, start: at, end: i });
    if (SPACE.test(c)) advanceTo(i + 1);
    else if (c === "-" && sql[i + 1] === "-") advanceTo(sql.indexOf("\n", i) === -1 ? sql.length : sql.indexOf("\n", i));
    else if (c === "/" && sql[i + 1] === "*") advanceTo(sql.indexOf("*/", i + 2) === -1 ? sql.length : sql.indexOf("*/", i + 2) + 2);
    else if (c === "[") {
      // A [bracketed] identifier ends at the first `]`: no escape inside (lemon-rs tokenizer, `b'['`).
      advanceTo(sql.indexOf("]", i) === -1 ? sql.length : sql.indexOf("]", i) + 1);
      yield { kind: "other", ...span() };
    } else if (c === "'" || c === '"' || c === "`") {
      let k = i + 1;
      // A doubled quote inside a string or identifier stands for the quote itself.
      while (k < sql.length && !(sql[k] === c && sql[k + 1] !== c)) k += sql[k] === c ? 2 : 1;
      advanceTo(Math.min(k + 1, sql.length));
      yield { kind: "other", ...span() };
    } else if (c === ";") {
      advanceTo(i + 1);
      yield { kind: "semi", ...span() };
    } else if (IDENTIFIER_START.test(c)) {
      const end = i + matchLength(IDENTIFIER, sql, i);
      const text = sql.slice(i, end).toUpperCase();
      advanceTo(end);
      yield { kind: "word", text, ...span() };
    } else {
      advanceTo(i + 1);
      yield { kind: "other", ...span() };
    }
  }
}

/** `[EXPLAIN [QUERY PLAN]] CREATE [TEMP|TEMPORARY] TRIGGER`: the statements whose `;` may be inside the body. */
function createsTrigger(words: readonly string[]): boolean {
  let w = words;
  if (w[0] === "EXPLAIN") w = w[1] === "QUERY" && w[2] === "PLAN" ? w.slice(3) : w.slice(1);
  return w[0] === "CREATE" && (w[1] === "TRIGGER" || (/^TEMP(ORARY)?$/.test(w[1] ?? "") && w[2] === "TRIGGER"));
}

/** The statements of a SQL text (comments and blank statements are not statements). */
export function sqlStatements(sql: string): SqlStatementInfo[] {
  const found: SqlStatementInfo[] = [];
  let current: { words: string[]; line: number; start: number; end: number } | undefined;
  let inTrigger = false;
  // Inside a trigger: "semi" right after a `;`, "semi-end" right after `; END` (where a `;` ends the trigger).
  let triggerState: "body" | "semi" | "semi-end" = "body";
  const finish = () => {
    if (current) found.push({ keyword: current.words[0] ?? "", words: current.words.slice(0, 4), line: current.line, text: sql.slice(current.start, current.end) });
    current = undefined;
    inTrigger = false;
    triggerState = "body";
  };
  for (const token of tokens(sql)) {
    if (token.kind === "semi") {
      // A `;` with no statement before it is a blank statement; otherwise it is the statement's last character.
      if (current) current.end = token.end;
      if (!inTrigger || triggerState === "semi-end") finish();
      else triggerState = "semi";
      continue;
    }
    current ??= { words: [], line: token.line, start: token.start, end: token.end };
    current.end = token.end;
    // Six words tell `EXPLAIN QUERY PLAN CREATE TEMPORARY TRIGGER`; the rest of a long statement is not kept.
    if (current.words.length < 6) current.words.push(token.kind === "word" ? token.text : "");
    if (!inTrigger) inTrigger = createsTrigger(current.words);
    triggerState = token.kind === "word" && token.text === "END" && triggerState === "semi" ? "semi-end" : "body";
  }
  finish();
  return found;
}

/** `ROLLBACK [TRANSACTION [name]] TO …` rolls back to a savepoint (parse.y `ROLLBACK trans_opt TO savepoint_opt nm`). */
function rollsBackToSavepoint(w: readonly string[]): boolean {
  return w[1] === "TO" || (w[1] === "TRANSACTION" && (w[2] === "TO" || w[3] === "TO"));
}

/** Statements that would end the migrator's transaction (BEGIN/COMMIT/END/ROLLBACK, but not ROLLBACK TO). */
export function transactionControl(statements: readonly SqlStatementInfo[]): SqlStatementInfo[] {
  return statements.filter((s) => TRANSACTION_CONTROL.has(s.keyword) && !(s.keyword === "ROLLBACK" && rollsBackToSavepoint(s.words)));
}
