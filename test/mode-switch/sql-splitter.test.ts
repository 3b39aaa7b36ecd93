/**
 * The dump splitter and rewriter, pure: statements come out whole whatever the chunking, with `;` inside strings,
 * identifiers, comments and trigger bodies kept; the dump framing (BEGIN/COMMIT, writable_schema, virtual tables)
 * is rewritten as sqld needs; an incomplete dump throws. The text is sqld 0.24.32's format (dump-replay.ts).
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DumpRewriter, replayDump } from "../../scripts/lib/mode-switch/dump-replay";
import { SqlSplitter } from "../../scripts/lib/mode-switch/sql-splitter";

const STATEMENTS = [
  "PRAGMA foreign_keys=OFF;",
  "BEGIN TRANSACTION;",
  "CREATE TABLE IF NOT EXISTS \"we;ird t\" (\"a;b\" TEXT, [c;d], `e;f`);",
  "INSERT INTO \"we;ird t\" VALUES(replace('it''s; a\\nline','\\n',char(10)),X'3b',NULL);",
  "CREATE TABLE q(x) -- a comment; with a semicolon\n;",
  "CREATE VIEW v AS SELECT /* ; */ 1;",
  "CREATE TRIGGER tr AFTER INSERT ON q BEGIN INSERT INTO q VALUES (CASE WHEN new.x THEN 'END;' ELSE 1 END); UPDATE q SET x = 1; END;",
  "CREATE TEMP TRIGGER t2 BEFORE DELETE ON q BEGIN SELECT 1; END;",
  "COMMIT;",
];

function splitIn(text: string, size: number): string[] {
  const s = new SqlSplitter();
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...s.push(text.slice(i, i + size)));
  expect(s.rest().trim()).toBe("");
  return out;
}

describe("SqlSplitter", () => {
  it("gives the same whole statements for every chunk size", () => {
    const text = STATEMENTS.join("\n") + "\n";
    for (const size of [1, 2, 3, 7, 64, text.length]) expect(splitIn(text, size)).toEqual(STATEMENTS);
  });

  it("keeps an unterminated statement as rest, and a trigger open until the END that closes BEGIN", () => {
    const s = new SqlSplitter();
    expect(s.push("CREATE TRIGGER t AFTER INSERT ON q BEGIN SELECT 1; ")).toEqual([]);
    expect(s.push("SELECT CASE WHEN 1 THEN 2 END; END; SELECT 'x")).toEqual(["CREATE TRIGGER t AFTER INSERT ON q BEGIN SELECT 1; SELECT CASE WHEN 1 THEN 2 END; END;"]);
    expect(s.rest()).toBe(" SELECT 'x");
  });
});

describe("DumpRewriter / replayDump", () => {
  it("drops the framing, re-creates a virtual table from its schema row and upserts its shadow rows", () => {
    const r = new DumpRewriter();
    expect(r.rewrite("PRAGMA foreign_keys=OFF;")).toBeNull();
    expect(r.rewrite("BEGIN TRANSACTION;")).toBeNull();
    expect(r.rewrite("PRAGMA writable_schema=ON;")).toBeNull();
    expect(r.rewrite("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table','ft','ft',0,'CREATE VIRTUAL TABLE ft USING fts5(body, tokenize=''porter'')');")).toBe(
      "CREATE VIRTUAL TABLE ft USING fts5(body, tokenize='porter')",
    );
    expect(r.rewrite("INSERT INTO ft_data VALUES(1,X'0103');")).toBe("INSERT OR REPLACE INTO ft_data VALUES(1,X'0103');");
    expect(r.rewrite("INSERT INTO other VALUES(1);")).toBe("INSERT INTO other VALUES(1);");
    expect(r.rewrite("COMMIT;")).toBeNull();
    expect(r.committed).toBe(true);
    expect(() => r.rewrite("INSERT INTO other VALUES(2);")).toThrow(/after COMMIT/);
  });

  it("refuses the schema row sqld writes unescaped for a virtual table whose definition holds a quote (exporter.rs)", () => {
    const r = new DumpRewriter();
    expect(() => r.rewrite("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table','ft','ft',0,'CREATE VIRTUAL TABLE ft USING fts5(body, tokenize='porter')');")).toThrow(/sqlite_schema/);
  });

  it("refuses a schema write that is not a virtual table", () => {
    expect(() => new DumpRewriter().rewrite("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table','x','x',0,'CREATE TABLE x(a)');")).toThrow(/sqlite_schema/);
  });

  it("batches by count and bytes, and throws on a dump cut short", async () => {
    const dump = ["PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;", ...Array.from({ length: 7 }, (_, i) => `INSERT INTO t VALUES(${i});`), "COMMIT;"].join("\n");
    const batches: string[][] = [];
    expect(await replayDump(Readable.from([dump]), async (b) => void batches.push(b), { statements: 3 })).toBe(7);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
    const cut = dump.slice(0, dump.indexOf("COMMIT"));
    await expect(replayDump(Readable.from([cut]), async () => undefined)).rejects.toThrow(/incomplete/);
    await expect(replayDump(Readable.from([cut + "INSERT INTO t VALUES('x"]), async () => undefined)).rejects.toThrow(/inside a statement/);
  });
});
