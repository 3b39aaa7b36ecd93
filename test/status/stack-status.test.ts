/**
 * The status rules without processes: lag, write rate, volume fill, backup progress, the unhealthy findings and the
 * screen. Metrics text is in sqld 0.24.32's own format (lines as observed on the binary's GET /metrics).
 */
import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "../../scripts/lib/prometheus-text";
import { buildStatus, DEFAULT_THRESHOLDS, lagFrames, parseDfPortable, volumeStatus, writesPerSecond, type MachineRead, type RawStatus, type StatsRead } from "../../scripts/lib/stack-status";
import { formatStatusScreen } from "../../scripts/lib/status-screen";

const stats = (rows: number, frame: number, size = 8192): StatsRead => ({ stats: { rows_written_count: rows, storage_bytes_used: size, replication_index: frame } });

const primaryMetrics = `# TYPE libsql_server_current_frame_no gauge
libsql_server_current_frame_no{namespace="acme"} 40
libsql_server_rows_written{namespace="acme"} 7
# TYPE bottomless_local_last_frame_no gauge
bottomless_local_last_frame_no{db_name="ns-acme-sqld-prod:acme"} 40
bottomless_local_last_frame_no{db_name="acme-sqld-prod-metastore"} 12
# TYPE bottomless_s3_processing_frame_no gauge
bottomless_s3_processing_frame_no{db_name="ns-acme-sqld-prod:acme"} 35
bottomless_s3_processing_frame_no{db_name="acme-sqld-prod-metastore"} 12
libsql_server_replication_latency{quantile="0.5"} 0.0786`;

function raw(over: Partial<RawStatus> = {}, replicaMetrics = 'libsql_server_current_frame_no{namespace="acme"} 38\n'): RawStatus {
  const machines: MachineRead[] = [
    { id: "p1", region: "ams", group: "primary", state: "started", metrics: parsePrometheusText(primaryMetrics) },
    { id: "r1", region: "iad", group: "replica", state: "started", metrics: parsePrometheusText(replicaMetrics) },
  ];
  return {
    stack: "prod",
    app: "acme-sqld-prod",
    checkedAt: "2026-12-06T00:00:00.000Z",
    autoStop: "off",
    tenants: ["acme", "globex"],
    machines,
    primaryBefore: new Map([["acme", stats(100, 30)], ["globex", stats(5, 2)]]),
    primaryAfter: new Map([["acme", stats(150, 36)], ["globex", stats(5, 2)]]),
    volumes: [{ id: "vol_1", name: "sqld_data", region: "ams", size_gb: 20, attached_machine_id: "p1" }],
    volumeUsage: new Map([["p1", { sizeBytes: 20e9, usedBytes: 1e9, availableBytes: 18e9 }]]),
    migrations: { acme: { applied: ["0001_a.sql"], pending: [] }, globex: { applied: ["0001_a.sql"], pending: [] } },
    backups: { configured: true, bucket: "b", databaseId: "acme-sqld-prod" },
    ...over,
  };
}

