/**
 * A namespace's sqld config (admin `GET|POST /v1/namespaces/<ns>/config`), read and written the one safe way. The
 * POST replaces the whole config (sqld 0.24.32: an omitted `jwt_key`, `allow_attach`, `txn_timeout_s` or
 * `block_reason` is reset; a partial body is 422, observed), so every change is a read-modify-write of the config as
 * read. The size read back (`max_db_size`) is a display text sqld does not take back: it is left out, and sqld keeps
 * the size, unless the change sets one.
 */
import { adminRequest, type AdminEndpoint } from "./sqld-admin";

export interface SqldAdmin {
  endpoint: AdminEndpoint;
  key: string;
}

/** One line for an error message: sqld's text, cut (pulumi-command hangs on a log line of 64 KiB or more). */
const excerpt = (text: string) => text.replace(/\s+/g, " ").slice(0, 300);

/** The namespace's config, or undefined when the namespace does not exist (404). */
export async function readNamespaceConfig(admin: SqldAdmin, namespace: string): Promise<Record<string, unknown> | undefined> {
  const reply = await adminRequest(admin.endpoint, admin.key, "GET", `/v1/namespaces/${namespace}/config`);
  if (reply.status === 404) return undefined;
  if (reply.status === 401) throw new Error("the admin API refused the admin key (HTTP 401): is sqldAdminKey the stack's current key?");
  if (reply.status !== 200) throw new Error(`reading the config of namespace ${namespace} failed: HTTP ${reply.status} ${excerpt(reply.text)}`);
  return JSON.parse(reply.text) as Record<string, unknown>;
}

/** Writes `read` (a config as readNamespaceConfig gave it) with `changes` applied over it. */
export async function writeNamespaceConfig(admin: SqldAdmin, namespace: string, read: Record<string, unknown>, changes: Record<string, unknown> = {}): Promise<void> {
  const { max_db_size: _shownSize, ...rest } = read;
  const reply = await adminRequest(admin.endpoint, admin.key, "POST", `/v1/namespaces/${namespace}/config`, JSON.stringify({ ...rest, ...changes }));
  if (reply.status !== 200) throw new Error(`writing the config of namespace ${namespace} failed: HTTP ${reply.status} ${excerpt(reply.text)}`);
}
