/**
 * What "the copy is complete" means: the same schema objects (type, name, table) and, per table, the same row
 * count and checksum on both sides. The checksum is a SHA-256 over every row in a deterministic order (ORDER BY
 * every column, so it does not depend on rowids, which a dump does not carry for tables without INTEGER PRIMARY
 * KEY), each value tagged with its SQLite type: a REAL 2.0 that came back INTEGER 2 is a mismatch. Rows are
 * streamed (Hrana 3 cursor, one sort per table), so memory holds one row whatever the table's size.
 * Virtual tables are compared through their shadow tables (ordinary tables in sqlite_schema).
 */
import { createHash } from "node:crypto";
import { HranaStream, type HranaValue } from "./hrana";
import type { TenantEndpoint } from "./endpoint";

export interface TableDigest {
  rows: number;
  sha256: string;
}

export interface DatabaseDigest {
  /** `type name (table)` of every schema object but SQLite's own (sqlite_%), sorted. */
  schema: string[];
  tables: Record<string, TableDigest>;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const tag = (v: HranaValue) => (v.type === "null" ? "n" : v.type === "integer" ? `i${v.value}` : v.type === "float" ? `f${v.value}` : v.type === "text" ? `t${v.value}` : `b${v.base64}`);

export async function digestDatabase(endpoint: TenantEndpoint): Promise<DatabaseDigest> {
  const stream = new HranaStream(endpoint);
  try {
    const objects = await stream.query("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name");
    const schema: string[] = [];
    const tables: string[] = [];
    for (const [type, name, table, sql] of objects.rows.map((r) => r.map((v) => (v.type === "text" ? v.value : null)))) {
      schema.push(`${type} ${name} (${table})`);
      if (type === "table" && !/^CREATE VIRTUAL TABLE/i.test(sql ?? "")) tables.push(name!);
    }
    // sqlite_sequence carries AUTOINCREMENT counters: part of the data.
    if ((await stream.query("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'")).rows.length > 0) tables.push("sqlite_sequence");
    const digests: Record<string, TableDigest> = {};
    for (const table of tables) {
      const columns = (await stream.query(`SELECT count(*) FROM pragma_table_info(?)`, [{ type: "text", value: table }])).rows[0]![0] as { value: string };
      const order = Array.from({ length: Number(columns.value) }, (_, i) => String(i + 1)).join(", ");
      const hash = createHash("sha256");
      let rows = 0;
      for await (const row of stream.cursor(`SELECT * FROM ${quoteIdent(table)} ORDER BY ${order}`)) {
        hash.update(JSON.stringify(row.map(tag)) + "\n");
        rows++;
      }
      digests[table] = { rows, sha256: hash.digest("hex") };
    }
    return { schema: schema.sort(), tables: digests };
  } finally {
    await stream.close().catch(() => undefined);
  }
}

/** Differences between two digests, one line each (empty: the copy is complete). */
export function compareDigests(source: DatabaseDigest, target: DatabaseDigest): string[] {
  const problems: string[] = [];
  const missing = source.schema.filter((o) => !target.schema.includes(o));
  const extra = target.schema.filter((o) => !source.schema.includes(o));
  if (missing.length) problems.push(`schema objects missing in the target: ${missing.join(", ")}`);
  if (extra.length) problems.push(`schema objects only in the target: ${extra.join(", ")}`);
  for (const [table, s] of Object.entries(source.tables)) {
    const t = target.tables[table];
    if (!t) {
      problems.push(`table ${table}: missing in the target`);
      continue;
    }
    if (t.rows !== s.rows) problems.push(`table ${table}: ${s.rows} rows in the source, ${t.rows} in the target`);
    else if (t.sha256 !== s.sha256) problems.push(`table ${table}: same ${s.rows} rows but different content (checksum)`);
  }
  for (const table of Object.keys(target.tables)) if (!(table in source.tables)) problems.push(`table ${table}: only in the target`);
  return problems;
}
