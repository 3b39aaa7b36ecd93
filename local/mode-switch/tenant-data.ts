/**
 * Data for the mode-switch copy tests and bench: SQL that fills a tenant with what a dump must carry (unicode, newlines,
 * quotes and semicolons in strings, blobs, NULLs, extreme integers, floats, AUTOINCREMENT, WITHOUT ROWID, an
 * index, a view, a trigger with `;` and END in its body, an FTS5 table), and a bulk filler of ~N MB.
 */
import { HranaStream } from "../../scripts/lib/mode-switch/hrana";
import type { TenantEndpoint } from "../../scripts/lib/mode-switch/endpoint";

export const TRICKY_SQL = [
  "CREATE TABLE notes(id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, data BLOB, score REAL, n)",
  "CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID",
  "CREATE TABLE \"odd; name\"(\"col; 1\" TEXT, [col 2] INTEGER)",
  "CREATE INDEX notes_body ON notes(body)",
  "CREATE VIEW semis AS SELECT body FROM notes WHERE body LIKE '%;%'",
  "CREATE TRIGGER notes_log AFTER INSERT ON notes BEGIN INSERT INTO kv VALUES ('log-' || new.id, CASE WHEN new.n IS NULL THEN 'END; null' ELSE 'x' END); END",
  "CREATE VIRTUAL TABLE search USING fts5(body)",
  "INSERT INTO notes(body, data, score, n) VALUES ('it''s; a\nnew line ''quoted'' -- not a comment /* nor this */', x'00ff10', 1.5e300, NULL)",
  "INSERT INTO notes(body, data, score, n) VALUES ('ünïcødé 😀 \r\n tab\t end;', x'', -0.1, 9223372036854775807)",
  "INSERT INTO notes(body, data, score, n) VALUES ('', zeroblob(64), 2.0, -9223372036854775808)",
  "INSERT INTO notes(body, data, score, n) VALUES (NULL, NULL, NULL, 0.25)",
  "INSERT INTO kv VALUES ('a;b', 'END;'), ('quote''s', x'deadbeef')",
  "INSERT INTO \"odd; name\" VALUES ('v;1', 1), (NULL, NULL)",
  "INSERT INTO search VALUES ('hello world; bye'), ('ünïcødé search')",
];

/** Runs statements on a tenant in one transaction per call. */
export async function runSql(endpoint: TenantEndpoint, statements: string[]): Promise<void> {
  const stream = new HranaStream(endpoint);
  try {
    await stream.execute([{ sql: "BEGIN" }, ...statements.map((sql) => ({ sql })), { sql: "COMMIT" }]);
  } finally {
    await stream.close();
  }
}

/** Fills `table` with ~`megabytes` MB: rows of 1 KiB random blob + text, in transactions of 1000 rows. */
export async function fillMegabytes(endpoint: TenantEndpoint, table: string, megabytes: number): Promise<void> {
  await runSql(endpoint, [`CREATE TABLE IF NOT EXISTS ${table}(id INTEGER PRIMARY KEY, label TEXT, payload BLOB)`]);
  const rows = megabytes * 1024;
  for (let start = 0; start < rows; start += 1000) {
    const count = Math.min(1000, rows - start);
    await runSql(endpoint, [`WITH RECURSIVE s(i) AS (SELECT ${start} UNION ALL SELECT i + 1 FROM s WHERE i < ${start + count - 1}) INSERT INTO ${table} SELECT i, 'row ' || i || ' it''s;', randomblob(1000) FROM s`]);
  }
}
