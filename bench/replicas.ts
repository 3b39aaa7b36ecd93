/**
 * Embedded replicas on real sqld (a benchmark, not a test): the dev stack's primary with namespaces and per-tenant
 * keys as the deploy sets them, tenant `acme` filled with ~10 MB, and, side by side in one run:
 * - initial sync of a fresh replica (wall time, MB/s) vs reading every row over remote HTTP (@libsql/client);
 * - incremental sync after 100 new rows;
 * - point lookups by primary key: local reads in the replica (timed inside its child process, see
 *   local/clients/embedded-replica.ts `time`) vs the same query remote; plus the replica's JSON-line round trip,
 *   which shows what a parent-side timing would have added.
 * `npm run bench:replicas` (BENCH_RUNS=3, BENCH_LOOKUPS=1000) prints one table and writes bench/results/replicas.json.
 */
import { performance } from "node:perf_hooks";
import { syncTenantNamespaceConfigs } from "../scripts/lib/tenant-namespace-config";
import { mintScopedToken } from "../worker/jwt";
import { openEmbeddedReplica, type EmbeddedReplica, type ReplicaOutcome } from "../local/clients/embedded-replica";
import { startStackSqld } from "../local/sqld/cluster";
import { createNamespaces, namespaceClient } from "../local/sqld/tenant-client";
import { formatTable, percentile, writeResults, type Row } from "./support/report";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 1000);
const ROWS = 10_000;
/** 10 000 rows of 1 000 hex characters (~10 MB of payload): text, so remote HTTP carries it as is (no base64). */
const FILL = (from: number, count: number) =>
  `with recursive c(x) as (select ${from} union all select x + 1 from c where x < ${from + count - 1}) insert into items select x, hex(randomblob(500)) from c`;
const MB = 1e6;
const PAGE = 1000;

const median = (values: number[]) => percentile(values, 50);
const ok = (outcome: ReplicaOutcome, what: string) => {
  if (!outcome.ok) throw new Error(`${what}: ${outcome.error}`);
  return outcome;
};
const timed = async <T>(body: () => Promise<T>): Promise<[number, T]> => {
  const t0 = performance.now();
  const value = await body();
  return [performance.now() - t0, value];
};
/** Ids spread over the table, the same for every side. */
const lookupIds = Array.from({ length: LOOKUPS }, (_, i) => 1 + ((i * 7919) % ROWS));

