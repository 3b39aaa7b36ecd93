/**
 * What a restore shows of a namespace: its tables and their row counts, read over Hrana with a read-only token
 * (`@libsql/client`, the namespace in `x-namespace-bin`). Requests carry `fly-prefer-region: <primary region>` so
 * Fly's proxy reads the primary, where the copy was just made (a replica may not have loaded it yet).
 */
import { createClient } from "@libsql/client";
import { fetchWithNamespace, FLY_PREFER_REGION } from "../../worker/db";

export interface TableCount {
  table: string;
  rows: number;
}

export interface ReadTarget {
  /** sqld's URL (the stack's databaseUrl). */
  url: string;
  namespace: string;
  token: string;
  /** The primary's Fly region; absent off Fly (tests against a plain sqld). */
  primaryRegion?: string;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Every user table (not sqlite_* nor libsql_*) and its row count, by name. */
export async function tableCounts(t: ReadTarget): Promise<TableCount[]> {
  const withNamespace = fetchWithNamespace(t.namespace);
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (t.primaryRegion !== undefined) request.headers.set(FLY_PREFER_REGION, t.primaryRegion);
    return withNamespace(request);
  };
  const client = createClient({ url: t.url, authToken: t.token, intMode: "number", fetch });
  try {
    const tables = await client.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'libsql\\_%' ESCAPE '\\' ORDER BY name");
    const names = tables.rows.map((r) => String(r.name));
    if (names.length === 0) return [];
    const counts = await client.batch(names.map((n) => `SELECT count(*) AS n FROM ${quoteIdent(n)}`), "read");
    return names.map((table, i) => ({ table, rows: Number(counts[i]!.rows[0]!.n) }));
  } finally {
    client.close();
  }
}
