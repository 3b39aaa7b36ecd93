/**
 * A real remote client of a tenant URL (`http://acme.db.test:PORT`, no namespace header): plain @libsql/client, or
 * drizzle-orm over it (`drizzle-orm/libsql`), as a server SDK or an app's ORM would connect. sqld picks the
 * namespace from the host's first label, so the client runs in a child with its own name resolution
 * (hosts-child.ts).
 */
import { join } from "node:path";
import { CHILD_PROTOCOL, NODE_MODULES, startHostsChild, type ChildOutcome } from "./hosts-child";

/**
 * The child: `execute` {sql} on the client; with drizzle, `insertNote` {body} / `selectNotes` through drizzle's query
 * builder on `notes(id INTEGER PRIMARY KEY, body TEXT)`.
 */
// Resolved here (a devDependency, pinned in package.json): the child runs from a temp folder.
const DRIZZLE = { libsql: require.resolve("drizzle-orm/libsql"), sqliteCore: require.resolve("drizzle-orm/sqlite-core") };

const CHILD = `${CHILD_PROTOCOL}
const { createClient } = require(${JSON.stringify(join(NODE_MODULES, "@libsql/client"))});
const client = createClient({ url: process.env.DB_URL, authToken: process.env.TOKEN });
const handlers = { execute: async (cmd) => ({ rows: toRows(await client.execute(cmd.sql)) }) };
if (process.env.ORM === "drizzle") {
  const { drizzle } = require(${JSON.stringify(DRIZZLE.libsql)});
  const { sqliteTable, integer, text } = require(${JSON.stringify(DRIZZLE.sqliteCore)});
  const notes = sqliteTable("notes", { id: integer("id").primaryKey(), body: text("body") });
  const db = drizzle({ client });
  handlers.insertNote = async (cmd) => { await db.insert(notes).values({ body: cmd.body }); return {}; };
  handlers.selectNotes = async () => ({ rows: (await db.select().from(notes).orderBy(notes.id)).map((n) => [n.body]) });
}
serve(handlers, () => client.close());
`;

export interface RemoteClient {
  execute(sql: string): Promise<ChildOutcome>;
  /** drizzle only: `db.insert(notes).values({ body })`. */
  insertNote(body: string): Promise<ChildOutcome>;
  /** drizzle only: `db.select().from(notes)`, as rows of [body]. */
  selectNotes(): Promise<ChildOutcome>;
  close(): Promise<void>;
}

/** A remote client of `url` (its host resolved to 127.0.0.1 for the child only) with `token`. */
export function openRemoteClient(o: { url: string; token: string; orm?: "drizzle" }): RemoteClient {
  const child = startHostsChild({
    hosts: [new URL(o.url).hostname],
    source: CHILD,
    env: { DB_URL: o.url, TOKEN: o.token, ...(o.orm && { ORM: o.orm }) },
  });
  return {
    execute: (sql) => child.send({ op: "execute", sql }),
    insertNote: (body) => child.send({ op: "insertNote", body }),
    selectNotes: () => child.send({ op: "selectNotes" }),
    close: () => child.close(),
  };
}
