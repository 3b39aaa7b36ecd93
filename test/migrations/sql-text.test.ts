/**
 * Statement boundaries of migration files (infra/migrations/sql-text.ts), pure: the rules sqld's parser applies to
 * a Hrana sequence for valid SQL (lemon-rs parse.y; SQLite's parse.y and sqlite3_complete() agree). What real sqld
 * does with the same texts is in tricky-sql.test.ts.
 */
import { describe, expect, it } from "vitest";
import { sqlStatements, transactionControl } from "../../infra/migrations/sql-text";

const keywordsAndLines = (sql: string) => sqlStatements(sql).map((s) => [s.keyword, s.line]);
const refused = (sql: string) => transactionControl(sqlStatements(sql)).map((s) => [s.words.filter(Boolean).join(" "), s.line]);

describe("statement boundaries", () => {
  it("keeps a trigger body's statements inside the trigger and ignores keywords in strings and comments", () => {
    const sql = `-- BEGIN; in a comment
CREATE TRIGGER t AFTER INSERT ON a BEGIN
  UPDATE b SET x = 'COMMIT; END;' WHERE y = 1;
  DELETE FROM c;
END;
/* ROLLBACK; */ INSERT INTO "end" VALUES ('it''s; fine');
ROLLBACK TO sp;
`;
    expect(keywordsAndLines(sql)).toEqual([
      ["CREATE", 2],
      ["INSERT", 6],
      ["ROLLBACK", 7],
    ]);
    expect(refused(sql)).toEqual([]);
  });

  it("does not end a trigger at the END of a CASE that closes a body statement (issue 21 item 9)", () => {
    const sql = `CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE t SET x = CASE WHEN new.a THEN 1 ELSE 2 END; END;
CREATE TABLE after_it (y);
`;
    expect(keywordsAndLines(sql)).toEqual([
      ["CREATE", 1],
      ["CREATE", 2],
    ]);
    expect(refused(sql)).toEqual([]);
  });

  it.each([
    ["nested CASE, both ENDs before the `;`", "UPDATE t SET x = CASE WHEN new.a THEN CASE new.b WHEN 1 THEN 'one' END ELSE 'none' END END;"],
    ["a CASE ending a DELETE's WHERE", "DELETE FROM y WHERE CASE new.a WHEN 1 THEN 1 ELSE 0 END;"],
    ["an unquoted `end` column last in a body statement", "UPDATE t SET x = new.end;\n  UPDATE t SET y = 1 WHERE z = end;"],
    ["quoted END, BEGIN and COMMIT identifiers", 'INSERT INTO "end" ("begin", [commit], `end`) VALUES (new."end", 1, 2);'],
    ["strings and comments holding `; END;`", "INSERT INTO log VALUES ('; END;', \"x\"); -- ; END;\n  /* ; END; */ SELECT 'BEGIN; COMMIT;';"],
  ])("one trigger: %s", (_title, body) => {
    const sql = `CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON x FOR EACH ROW BEGIN\n  ${body}\nEND;\nCREATE INDEX i ON x (a);\n`;
    expect(sqlStatements(sql).map((s) => s.keyword)).toEqual(["CREATE", "CREATE"]);
    expect(refused(sql)).toEqual([]);
  });

  it("finds the trigger's END after a comment between `;` and END, with no space, and with the file's last `;` missing", () => {
    expect(keywordsAndLines("CREATE TRIGGER tr AFTER DELETE ON x BEGIN DELETE FROM y; /* done */ -- really\n END ; SELECT 1;")).toEqual([
      ["CREATE", 1],
      ["SELECT", 2],
    ]);
    expect(keywordsAndLines("CREATE TRIGGER tr AFTER DELETE ON x BEGIN SELECT CASE 1 WHEN 1 THEN 2 END;END;SELECT 1;")).toEqual([
      ["CREATE", 1],
      ["SELECT", 1],
    ]);
    expect(keywordsAndLines("CREATE TRIGGER tr AFTER DELETE ON x BEGIN SELECT CASE 1 WHEN 1 THEN 2 END; END")).toEqual([["CREATE", 1]]);
  });

  it("knows triggers named end, TEMP triggers, a CASE in the WHEN clause and EXPLAIN CREATE TRIGGER", () => {
    for (const head of [
      'CREATE TRIGGER "end" AFTER INSERT ON x',
      "CREATE TRIGGER end AFTER INSERT ON x",
      "CREATE TEMPORARY TRIGGER tr BEFORE UPDATE OF a ON x",
      "CREATE TEMP TRIGGER tr INSTEAD OF DELETE ON v",
      "CREATE TRIGGER tr AFTER INSERT ON x WHEN CASE WHEN new.a THEN 1 END",
      "EXPLAIN CREATE TRIGGER tr AFTER INSERT ON x",
      "EXPLAIN QUERY PLAN CREATE TRIGGER tr AFTER INSERT ON x",
    ]) {
      const sql = `${head} BEGIN SELECT CASE WHEN 1 THEN 2 END; END;\nSELECT 1;`;
      expect(keywordsAndLines(sql), head).toEqual([
        [head.split(" ")[0], 1],
        ["SELECT", 2],
      ]);
    }
  });

  it("reads a [bracketed] identifier up to its first `]`, as SQLite does (no `]]` escape)", () => {
    expect(keywordsAndLines("SELECT [a;b]; SELECT [x]];\nCOMMIT;").map(([k]) => k)).toEqual(["SELECT", "SELECT", "COMMIT"]);
  });
});

describe("transaction control is still refused", () => {
  it("BEGIN / COMMIT / END / ROLLBACK statements, in any case, with their options", () => {
    expect(refused("BEGIN;\nCREATE TABLE x(y);\nEND;")).toEqual([
      ["BEGIN", 1],
      ["END", 3],
    ]);
    const sql = "begin immediate transaction;\ncommit transaction;\nend;\nEnd Transaction;\nrollback;\nROLLBACK TRANSACTION;\nROLLBACK TRANSACTION t;";
    expect(refused(sql).map(([, line]) => line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("a bare END or COMMIT right after a trigger with CASE … END (the trigger ended at its own `; END ;`)", () => {
    const trigger = "CREATE TRIGGER tr AFTER INSERT ON x BEGIN\n  UPDATE t SET x = CASE WHEN new.a THEN 1 ELSE 2 END;\nEND;\n";
    expect(refused(`${trigger}END;\n`)).toEqual([["END", 4]]);
    expect(refused(`${trigger}COMMIT;\nCREATE TABLE y (a);\n`)).toEqual([["COMMIT", 4]]);
    expect(refused(`${trigger}-- END; in a comment\nBEGIN;\n`)).toEqual([["BEGIN", 5]]);
  });

  it("but not ROLLBACK TO a savepoint, with or without TRANSACTION and its name (parse.y ROLLBACK trans_opt TO)", () => {
    expect(refused("SAVEPOINT s;\nROLLBACK TO s;\nROLLBACK TO SAVEPOINT s;\nROLLBACK TRANSACTION TO SAVEPOINT s;\nROLLBACK TRANSACTION t TO s;\nRELEASE s;")).toEqual([]);
  });
});
