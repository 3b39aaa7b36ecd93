/**
 * `sqld.encryptionAtRest`: the rules that refuse a config sqld 0.24.32 cannot serve with its encryption key. Pure
 * (no Pulumi, no I/O). Each refusal is a fact observed on the real binary (docs/encryption-at-rest-facts.md, asserted
 * by test/sqld/encryption-at-rest.test.ts):
 * - read replicas: a sqld replica given the key answers every read and forwarded write with 500 "file is not a
 *   database" (frames leave the primary decrypted and the replica stores them in a file it opens with the key);
 * - bottomless backups: an encrypted namespace does not come back from the bucket on an empty volume, even with the
 *   right key (500 "unsupported file format"), and a wrong key makes bottomless restore over the local file;
 * - managed mode: Turso encrypts every database at rest at the volume level itself (turso-docs cloud/encryption.mdx),
 *   and its own-key option (BYOK) is a per-database key sent with each request, which this stack does not hold.
 */
import type { ConfigShape } from "./schema";

const KEY = ["sqld", "encryptionAtRest"];

/** Cross-field problems of `sqld.encryptionAtRest`, as [key below libsql-stack:, message] pairs; [] when it is off. */
export function encryptionAtRestProblems(cfg: Pick<ConfigShape, "mode" | "regions" | "backups"> & { sqld: { encryptionAtRest: boolean } }): [(string | number)[], string][] {
  if (!cfg.sqld.encryptionAtRest) return [];
  if (cfg.mode !== "self-hosted") {
    return [[KEY, "applies to self-hosted sqld only: Turso already encrypts every database at rest (volume level); remove it"]];
  }
  const out: [(string | number)[], string][] = [];
  const replicas = cfg.regions.filter((r) => r.role === "replica").map((r) => r.code);
  if (replicas.length > 0) {
    out.push([
      KEY,
      `cannot be used with replica regions (${replicas.join(", ")}): on sqld 0.24.32 a read replica holding the key answers every read and forwarded write with 500 "file is not a database"; keep only the primary region, or turn encryptionAtRest off`,
    ]);
  }
  if (cfg.backups !== undefined) {
    out.push([
      KEY,
      'cannot be used with backups: on sqld 0.24.32 an encrypted namespace cannot be restored from its bottomless backup, even with the right key (500 "unsupported file format"), so the backups would not bring the data back; remove backups, or turn encryptionAtRest off',
    ]);
  }
  return out;
}
