/**
 * The central ledger's other half, on REAL sqld: a migration that is broken on its own merits still stops the run
 * before any tenant is touched (the canary; a stack-owned `migrations.shared` namespace), a run that stops between
 * a tenant's commit and the ledger's record loses nothing and repeats nothing, and a namespace migrated before the
 * ledger existed (its own `_libsql_stack_migrations` records, no nonce column) is adopted, not migrated again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, type MigrationFile } from "../../infra/migrations/files";
import { migrate, type MigratorOptions } from "../../infra/migrations/migrator";
import { LEDGER_NAMESPACE } from "../../infra/migrations/stack-namespaces";
import { NAMESPACE_HEADER, namespaceHeaderValue } from "../../worker/db";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createStackNamespaces, EXAMPLE_TENANT_DIR, ledgerRows, loadFiles, namespaceClient, recordedNames, selfHostedOptions, tablesOf, targets } from "../support/migrations";

let cluster: LocalSqldCluster;
const TENANTS = ["acme", "globex"];
const base = () => loadFiles(EXAMPLE_TENANT_DIR);
const file = (id: number, name: string, sql: string): MigrationFile => ({ id, name, sha256: sha256Hex(sql), sql });

/** Every table, index and trigger of a namespace with its SQL, and its marker rows: what "not touched" compares. */
async function snapshot(namespace: string): Promise<unknown> {
  const client = await namespaceClient(cluster, namespace);
  try {
    const schema = (await client.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name")).rows.map((r) => ({ ...r }));
    const markers = schema.some((o) => o.name === "_libsql_stack_migrations") ? (await client.execute("SELECT * FROM _libsql_stack_migrations ORDER BY id")).rows.map((r) => ({ ...r })) : [];
    return { schema, markers };
  } finally {
    client.close();
  }
}

/** A transport that answers 503 to every request for `namespace` while `down()` says so (sqld unreachable there). */
function unreachable(namespace: string, down: () => boolean): NonNullable<MigratorOptions["fetch"]> {
  return async (input, init) => {
    const request = new Request(input, init);
    if (down() && request.headers.get(NAMESPACE_HEADER) === namespaceHeaderValue(namespace)) return new Response("upstream down", { status: 503 });
    return fetch(request);
  };
}

beforeAll(async () => {
  cluster = await startStackSqld("dev");
  await createStackNamespaces(cluster, [...TENANTS, "streams", "legacy", "crash"]);
  const first = await migrate(targets(TENANTS, base()), selfHostedOptions(cluster));
  if (!first.ok || first.failed.length > 0) throw new Error(`setup: ${JSON.stringify(first.failed)}`);
});
afterAll(() => cluster?.close());

describe("a migration broken on its own merits", () => {
  it("fails the run in the canary, before any tenant namespace or the ledger is touched", async () => {
    const before = { acme: await snapshot("acme"), globex: await snapshot("globex"), ledger: await ledgerRows(cluster) };
    const broken = [...base(), file(4, "0004_tags.sql", "CREATE TABLE tags (x);\nCREATE TABLE oops (x,);\n")];
    const run = await migrate(targets(TENANTS, broken), selfHostedOptions(cluster));
    expect(run.ok).toBe(false);
    expect(run.stopped).toMatchObject({ stage: "canary", failedFile: "0004_tags.sql", error: expect.stringMatching(/0004_tags\.sql failed in the canary.*syntax error/s) });
    expect(run.results.map((r) => [r.namespace, r.ok, !r.ok && r.skipped])).toEqual([
      ["acme", false, true],
      ["globex", false, true],
    ]);
    expect({ acme: await snapshot("acme"), globex: await snapshot("globex"), ledger: await ledgerRows(cluster) }).toEqual(before);
  });

  it("fails the run in a stack-owned (shared) namespace before any tenant is touched", async () => {
    const client = await namespaceClient(cluster, "streams");
    await client.execute("CREATE TABLE topics (x)"); // the stack's own data in the way: no tenant token reaches `streams`
    client.close();
    const before = { acme: await snapshot("acme"), globex: await snapshot("globex") };
    const shared = [file(1, "0001_topics.sql", "CREATE TABLE topics (name TEXT PRIMARY KEY);\n")];
    const tenantFiles = [...base(), file(4, "0004_tags.sql", "CREATE TABLE tags (x);\n")];
    const run = await migrate(
      [...targets(TENANTS, tenantFiles), { namespace: "streams", files: shared, owner: "stack", set: "migrations.shared[0]" }],
      selfHostedOptions(cluster),
    );
    expect(run.ok).toBe(false);
    expect(run.stopped).toMatchObject({ stage: "shared", failedFile: "0001_topics.sql", error: expect.stringMatching(/namespace streams: .*table topics already exists/) });
    expect(run.failed.map((f) => [f.namespace, f.blocking, f.skipped ?? false])).toEqual([
      ["acme", true, true],
      ["globex", true, true],
      ["streams", true, false],
    ]);
    expect({ acme: await snapshot("acme"), globex: await snapshot("globex") }).toEqual(before);
  });
});

describe("an sqld without the migrator's namespaces", () => {
  it("stops before any tenant, saying where the ledger namespace comes from", async () => {
    const bare = await startStackSqld("dev");
    try {
      await bare.admin(bare.primary, "POST", "/v1/namespaces/acme/create", {});
      const run = await migrate(targets(["acme"], base()), { ...selfHostedOptions(bare), attempts: 2 });
      expect(run.stopped).toMatchObject({ stage: "ledger", error: expect.stringMatching(/namespace _libsql_stack_ledger must exist: the stack's sqld-namespaces Command creates it/) });
      expect(run.failed.map((f) => [f.namespace, f.skipped])).toEqual([["acme", true]]);
    } finally {
      await bare.close();
    }
  });
});

describe("a run that stops half-way", () => {
  it("records a file that committed in the namespace but not in the ledger on the next run, without running it again", async () => {
    const files = base();
    let ledgerDown = false;
    const ledgerDiesOnceTheTenantIsReached: NonNullable<MigratorOptions["fetch"]> = async (input, init) => {
      const request = new Request(input, init);
      if (request.headers.get(NAMESPACE_HEADER) === namespaceHeaderValue("crash")) ledgerDown = true;
      return unreachable(LEDGER_NAMESPACE, () => ledgerDown)(request);
    };
    const first = await migrate(targets(["crash"], files), selfHostedOptions(cluster, { fetch: ledgerDiesOnceTheTenantIsReached, attempts: 2 }));
    expect(first.ok).toBe(false);
    expect(first.stopped).toMatchObject({ stage: "ledger", error: expect.stringMatching(/was not updated \(the next run records what was applied\)/) });
    expect(first.results).toEqual([{ namespace: "crash", ok: true, applied: files.map((f) => f.name) }]);
    expect((await ledgerRows(cluster)).filter((r) => r.namespace === "crash").map((r) => r.state)).toEqual(["applying", "applying", "applying"]);

    // Files that re-ran would fail (their tables exist): the markers carry the intents' nonces, so nothing re-runs.
    const second = await migrate(targets(["crash"], files), selfHostedOptions(cluster));
    expect(second).toEqual({ ok: true, results: [{ namespace: "crash", ok: true, applied: [] }], failed: [] });
    expect((await ledgerRows(cluster)).filter((r) => r.namespace === "crash").map((r) => r.state)).toEqual(["applied", "applied", "applied"]);
  });

  it("applies on the next run a file whose intent was written but whose namespace was never reached", async () => {
    const files = [...base(), file(4, "0004_tags.sql", "CREATE TABLE tags (x);\n")];
    const first = await migrate(targets(["acme"], files), selfHostedOptions(cluster, { fetch: unreachable("acme", () => true), attempts: 2 }));
    expect(first.ok).toBe(true); // the canary passed: acme's failure is acme's
    expect(first.failed.map((f) => [f.namespace, f.blocking])).toEqual([["acme", false]]);
    expect((await ledgerRows(cluster)).filter((r) => r.namespace === "acme" && r.id === 4).map((r) => r.state)).toEqual(["applying"]);
    const second = await migrate(targets(["acme"], files), selfHostedOptions(cluster));
    expect(second.results).toEqual([{ namespace: "acme", ok: true, applied: ["0004_tags.sql"] }]);
    expect(await tablesOf(cluster, "acme")).toContain("tags");
  });
});

describe("a namespace migrated before the central ledger", () => {
  it("is adopted from its own records (no file runs twice) and then migrated under the ledger", async () => {
    // What the earlier migrator left: the files' tables and its own ledger table, without the nonce column.
    const client = await namespaceClient(cluster, "legacy");
    await client.executeMultiple(base().map((f) => f.sql).join("\n"));
    await client.execute("CREATE TABLE _libsql_stack_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)");
    for (const f of base()) await client.execute({ sql: "INSERT INTO _libsql_stack_migrations VALUES (?, ?, ?, '2026-01-01T00:00:00.000Z')", args: [f.id, f.name, f.sha256] });
    client.close();
    const files = [...base(), file(4, "0004_tags.sql", "CREATE TABLE tags (x);\n")];
    const run = await migrate(targets(["legacy"], files), selfHostedOptions(cluster));
    expect(run.results).toEqual([{ namespace: "legacy", ok: true, applied: ["0004_tags.sql"] }]);
    expect(await recordedNames(cluster, "legacy")).toEqual(files.map((f) => f.name));
    expect((await ledgerRows(cluster)).filter((r) => r.namespace === "legacy").map((r) => [r.name, r.state])).toEqual(files.map((f) => [f.name, "applied"]));
  });
});
