/**
 * Empties a database that must keep its identity: a Turso database whose tokens the stack minted (a database token
 * names its database by id, so a deleted and re-created database would refuse the Worker's tokens) before a copy
 * replaces its contents. Every schema object but SQLite's own goes: triggers and views first, then virtual tables
 * (their shadow tables go with them), then the remaining tables (their indexes go with them); AUTOINCREMENT
 * counters are cleared. Two transactions on one stream with foreign keys off, so a table referenced by another can
 * be dropped first.
 */
import { HranaStream } from "./hrana";
import type { TenantEndpoint } from "./endpoint";

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

const OBJECTS = "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

async function objects(stream: HranaStream): Promise<{ type: string; name: string; sql: string }[]> {
  const text = (v: { type: string; value?: unknown }) => (v.type === "text" ? String(v.value) : "");
  return (await stream.query(OBJECTS)).rows.map(([type, name, sql]) => ({ type: text(type!), name: text(name!), sql: text(sql!) }));
}

export async function emptyDatabase(endpoint: TenantEndpoint): Promise<void> {
  const stream = new HranaStream(endpoint);
  try {
    await stream.query("PRAGMA foreign_keys=OFF");
    const first = await objects(stream);
    const drops = [
      ...first.filter((o) => o.type === "trigger").map((o) => `DROP TRIGGER IF EXISTS ${quoteIdent(o.name)}`),
      ...first.filter((o) => o.type === "view").map((o) => `DROP VIEW IF EXISTS ${quoteIdent(o.name)}`),
      ...first.filter((o) => o.type === "table" && /^CREATE VIRTUAL TABLE/i.test(o.sql)).map((o) => `DROP TABLE IF EXISTS ${quoteIdent(o.name)}`),
    ];
    if (drops.length > 0) await stream.transaction(drops.map((sql) => ({ sql })));
    const tables = (await objects(stream)).filter((o) => o.type === "table").map((o) => `DROP TABLE IF EXISTS ${quoteIdent(o.name)}`);
    const sequence = (await stream.query("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'")).rows.length > 0;
    const rest = [...tables, ...(sequence ? ["DELETE FROM sqlite_sequence"] : [])];
    if (rest.length > 0) await stream.transaction(rest.map((sql) => ({ sql })));
    const left = await objects(stream);
    if (left.length > 0) throw new Error(`emptying the target left ${left.map((o) => `${o.type} ${o.name}`).join(", ")}`);
  } finally {
    await stream.close().catch(() => undefined);
  }
}
