/**
 * Backup settings from config to what Fly runs: validation names the key, the rendered fly.toml turns the meta
 * store backup on for the primary only, and every variable it relies on is one the real sqld binary reads.
 */
import { execFileSync } from "node:child_process";
import { parse as parseToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config/parse";
import { BACKUP_BATCH_INTERVAL_DEFAULT_SECONDS } from "../../infra/config/schema";
import { BACKUP_SECRET_NAMES } from "../../infra/sqld/files";
import { byName, planStack, stackYamlConfig } from "../../local/plan";
import { sqldBinary } from "../../local/sqld/binary";
import { secretNamesOf } from "../../local/sqld/cluster";
import { stackSecretLines } from "../../local/backups/backup-stack";

const EXAMPLE = "examples/Pulumi.backups.yaml";
const SECRET_KEYS = new Set(["backupAccessKeyId", "backupSecretAccessKey"]);

function withBackups(backups: Record<string, unknown>) {
  const raw = {
    ...stackYamlConfig("prod"),
    backups: { endpoint: "https://s3.example.test", bucket: "acme-backups", ...backups },
    backupAccessKeyId: "id",
    backupSecretAccessKey: "secret",
  };
  return parseStackConfig(raw, { stack: "prod", secretKeys: SECRET_KEYS });
}

describe("backups.batchIntervalSeconds", () => {
  it(`defaults to ${BACKUP_BATCH_INTERVAL_DEFAULT_SECONDS} s instead of sqld's 15 s`, () => {
    const result = withBackups({});
    expect(result.ok && result.config.backups?.batchIntervalSeconds).toBe(BACKUP_BATCH_INTERVAL_DEFAULT_SECONDS);
  });

  it.each([
    [0, /at least 1/],
    [1.5, /whole number/],
    [901, /at most 900/],
    ["15s", /number/],
  ])("refuses %s, naming the key", (value, fragment) => {
    const result = withBackups({ batchIntervalSeconds: value });
    expect(result.ok).toBe(false);
    const line = result.ok ? undefined : result.problems.find((p) => p.startsWith("libsql-stack:backups.batchIntervalSeconds "));
    expect(line, result.ok ? "" : result.problems.join("\n")).toMatch(fragment);
  });
});

describe("rendered for the backups example", async () => {
  const plan = await planStack("prod", { backups: { endpoint: "https://fly.storage.tigris.dev", bucket: "acme-sqld-backups", batchIntervalSeconds: 5 } }, EXAMPLE);
  const flyToml = parseToml(String((byName(plan, "sqld-deploy").inputs.environment as Record<string, unknown>).FLY_TOML)) as {
    processes: Record<string, string>;
    env: Record<string, string>;
  };

  it("backs up WAL and the namespace list from the primary only (flags on its command line)", () => {
    expect(flyToml.processes.primary).toMatch(/ --enable-bottomless-replication --backup-meta-store( |$)/);
    expect(flyToml.processes.replica).not.toMatch(/bottomless|meta-store/);
  });

  it("puts the bucket, the backup ids and the batch interval in [env], and no key", () => {
    expect(flyToml.env).toMatchObject({
      LIBSQL_BOTTOMLESS_ENDPOINT: "https://fly.storage.tigris.dev",
      LIBSQL_BOTTOMLESS_BUCKET: "acme-sqld-backups",
      LIBSQL_BOTTOMLESS_DATABASE_ID: "acme-sqld-prod",
      LIBSQL_BOTTOMLESS_BATCH_INTERVAL_SECS: "5",
      SQLD_META_STORE_BUCKET_ENDPOINT: "https://fly.storage.tigris.dev",
      SQLD_META_STORE_BUCKET_NAME: "acme-sqld-backups",
      SQLD_META_STORE_REGION: "auto",
      SQLD_META_STORE_BACKUP_ID: "acme-sqld-prod-metastore",
      SQLD_META_STORE_BACKUP_INTERVAL_S: "5",
    });
    expect(Object.keys(flyToml.env).join(" ")).not.toMatch(/ACCESS/);
  });

  it("imports both services' S3 keys as Fly secrets, with the configured values", async () => {
    const names = secretNamesOf(String(byName(plan, "sqld-secrets").inputs.delete));
    expect(names).toEqual(expect.arrayContaining([...BACKUP_SECRET_NAMES.accessKeyId, ...BACKUP_SECRET_NAMES.secretAccessKey]));
    const lines = await stackSecretLines({ backupAccessKeyId: "key-id-1", backupSecretAccessKey: "secret-1" });
    expect(lines).toEqual({
      LIBSQL_BOTTOMLESS_AWS_ACCESS_KEY_ID: "key-id-1",
      SQLD_META_STORE_ACCESS_KEY_ID: "key-id-1",
      LIBSQL_BOTTOMLESS_AWS_SECRET_ACCESS_KEY: "secret-1",
      SQLD_META_STORE_SECRET_ACCESS: "secret-1",
    });
  });

  it("uses only flags and SQLD_* variables the real sqld binary knows (sqld --help)", () => {
    const help = execFileSync(sqldBinary(), ["--help"], { encoding: "utf8" });
    for (const flag of ["--enable-bottomless-replication", "--backup-meta-store"]) expect(help).toContain(`${flag}\n`);
    const sqldVariables = [...Object.keys(flyToml.env), ...BACKUP_SECRET_NAMES.accessKeyId, ...BACKUP_SECRET_NAMES.secretAccessKey].filter((n) => n.startsWith("SQLD_"));
    expect(sqldVariables).toHaveLength(7);
    for (const name of sqldVariables) expect(help).toContain(`[env: ${name}=]`);
  });
});
