/**
 * Self-hosted → managed, step 1: a physical SQLite file of the tenant that Turso's upload accepts
 * (turso-docs api-reference/databases/upload.mdx "Database File Requirements": journal_mode WAL, page_size 4096,
 * auto_vacuum 0, encoding UTF-8; cloud/migrate-to-turso.mdx: `PRAGMA wal_checkpoint(truncate)` first). Built by
 * replaying sqld's `GET /dump` into a local file with @libsql/client's `file:` mode (npm `libsql` underneath; no
 * network for the file itself), statement batches in local transactions, so memory holds one batch. The settings are fixed before the first table exists
 * (page_size cannot change later in WAL mode) and read back after the checkpoint.
 */
import { rmSync, statSync } from "node:fs";
import { createClient } from "@libsql/client";
import { replayDump, type ReplayBatchLimits } from "./dump-replay";
import { describeEndpoint, send, type TenantEndpoint } from "./endpoint";

/** Opens `GET /dump` on a sqld namespace or Turso database; throws unless 200. */
export async function openDump(source: TenantEndpoint) {
  const res = await send(source, { method: "GET", path: "/dump", timeoutMs: 600_000 });
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`GET /dump on ${describeEndpoint(source)}: HTTP ${res.statusCode}`);
  }
  return res;
}

export interface UploadFile {
  path: string;
  bytes: number;
  statements: number;
}

export async function buildUploadFile(source: TenantEndpoint, path: string, limits?: ReplayBatchLimits): Promise<UploadFile> {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  const db = createClient({ url: `file:${path}` });
  let statements = 0;
  try {
    await db.executeMultiple("PRAGMA page_size = 4096; PRAGMA auto_vacuum = 0; PRAGMA encoding = 'UTF-8';");
    await db.execute("PRAGMA journal_mode = WAL");
    // SQLite writes the text encoding into the file header (offset 56) with the first schema change; an empty
    // tenant's file would carry 0 there, which a strict reader takes as "not UTF-8" (the box's double does).
    await db.executeMultiple("CREATE TABLE mode_switch_header(x); DROP TABLE mode_switch_header;");
    const dump = await openDump(source);
    statements = await replayDump(dump, async (batch) => void (await db.batch(batch, "write")), limits);
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    const read = async (name: string) => (await db.execute(`PRAGMA ${name}`)).rows[0]![0];
    const settings = { journal_mode: await read("journal_mode"), page_size: await read("page_size"), auto_vacuum: await read("auto_vacuum"), encoding: await read("encoding") };
    if (settings.journal_mode !== "wal" || settings.page_size !== 4096 || settings.auto_vacuum !== 0 || settings.encoding !== "UTF-8") throw new Error(`the upload file does not meet Turso's requirements: ${JSON.stringify(settings)}`);
  } finally {
    db.close();
  }
  return { path, bytes: statSync(path).size, statements };
}
