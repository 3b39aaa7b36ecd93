/**
 * The encrypted example stack (examples/Pulumi.encrypted.yaml, planned as prod), run on the real hardened sqld
 * 0.24.32 exactly as planned: the
 * rendered fly.toml command line, and every secret its `sqld-secrets` Command sets, SQLD_ENCRYPTION_KEY included,
 * with a key made the way `keys-encryption-key` makes it (the random provider's password generation, from the plan's
 * own inputs). Tenants write and read; the files on the volume hold no SQLite header and no plaintext; a restart
 * with the same secrets reads everything again. What the key does not cover (the meta store) is asserted too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createPassword } from "../../local/doubles/providers/random/provider";
import { byName, planStack } from "../../local/plan";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, tenantClientOn } from "../../local/sqld/tenant-client";

const MARKER = "ENCRYPTED-STACK-5d1e";
const EXAMPLE = "examples/Pulumi.encrypted.yaml";
const SQLITE_HEADER = "SQLite format 3\u0000";

let cluster: LocalSqldCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** A key as `keys-encryption-key` (RandomPassword) makes one, from the planned resource's inputs. */
async function stackKey(): Promise<string> {
  const planned = byName(await planStack("prod", {}, EXAMPLE), "keys-encryption-key").inputs as { length: number; special: boolean };
  return createPassword({ length: planned.length, special: planned.special, upper: true, lower: true, numeric: true, minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0 });
}

async function rowsOf(c: LocalSqldCluster, tenant: string): Promise<string[]> {
  const client = await tenantClientOn(c, c.primary, tenant);
  try {
    return (await client.execute("select note from t order by id")).rows.map((r) => String(r.note));
  } finally {
    client.close();
  }
}

describe("the encrypted example stack on real sqld", () => {
  it("serves tenants with the generated key; data, WAL and wallog on the volume are not plain SQLite; a restart reads them again", async () => {
    const key = await stackKey();
    expect(key).toMatch(/^[A-Za-z0-9]{64}$/);
    const started = await startStackSqld("prod", {}, { file: EXAMPLE, extraSecrets: { SQLD_ENCRYPTION_KEY: key } });
    cluster = started;
    // The key reaches sqld as the stack sets it: a secret in the machine's env, not a flag in the command line.
    expect(started.secrets.SQLD_ENCRYPTION_KEY).toBe(key);
    expect(started.primary.spec.env.SQLD_ENCRYPTION_KEY).toBe(key);
    expect(started.primary.spec.args.join(" ")).not.toContain(key);

    await createNamespaces(started, ["acme", "globex"]);
    const written: Record<string, string[]> = {};
    for (const tenant of ["acme", "globex"]) {
      const client = await tenantClientOn(started, started.primary, tenant);
      written[tenant] = Array.from({ length: 50 }, (_, i) => `${MARKER}-${tenant}-${i}`);
      await client.batch(["create table t (id integer primary key, note text)", ...written[tenant]!.map((note, id) => ({ sql: "insert into t values (?, ?)", args: [id, note] }))], "write");
      client.close();
      expect(await rowsOf(started, tenant)).toEqual(written[tenant]);
    }

    await started.primary.process.stop("SIGINT");
    const dir = join(started.primary.dataDir, "data.sqld");
    for (const tenant of ["acme", "globex"]) {
      const data = readFileSync(join(dir, "dbs", tenant, "data")).toString("latin1");
      expect(data.startsWith(SQLITE_HEADER), `${tenant}/data`).toBe(false);
      for (const file of ["data", "data-wal", "wallog"]) {
        expect(readFileSync(join(dir, "dbs", tenant, file)).toString("latin1"), `${tenant}/${file}`).not.toContain(MARKER);
      }
    }
    // Not covered by the key (docs/encryption-at-rest-facts.md): the meta store stays plain, tenant names readable.
    const metastore = readFileSync(join(dir, "metastore", "data")).toString("latin1");
    expect(metastore.startsWith(SQLITE_HEADER)).toBe(true);
    expect(metastore).toContain("globex");

    await started.primary.process.start();
    for (const tenant of ["acme", "globex"]) expect(await rowsOf(started, tenant)).toEqual(written[tenant]);
  });
});
