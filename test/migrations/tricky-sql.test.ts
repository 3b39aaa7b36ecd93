/**
 * Valid migration files that trip naive statement splitters, on REAL sqld (dev stack): each is accepted by the
 * plan-time check (readMigrationDir), applies with its record, and its triggers really fire. A bare END/COMMIT/
 * BEGIN after such a trigger is still refused at plan time — and sqld really runs that END as a COMMIT.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMigrationDir } from "../../infra/migrations/files";
import { migrate } from "../../infra/migrations/migrator";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createStackNamespaces, namespaceClient, recordedNames, scratchDir, selfHostedOptions, tablesOf, targets } from "../support/migrations";

/** Issue 21 item 9: the CASE's `END;` was taken for the end of the trigger ("END is not allowed"). */
const CASE_TRIGGER = `-- Readings get a level; the body's statements end with CASE … END;
CREATE TABLE readings (id INTEGER PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE reading_levels (reading_id INTEGER PRIMARY KEY, level TEXT NOT NULL);
CREATE TRIGGER readings_level AFTER INSERT ON readings BEGIN
  INSERT INTO reading_levels (reading_id, level) SELECT new.id, CASE WHEN new.value > 100 THEN 'high' ELSE 'normal' END;
  UPDATE reading_levels SET level = 'negative' WHERE reading_id = new.id AND CASE WHEN new.value < 0 THEN 1 ELSE 0 END;
END;
`;

const FILES: Record<string, string> = {
  "0001_case_trigger.sql": CASE_TRIGGER,
  "0002_nested_case.sql": `CREATE TABLE grades (id INTEGER PRIMARY KEY, score INTEGER, late INTEGER NOT NULL DEFAULT 0, grade TEXT);
CREATE TRIGGER grades_grade AFTER INSERT ON grades BEGIN
  UPDATE grades SET grade = CASE WHEN new.score >= 90 THEN CASE WHEN new.late THEN 'A-' ELSE 'A' END
    WHEN new.score >= 50 THEN 'B' ELSE CASE new.late WHEN 1 THEN 'F-' ELSE 'F' END END WHERE id = new.id;
  UPDATE grades SET late = 1 WHERE id = new.id AND CASE WHEN new.score IS NULL THEN CASE new.late WHEN 0 THEN 1 ELSE 0 END END;
END;
`,
  "0003_keywords_in_text.sql": `-- COMMIT; BEGIN; END; ROLLBACK; in a line comment
/* BEGIN;
   COMMIT;
END; */
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE note_log (note_id INTEGER NOT NULL, what TEXT NOT NULL);
CREATE TRIGGER notes_log AFTER INSERT ON notes BEGIN
  INSERT INTO note_log VALUES (new.id, 'logged; END; COMMIT;'); -- ; END;
  /* ; END; */
  INSERT INTO note_log VALUES (new.id, '; END');
END;
INSERT INTO notes (body) VALUES ('COMMIT;'), ('END;'), ('BEGIN; END;'), ('it''s; END; fine');
`,
  "0004_named_end.sql": `CREATE TABLE "end" (id INTEGER PRIMARY KEY, "end" TEXT, "begin" TEXT);
CREATE TABLE end_log ("end" TEXT, [commit] TEXT);
CREATE TRIGGER "end" AFTER INSERT ON "end" BEGIN
  INSERT INTO end_log ("end", [commit]) VALUES (new."end", new.begin);
  UPDATE end_log SET "end" = upper("end") WHERE "end" = new.end;
END;
`,
  "0005_begin_in_trigger.sql": `CREATE TABLE sessions (id INTEGER PRIMARY KEY, "begin" INTEGER NOT NULL, "end" INTEGER, state TEXT NOT NULL);
CREATE TRIGGER sessions_ended AFTER UPDATE OF "end" ON sessions
WHEN CASE WHEN new."end" IS NULL THEN 0 ELSE 1 END
BEGIN
  UPDATE sessions SET state = 'BEGIN; … END;' WHERE id = new.id;
  UPDATE sessions SET state = 'ended after ' || (new."end" - new.begin) WHERE id = new.id;
END;
`,
  "0006_savepoint.sql": `CREATE TABLE kept (x TEXT);
SAVEPOINT try_it;
CREATE TABLE rolled_back (x);
ROLLBACK TRANSACTION TO SAVEPOINT try_it;
RELEASE try_it;
INSERT INTO kept VALUES ('after the savepoint');
`,
};
const NAMES = Object.keys(FILES);

let cluster: LocalSqldCluster;
const dirs: { cleanup(): void }[] = [];

beforeAll(async () => {
  cluster = await startStackSqld("dev");
  await createStackNamespaces(cluster, ["tricky", "tricky-end"]);
});
afterAll(async () => {
  await cluster?.close();
  dirs.forEach((d) => d.cleanup());
});

function dirWith(files: Record<string, string>): string {
  const scratch = scratchDir();
  dirs.push(scratch);
  for (const [name, sql] of Object.entries(files)) scratch.write(name, sql);
  return scratch.dir;
}

async function rows(namespace: string, sql: string): Promise<unknown[][]> {
  const client = await namespaceClient(cluster, namespace);
  try {
    const rs = await client.execute(sql);
    return rs.rows.map((r) => rs.columns.map((c) => r[c]));
  } finally {
    client.close();
  }
}

