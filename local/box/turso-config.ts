/**
 * The box's Turso databases apply updateDatabaseConfiguration's `block_reads` / `block_writes`
 * (local/doubles/fake-turso-api/configuration.ts) to their real sqld: the namespace config fields of the same names
 * (sqld admin `GET|POST /v1/namespaces/<DbId>/config`; the POST replaces the whole config, so read-modify-write).
 * Turso's API has no reason field; sqld then answers a refused write with its own text.
 */
import type { FakeDatabase } from "../doubles/fake-turso-api";

export async function applyDatabaseConfig(adminPort: number, db: FakeDatabase): Promise<void> {
  const url = `http://127.0.0.1:${adminPort}/v1/namespaces/${db.DbId}/config`;
  const current = await fetch(url);
  if (current.status !== 200) throw new Error(`sqld config of ${db.Name}: HTTP ${current.status} ${await current.text()}`);
  const { max_db_size: _sizeText, ...config } = (await current.json()) as Record<string, unknown>;
  const body = JSON.stringify({ ...config, block_reads: db.config?.block_reads ?? false, block_writes: db.config?.block_writes ?? false });
  const written = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  if (written.status !== 200) throw new Error(`sqld config of ${db.Name}: HTTP ${written.status} ${await written.text()}`);
}