describe("status derivations", () => {
  it("lag is the primary's frame minus the replica's, never negative, unknown when either is", () => {
    expect(lagFrames(40, 38)).toBe(2);
    expect(lagFrames(40, 41)).toBe(0);
    expect(lagFrames(null, 3)).toBeNull();
    expect(lagFrames(40, null)).toBeNull();
  });

  it("write rate is the rows-written growth over the sample; a counter that went back (restart) gives no rate", () => {
    expect(writesPerSecond(100, 150, 2)).toBe(25);
    expect(writesPerSecond(100, 101, 3)).toBe(0.3);
    expect(writesPerSecond(150, 100, 2)).toBeNull();
    expect(writesPerSecond(null, 100, 2)).toBeNull();
  });

  it("df -Pk output gives the filesystem's bytes; anything else is named as unexpected", () => {
    const df = "Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/vdb           1011672  252918    706338      27% /var/lib/sqld\n";
    expect(parseDfPortable(df)).toEqual({ sizeBytes: 1011672 * 1024, usedBytes: 252918 * 1024, availableBytes: 706338 * 1024 });
    expect(parseDfPortable("df: /var/lib/sqld: No such file or directory\n")).toEqual({ error: expect.stringContaining("unexpected df output") });
    // GNU df without -P can wrap a long device name onto its own line: refused, not misread.
    expect(parseDfPortable("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/mapper/very-long\n 10 5 5 50% /x\n")).toEqual({ error: expect.any(String) });
  });

  it("volume fill is df's used / (used + available); unknown with the reason when df was not read", () => {
    const v = { id: "v", name: "sqld_data", region: "ams", size_gb: 1, attached_machine_id: "m1" };
    // 50 of 100 blocks used, 45 available (5 reserved for root): df's Capacity says 53%.
    expect(volumeStatus(v, { sizeBytes: 100, usedBytes: 50, availableBytes: 45 })).toMatchObject({ usedBytes: 50, fillPercent: 52.6 });
    expect(volumeStatus(v, { error: "could not exec command on machine m1: boom" })).toMatchObject({ usedBytes: null, fillPercent: null, usageError: expect.stringContaining("boom") });
    expect(volumeStatus({ ...v, attached_machine_id: null }, undefined)).toMatchObject({ fillPercent: null, usageError: "not attached to a machine", attachedMachineId: null });
    expect(volumeStatus(v, undefined)).toMatchObject({ fillPercent: null, usageError: "its machine is not started" });
  });

  it("per tenant: the primary frame is the higher of stats and gauge, lag per replica, backup frames not uploaded", () => {
    const s = buildStatus(raw(), DEFAULT_THRESHOLDS);
    const acme = s.tenants.find((t) => t.name === "acme")!;
    // stats say 36, the gauge read later says 40: the newer one counts.
    expect(acme.primaryFrame).toBe(40);
    expect(acme.replicas).toEqual([{ machineId: "r1", region: "iad", frame: 38, lagFrames: 2 }]);
    expect(acme.writesPerSecond).toBe(25);
    // No bucket read (no credentials): frames from the metrics, upload times unknown, and the note says why.
    expect(acme.backup).toEqual({ localFrame: 40, uploadedFrame: 35, pendingFrames: 5, lastUploadAt: null, lastUploadAgeSeconds: null });
    expect(s.backups).toMatchObject({ configured: true, metaStore: { pendingFrames: 0 }, lastUploadAgeSeconds: null, note: expect.stringContaining("no backup credentials") });
    const globex = s.tenants.find((t) => t.name === "globex")!;
    // The replica never loaded globex since it started: unknown lag, not a problem.
    expect(globex.replicas[0]).toMatchObject({ frame: null, lagFrames: null });
    expect(globex.backup).toBeNull();
    expect(s.healthy).toBe(true);
    expect(s.problems).toEqual([]);
  });

  it("a replica over the lag limit is unhealthy, at the limit it is not", () => {
    const behind = buildStatus(raw({}, 'libsql_server_current_frame_no{namespace="acme"} 10\n'), { ...DEFAULT_THRESHOLDS, maxLagFrames: 29 });
    expect(behind.healthy).toBe(false);
    expect(behind.problems).toEqual([expect.stringMatching(/^tenant acme: replica r1 \(iad\) is 30 frames behind the primary \(limit 29\)/)]);
    expect(buildStatus(raw({}, 'libsql_server_current_frame_no{namespace="acme"} 10\n'), { ...DEFAULT_THRESHOLDS, maxLagFrames: 30 }).healthy).toBe(true);
  });

  it("stopped machines: a fault with auto stop off, idle with auto stop on; a started machine without admin answers is a fault", () => {
    const stopped = (autoStop: string) => {
      const r = raw({ autoStop });
      return buildStatus({ ...r, machines: [r.machines[0]!, { id: "r1", region: "iad", group: "replica", state: "stopped" }] }, DEFAULT_THRESHOLDS);
    };
    expect(stopped("off").problems).toEqual([expect.stringMatching(/^replica machine r1 \(iad\) is stopped, not started \(fly machine start r1 -a acme-sqld-prod\)/)]);
    expect(stopped("stop").healthy).toBe(true);
    expect(stopped("stop").machines[1]!.adminApi).toBe("not-checked");
    const r = raw();
    const silent = buildStatus({ ...r, machines: [r.machines[0]!, { id: "r1", region: "iad", group: "replica", state: "started", error: "fly proxy exited" }] }, DEFAULT_THRESHOLDS);
    expect(silent.machines[1]!.adminApi).toBe("unreachable");
    expect(silent.problems).toEqual([expect.stringContaining("admin API unreachable: fly proxy exited")]);
  });

  it("no primary, a missing namespace, pending migrations and a full volume are each named", () => {
    const r = raw();
    const s = buildStatus(
      {
        ...r,
        machines: [r.machines[1]!],
        primaryAfter: new Map([["acme", stats(150, 36)], ["globex", { error: "no namespace on the primary (HTTP 404)" }]]),
        migrations: { acme: { applied: ["0001_a.sql"], pending: ["0002_b.sql"] }, globex: { applied: [], pending: [], error: "ledger unreachable" } },
        volumes: [{ id: "vol_1", name: "sqld_data", region: "ams", size_gb: 1, attached_machine_id: "p1" }],
        volumeUsage: new Map([["p1", { sizeBytes: 1e9, usedBytes: 95e7, availableBytes: 5e7 }]]),
      },
      DEFAULT_THRESHOLDS,
    );
    expect(s.healthy).toBe(false);
    expect(s.problems).toEqual([
      "no primary machine in app acme-sqld-prod: run pulumi up --stack prod",
      "tenant acme: 1 migration(s) pending (0002_b.sql): npm run migrate -- --stack prod --tenant acme",
      "tenant globex: no namespace on the primary (HTTP 404)",
      "tenant globex: migrations: ledger unreachable",
      "volume vol_1 (ams) is 95% full (limit 90%): fly volumes extend vol_1 -a acme-sqld-prod",
    ]);
    // Without a primary nobody knows the frames: the lag is unknown rather than computed from nothing.
    expect(s.tenants[0]!.replicas[0]!.lagFrames).toBeNull();
  });

  it("last uploads from the bucket: ages from the check time, the newest for the stack; stalled or unreadable backups are named", () => {
    const checkedAt = "2026-12-06T00:00:00.000Z";
    const ago = (s: number) => ({ at: new Date(Date.parse(checkedAt) - s * 1000).toISOString(), generation: "g", objects: 3 });
    const uploads = new Map<string, unknown>([
      ["acme-sqld-prod-metastore", ago(30)],
      ["ns-acme-sqld-prod:acme", ago(900)], // 5 frames pending (metrics) and 900 s > 600: stalled
      ["ns-acme-sqld-prod:globex", null], // nothing in the bucket, no metrics: no backup to speak of
    ]);
    const base = raw();
    const s = buildStatus({ ...base, backups: { ...base.backups, uploads } as RawStatus["backups"] }, DEFAULT_THRESHOLDS);
    const acme = s.tenants.find((t) => t.name === "acme")!;
    expect(acme.backup).toMatchObject({ pendingFrames: 5, lastUploadAgeSeconds: 900, lastUploadAt: ago(900).at });
    expect(s.tenants.find((t) => t.name === "globex")!.backup).toBeNull();
    expect(s.backups).toMatchObject({ lastUploadAgeSeconds: 30, metaStore: { pendingFrames: 0, lastUploadAgeSeconds: 30 } });
    expect(s.backups.note).toBeUndefined();
    expect(s.problems).toEqual([expect.stringMatching(/^tenant acme: 5 frames wait for S3 and the last upload was 900 s ago \(limit 600 s\)/)]);
    // The same age with nothing pending is an idle tenant, not a fault; a higher limit clears it too.
    expect(buildStatus({ ...base, backups: { ...base.backups, uploads } as RawStatus["backups"] }, { ...DEFAULT_THRESHOLDS, maxBackupAgeSeconds: 900 }).problems).toEqual([]);
    const unreadable = new Map<string, unknown>([["ns-acme-sqld-prod:acme", { error: "HTTP 403 AccessDenied" }]]);
    const denied = buildStatus({ ...base, backups: { ...base.backups, uploads: unreadable } as RawStatus["backups"] }, DEFAULT_THRESHOLDS);
    expect(denied.problems).toEqual(["tenant acme: the backup bucket could not be listed: HTTP 403 AccessDenied"]);
    expect(formatStatusScreen(denied)).toMatch(/^acme\s.*5 frames\s+\? \(bucket unreadable\)/m);
    expect(formatStatusScreen(s)).toMatch(/^acme\s.*5 frames\s+900 s ago\s/m);
    expect(formatStatusScreen(s)).toMatch(/namespace list: 0 frames not backed up, last upload 30 s ago$/m);
  });

  it("the screen shows every section and the problems", () => {
    const r = raw();
    const screen = formatStatusScreen(buildStatus({ ...r, machines: [...r.machines, { id: "r2", region: "sin", group: "replica", state: "stopped" }] }, DEFAULT_THRESHOLDS));
    expect(screen).toMatch(/^stack prod · app acme-sqld-prod · 2026-12-06T00:00:00.000Z · UNHEALTHY\n/);
    expect(screen).toMatch(/^sin\s+replica\s+stopped\s+not-checked\s+r2$/m);
    expect(screen).toMatch(/^ams\s+20 GB\s+953\.7 MiB \(5\.3%\)\s+p1\s+vol_1$/m);
    expect(screen).toMatch(/^acme\s+8\.0 KiB\s+25\s+40\s+iad 2\s+5 frames\s+\?\s+1 applied$/m);
    expect(screen).toMatch(/^globex\s+8\.0 KiB\s+0\s+2\s+iad \?\s+\?\s+\?\s+1 applied$/m);
    expect(screen).toMatch(/^BACKUPS  bucket b, database id acme-sqld-prod; namespace list: 0 frames not backed up, last upload \?\n\s+the bucket was not listed/m);
    expect(screen).toMatch(/^PROBLEMS\n- replica machine r2 \(sin\) is stopped/m);
  });
});

describe("prometheus text", () => {
  it("reads labelled and bare samples and skips comments", () => {
    const samples = parsePrometheusText('# HELP x\nlibsql_server_writes_count 6\nlibsql_server_current_frame_no{namespace="a\\"b"} 3\nbad line here\n');
    expect(samples).toEqual([
      { name: "libsql_server_writes_count", labels: {}, value: 6 },
      { name: "libsql_server_current_frame_no", labels: { namespace: 'a"b' }, value: 3 },
    ]);
  });
});