describe("valid SQL that trips naive splitters", () => {
  it("passes the plan-time check and applies on real sqld, each file with its record", async () => {
    const read = readMigrationDir(dirWith(FILES));
    expect(read.ok ? [] : read.problems).toEqual([]);
    if (!read.ok) return;
    expect(read.files.map((f) => f.name)).toEqual(NAMES);

    const run = await migrate(targets(["tricky"], read.files), selfHostedOptions(cluster));
    expect(run.failed).toEqual([]);
    expect(run.results).toEqual([{ namespace: "tricky", ok: true, applied: NAMES }]);
    expect(await recordedNames(cluster, "tricky")).toEqual(NAMES);
    expect(await tablesOf(cluster, "tricky")).toEqual(
      expect.arrayContaining(["end", "end_log", "grades_grade", "kept", "notes_log", "readings_level", "sessions_ended"]),
    );
    expect(await tablesOf(cluster, "tricky")).not.toContain("rolled_back");
  });

  it("the triggers whose statements end in CASE … END fire", async () => {
    const client = await namespaceClient(cluster, "tricky");
    await client.batch(["INSERT INTO readings VALUES (1, 150)", "INSERT INTO readings VALUES (2, 5)", "INSERT INTO readings VALUES (3, -4)"], "write");
    await client.batch(
      ["INSERT INTO grades (id, score, late) VALUES (1, 95, 0), (2, 95, 1), (3, 60, 0), (4, 10, 1)", "INSERT INTO grades (id, score, late) VALUES (5, NULL, 0)"],
      "write",
    );
    client.close();
    expect(await rows("tricky", "SELECT reading_id, level FROM reading_levels ORDER BY reading_id")).toEqual([
      [1, "high"],
      [2, "normal"],
      [3, "negative"],
    ]);
    expect(await rows("tricky", "SELECT id, grade, late FROM grades ORDER BY id")).toEqual([
      [1, "A", 0],
      [2, "A-", 1],
      [3, "B", 0],
      [4, "F-", 1],
      [5, "F", 1],
    ]);
  });

  it("strings and comments holding ; END BEGIN COMMIT stay text, and the trigger between them fired during the migration", async () => {
    expect(await rows("tricky", "SELECT body FROM notes ORDER BY id")).toEqual([["COMMIT;"], ["END;"], ["BEGIN; END;"], ["it's; END; fine"]]);
    expect(await rows("tricky", "SELECT note_id, what FROM note_log ORDER BY note_id, rowid")).toEqual(
      [1, 2, 3, 4].flatMap((id) => [
        [id, "logged; END; COMMIT;"],
        [id, "; END"],
      ]),
    );
  });

  it('a trigger and a column named "end", a body using new.end and new.begin unquoted', async () => {
    const client = await namespaceClient(cluster, "tricky");
    await client.execute(`INSERT INTO "end" ("end", "begin") VALUES ('finish', 'start')`);
    client.close();
    expect(await rows("tricky", `SELECT "end", [commit] FROM end_log`)).toEqual([["FINISH", "start"]]);
    expect(await rows("tricky", "SELECT type, tbl_name FROM sqlite_master WHERE name = 'end' ORDER BY type")).toEqual([
      ["table", "end"],
      ["trigger", "end"],
    ]);
  });

  it("a trigger with CASE in its WHEN clause and several statements between BEGIN and END", async () => {
    const client = await namespaceClient(cluster, "tricky");
    await client.batch(["INSERT INTO sessions VALUES (1, 10, NULL, 'open'), (2, 10, NULL, 'open')", `UPDATE sessions SET "end" = 25 WHERE id = 1`], "write");
    await client.execute(`UPDATE sessions SET "end" = NULL WHERE id = 2`);
    client.close();
    expect(await rows("tricky", "SELECT id, state FROM sessions ORDER BY id")).toEqual([
      [1, "ended after 15"],
      [2, "open"],
    ]);
    expect(await rows("tricky", "SELECT x FROM kept")).toEqual([["after the savepoint"]]);
  });
});

describe("transaction control after such a trigger", () => {
  const TRIGGER = "CREATE TABLE t (x);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET x = CASE WHEN new.x THEN 1 ELSE 2 END;\nEND;\n";

  it("is refused at plan time, naming the file and the line", () => {
    const read = readMigrationDir(
      dirWith({ "0001_end.sql": `${TRIGGER}END;\n`, "0002_commit.sql": `${TRIGGER}COMMIT TRANSACTION;\n`, "0003_begin.sql": `-- BEGIN; is fine here\n${TRIGGER}BEGIN IMMEDIATE;\n` }),
      "migrations",
    );
    expect(read.ok ? [] : read.problems).toEqual([
      "migrations/0001_end.sql line 5: END is not allowed in a migration file; the migrator runs each file in its own transaction",
      "migrations/0002_commit.sql line 5: COMMIT is not allowed in a migration file; the migrator runs each file in its own transaction",
      "migrations/0003_begin.sql line 6: BEGIN is not allowed in a migration file; the migrator runs each file in its own transaction",
    ]);
  });

  it("because sqld runs that END as a COMMIT: the migrator (given the file anyway) stops in the canary, before any tenant", async () => {
    const files = [{ id: 1, name: "0001_end.sql", sha256: "e".repeat(64), sql: `${TRIGGER}END;\nCREATE TABLE late (x);\n` }];
    const run = await migrate(targets(["tricky-end"], files), selfHostedOptions(cluster));
    expect(run.ok).toBe(false);
    expect(run.stopped).toMatchObject({ stage: "canary", failedFile: "0001_end.sql" });
    expect(run.failed.map((f) => [f.namespace, f.error])).toEqual([["tricky-end", "not migrated: the run stopped (canary failed)"]]);
    expect(await tablesOf(cluster, "tricky-end")).toEqual([]);
  });
});
