/**
 * Why the migrator sends each statement of a file as its own batch step (infra/migrations/run-file.ts), on REAL
 * sqld: as one Hrana `sequence` (@libsql/client executeMultiple), a statement after the first that does not parse
 * is skipped without an error and the others run; as steps, the file fails and nothing of it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, type MigrationFile } from "../../infra/migrations/files";
import { runFile } from "../../infra/migrations/run-file";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, namespaceClient, tablesOf } from "../support/migrations";

let cluster: LocalSqldCluster;
const BROKEN = "CREATE TABLE a (x);\n-- the next statement does not parse\nCREATE TABLE b (x,);\nCREATE TABLE c (x);\n";
const file = (sql: string): MigrationFile => ({ id: 1, name: "0001_f.sql", sha256: sha256Hex(sql), sql });

beforeAll(async () => {
  cluster = await startStackSqld("dev");
  await createNamespaces(cluster, ["as-sequence", "as-steps"]);
});
afterAll(() => cluster?.close());

describe("a migration file with a syntax error in its second statement", () => {
  it("as one sequence: sqld answers ok, skipped the broken statement and ran the others (query_analysis.rs Statement::parse)", async () => {
    const client = await namespaceClient(cluster, "as-sequence");
    await expect(client.executeMultiple(BROKEN)).resolves.toBeUndefined();
    client.close();
    expect(await tablesOf(cluster, "as-sequence")).toEqual(["a", "c"]);
  });

  it("as steps (runFile): fails with sqld's parse error, and nothing of the file ran", async () => {
    const client = await namespaceClient(cluster, "as-steps");
    const tx = await client.transaction("write");
    await tx.execute("CREATE TABLE before_the_file (x)");
    await expect(runFile(tx, file(BROKEN))).rejects.toThrow(/SQL_PARSE_ERROR: .*syntax error/);
    await tx.commit();
    tx.close();
    client.close();
    expect(await tablesOf(cluster, "as-steps")).toEqual(["before_the_file"]);
  });

  it("names the line of a statement that fails while it runs", async () => {
    const client = await namespaceClient(cluster, "as-steps");
    const tx = await client.transaction("write");
    await tx.execute("SELECT 1");
    await expect(runFile(tx, file("CREATE TABLE t1 (x);\n\nINSERT INTO nowhere VALUES (1);\n"))).rejects.toThrow(/^line 3: SQLITE_UNKNOWN: .*no such table: nowhere/);
    await tx.rollback();
    tx.close();
    client.close();
  });
});