async function main(): Promise<void> {
  const cluster = await startStackSqld("dev", { tenants: ["acme"] });
  const replicas: EmbeddedReplica[] = [];
  try {
    await createNamespaces(cluster, ["acme"]);
    await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: ["acme"], perTenant: true });
    const { token } = await mintScopedToken(cluster.keys.privateKeyPem, { tenant: "acme", access: "rw", ttlSeconds: 3600, nowSeconds: Math.floor(Date.now() / 1000) }, "per-tenant");
    const remote = namespaceClient(cluster.primary.httpUrl, "acme", token);
    await remote.execute("create table items (id integer primary key, body text not null)");
    for (let from = 1; from <= ROWS; from += 1000) await remote.execute(FILL(from, 1000));
    const payloadMb = Number((await remote.execute("select sum(length(body)) as n from items")).rows[0]?.n) / MB;
    // sqld refuses a response over --max-response-size (10 MB by default: RESPONSE_TOO_LARGE), so a client
    // reads a tenant this size in pages, as this does: keyset pages of PAGE rows (~1 MB each).
    const readAllRemote = async () => {
      let read = 0;
      for (let last = 0; ; ) {
        const page = await remote.execute({ sql: "select id, body from items where id > ? order by id limit ?", args: [last, PAGE] });
        read += page.rows.length;
        if (page.rows.length < PAGE) return read;
        last = Number(page.rows.at(-1)!.id);
      }
    };
    const open = async () => {
      const replica = await openEmbeddedReplica({ namespace: "acme", port: Number(new URL(cluster.primary.httpUrl).port), token });
      replicas.push(replica);
      return replica;
    };

    // Initial sync of a fresh replica and a full remote read, alternated so load drifts hit both alike.
    const initialMs: number[] = [];
    const remoteAllMs: number[] = [];
    let fileMb = 0;
    for (let run = 0; run < RUNS; run++) {
      const replica = await open();
      ok(await replica.execute("select 1"), "replica start"); // the child is up before the clock starts
      const [ms] = await timed(async () => ok(await replica.sync(), "initial sync"));
      initialMs.push(ms);
      const count = ok(await replica.execute("select count(*) from items"), "count").rows?.[0]?.[0];
      if (count !== ROWS) throw new Error(`replica holds ${String(count)} rows, not ${ROWS}`);
      const [remoteMs, all] = await timed(readAllRemote);
      if (all !== ROWS) throw new Error(`remote read ${all} rows`);
      remoteAllMs.push(remoteMs);
      const pages = ok(await replica.execute("select page_count * page_size from pragma_page_count(), pragma_page_size()"), "size").rows?.[0]?.[0];
      fileMb = Number(pages) / MB;
    }

    // Incremental sync: 100 new rows on the primary, then sync the last replica (already in step).
    const replica = replicas.at(-1)!;
    const incrementalMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await remote.execute(FILL(ROWS + 1 + run * 100, 100));
      const [ms] = await timed(async () => ok(await replica.sync(), "incremental sync"));
      incrementalMs.push(ms);
    }

    // Point lookups: local in the child, remote over HTTP, and local through the JSON-line protocol.
    const sql = "select body from items where id = ?";
    const local = ok(await replica.time(sql, lookupIds.map((id) => [id])), "local lookups").ms!;
    const remoteLookups: number[] = [];
    for (const id of lookupIds) remoteLookups.push((await timed(() => remote.execute({ sql, args: [id] })))[0]);
    const roundTrips: number[] = [];
    for (const id of lookupIds) roundTrips.push((await timed(async () => ok(await replica.execute(`select body from items where id = ${id}`), "lookup")))[0]);
    remote.close();

    const initial = median(initialMs);
    const remoteAll = median(remoteAllMs);
    const rows: Row[] = [
      { measure: `initial sync, ${ROWS} rows (median of ${RUNS})`, "ms": initial, "MB/s": payloadMb / (initial / 1000), "vs remote read all": `${(initial / remoteAll).toFixed(2)}x` },
      { measure: `remote read all rows over HTTP, pages of ${PAGE} (median of ${RUNS})`, "ms": remoteAll, "MB/s": payloadMb / (remoteAll / 1000), "vs remote read all": "1.00x" },
      { measure: `incremental sync, 100 new rows (median of ${RUNS})`, "ms": median(incrementalMs), "vs remote read all": `${(median(incrementalMs) / remoteAll).toFixed(3)}x` },
      lookupRow(`point lookup, local in replica (${LOOKUPS})`, local, remoteLookups),
      lookupRow(`point lookup, remote HTTP (${LOOKUPS})`, remoteLookups, remoteLookups),
      lookupRow(`point lookup, local via JSON line (${LOOKUPS})`, roundTrips, remoteLookups),
    ];
    console.log(formatTable(`embedded replica vs remote, tenant acme: ${payloadMb.toFixed(1)} MB payload, replica database ${fileMb.toFixed(1)} MB`, rows));
    const raw = { initialMs, remoteAllMs, incrementalMs, local: summary(local), remote: summary(remoteLookups), roundTrip: summary(roundTrips) };
    console.log(`results: ${writeResults("replicas", { benchmark: "embedded-replica", runs: RUNS, lookups: LOOKUPS, rows: ROWS, payloadMb, replicaFileMb: fileMb, table: rows, raw })}`);
  } finally {
    for (const r of replicas) await r.close();
    await cluster.close();
  }
}

/** p50/p99 of one lookup series and its ratio to the remote series (remote / this: how many times faster). */
function lookupRow(measure: string, ms: number[], remote: number[]): Row {
  const p50 = percentile(ms, 50);
  const p99 = percentile(ms, 99);
  // In µs: a local read is ~0.1 ms, which the table's one decimal would flatten.
  return { measure, "p50 µs": Math.round(p50 * 1000), "p99 µs": Math.round(p99 * 1000), "remote p50 / p50": `${(percentile(remote, 50) / p50).toFixed(1)}x`, "remote p99 / p99": `${(percentile(remote, 99) / p99).toFixed(1)}x` };
}

const summary = (ms: number[]) => ({ n: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms) });

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
