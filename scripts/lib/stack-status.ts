/**
 * `npm run status`: the documented `--json` shape (README "Operate") and the pure rules that derive it from what
 * the status collector read (scripts/lib/status-collect.ts). No I/O here, so every rule is tested without processes.
 *
 * Sources (sqld 0.24.32, observed on the binary, see README "Operate"):
 * - a tenant's size: the primary's `GET /v1/namespaces/<ns>/stats` `storage_bytes_used`, which sqld's storage
 *   monitor sets to (page_count - freelist_count) × 4096 one second after the namespace loads and then every 60 s
 *   (libsql-server namespace/configurator/helpers.rs `run_storage_monitor`): it can trail the latest writes by a minute;
 * - write rate: the growth of that route's `rows_written_count` between two reads `sampleSeconds` apart;
 * - replica lag: the primary's frame number for the namespace (stats `replication_index`, or the
 *   `libsql_server_current_frame_no{namespace}` gauge of its `/metrics` when higher) minus that gauge on the
 *   replica. A replica's own stats `replication_index` does not follow replication (1 while the gauge said 6,
 *   observed), so it is not used. A replica that has not loaded the namespace since it started has no gauge:
 *   its lag is unknown (null), not a problem; it catches up when the namespace is first used there.
 */
import type { Sample } from "./prometheus-text";
import { byNamespace } from "./prometheus-text";
import { backupDbName, backupOf, backupProblems, backupStatus, type BackupStatus, type RawBackups, type TenantBackup } from "./status-backups";

export const FRAME_GAUGE = "libsql_server_current_frame_no";

export interface StatusThresholds {
  /** A replica this many frames (WAL pages) behind the primary on a namespace is unhealthy. */
  maxLagFrames: number;
  /** A volume at least this full (percent, df's Capacity) is unhealthy. */
  maxVolumeFillPercent: number;
  /** Seconds between the two stats reads the write rate comes from. */
  sampleSeconds: number;
  /** A database with frames waiting for S3 whose last upload is older than this (seconds) is unhealthy. */
  maxBackupAgeSeconds: number;
}

export const DEFAULT_THRESHOLDS: StatusThresholds = { maxLagFrames: 100, maxVolumeFillPercent: 90, sampleSeconds: 2, maxBackupAgeSeconds: 600 };

export interface MachineStatus {
  id: string;
  region: string;
  /** Fly process group: `primary` or `replica`. */
  group: string;
  /** Fly machine state (`started`, `stopped`, `suspended`, …). */
  state: string;
  /** `ok`, `unreachable` (started but its admin API did not answer), or `not-checked` (not started). */
  adminApi: "ok" | "unreachable" | "not-checked";
  error?: string;
}

export interface VolumeStatus {
  id: string;
  name: string;
  region: string;
  sizeGb: number;
  attachedMachineId: string | null;
  /** From `df` on the attached machine (`fly machine exec`); null when it could not be read (see `usageError`). */
  usedBytes: number | null;
  /** Used / (used + available), as df's Capacity column computes it (the filesystem's reserved blocks excluded). */
  fillPercent: number | null;
  usageError?: string;
}

export interface ReplicaLag {
  machineId: string;
  region: string;
  /** The replica's frame number for the namespace; null when it has not loaded it since it started. */
  frame: number | null;
  lagFrames: number | null;
}

export interface TenantStatus {
  name: string;
  sizeBytes: number | null;
  rowsWritten: number | null;
  writesPerSecond: number | null;
  primaryFrame: number | null;
  replicas: ReplicaLag[];
  /** null when the stack has no migrations. */
  migrations: { applied: string[]; pending: string[]; error?: string } | null;
  /** Bottomless on the primary (null without backups, or before sqld's backup of the namespace started). */
  backup: TenantBackup | null;
  /** Why the primary's stats could not be read (e.g. the namespace does not exist). */
  error?: string;
}


export interface StackStatus {
  /** Bumped only when a field changes meaning or goes away. */
  version: 1;
  stack: string;
  app: string;
  checkedAt: string;
  sampleSeconds: number;
  healthy: boolean;
  /** One line per unhealthy finding; empty when healthy. */
  problems: string[];
  machines: MachineStatus[];
  volumes: VolumeStatus[];
  tenants: TenantStatus[];
  backups: BackupStatus;
}

/** The fields of sqld's `GET /v1/namespaces/<ns>/stats` used here. */
export interface NamespaceStats {
  rows_written_count: number;
  storage_bytes_used: number;
  replication_index: number;
}

/** A stats read: the stats, or why there are none. */
export type StatsRead = { stats: NamespaceStats } | { error: string };

/**
 * `fly volumes list --json` (fly-go volume_types.go `Volume`): size and attachment, no usage. How full a volume is
 * comes from `df` on its machine (DiskUsage).
 */
export interface FlyVolume {
  id: string;
  name: string;
  region: string;
  size_gb: number;
  attached_machine_id?: string | null;
}

/** A filesystem's figures from `df -Pk <mount>` on a machine, in bytes. */
export interface DiskUsage {
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
}

/** POSIX `df -P -k` output (header, then one line per filesystem): the figures of its last line, or why not. */
export function parseDfPortable(stdout: string): DiskUsage | { error: string } {
  const lines = stdout.trim().split("\n");
  const row = /^\S+\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s+\S.*$/.exec(lines.at(-1)?.trim() ?? "");
  if (lines.length < 2 || !/^Filesystem\s+1024-blocks/.test(lines[0]!) || !row) return { error: `unexpected df output: ${JSON.stringify(stdout.slice(0, 200))}` };
  const [size, used, available] = [row[1], row[2], row[3]].map((v) => Number(v) * 1024) as [number, number, number];
  return { sizeBytes: size, usedBytes: used, availableBytes: available };
}

export interface MachineRead {
  id: string;
  region: string;
  group: string;
  state: string;
  /** Set for a started machine whose admin API answered. */
  metrics?: Sample[];
  error?: string;
}

export interface RawStatus {
  stack: string;
  app: string;
  checkedAt: string;
  autoStop: string;
  tenants: readonly string[];
  machines: readonly MachineRead[];
  /** The primary's stats per tenant, read twice `sampleSeconds` apart. */
  primaryBefore: ReadonlyMap<string, StatsRead>;
  primaryAfter: ReadonlyMap<string, StatsRead>;
  volumes: readonly FlyVolume[];
  /** `df` of the volume mount per started machine id (a machine holds at most one volume: one mount per group). */
  volumeUsage: ReadonlyMap<string, DiskUsage | { error: string }>;
  migrations: Readonly<Record<string, { applied: string[]; pending: string[]; error?: string }>> | null;
  /** What the plan says about backups, and what the bucket says per bottomless database (status-backups.ts). */
  backups: RawBackups;
}

export function lagFrames(primaryFrame: number | null, replicaFrame: number | null): number | null {
  if (primaryFrame === null || replicaFrame === null) return null;
  // A replica read after the primary can be ahead of that read: it is then caught up, not negative.
  return Math.max(0, primaryFrame - replicaFrame);
}

/** Rows written per second between two reads; null when either is missing or the counter went back (a restart). */
export function writesPerSecond(before: number | null, after: number | null, seconds: number): number | null {
  if (before === null || after === null || after < before || seconds <= 0) return null;
  return Math.round(((after - before) / seconds) * 10) / 10;
}

export function volumeStatus(v: FlyVolume, usage: DiskUsage | { error: string } | undefined): VolumeStatus {
  const base = { id: v.id, name: v.name, region: v.region, sizeGb: v.size_gb, attachedMachineId: v.attached_machine_id ?? null };
  if (usage === undefined) return { ...base, usedBytes: null, fillPercent: null, usageError: v.attached_machine_id ? "its machine is not started" : "not attached to a machine" };
  if ("error" in usage) return { ...base, usedBytes: null, fillPercent: null, usageError: usage.error };
  const usable = usage.usedBytes + usage.availableBytes;
  const fillPercent = usable > 0 ? Math.round((usage.usedBytes / usable) * 1000) / 10 : null;
  return { ...base, usedBytes: usage.usedBytes, fillPercent };
}

const statsOf = (read: StatsRead | undefined) => (read && "stats" in read ? read.stats : null);

/** `primaryMetrics` null: no primary answered, so its frame (and every lag) is unknown, whatever stats say. */
function tenantStatus(raw: RawStatus, tenant: string, seconds: number, primaryMetrics: readonly Sample[] | null, replicas: readonly MachineRead[]): TenantStatus {
  const databaseId = raw.backups.databaseId;
  const before = statsOf(raw.primaryBefore.get(tenant));
  const after = statsOf(raw.primaryAfter.get(tenant));
  const read = raw.primaryAfter.get(tenant);
  const gauge = primaryMetrics && byNamespace(primaryMetrics, FRAME_GAUGE).get(tenant);
  const primaryFrame = after === null || primaryMetrics === null ? null : Math.max(after.replication_index, gauge ?? 0);
  return {
    name: tenant,
    sizeBytes: after?.storage_bytes_used ?? null,
    rowsWritten: after?.rows_written_count ?? null,
    writesPerSecond: writesPerSecond(before?.rows_written_count ?? null, after?.rows_written_count ?? null, seconds),
    primaryFrame,
    replicas: replicas.map((m) => {
      const frame = m.metrics ? (byNamespace(m.metrics, FRAME_GAUGE).get(tenant) ?? null) : null;
      return { machineId: m.id, region: m.region, frame, lagFrames: lagFrames(primaryFrame, frame) };
    }),
    migrations: raw.migrations === null ? null : (raw.migrations[tenant] ?? { applied: [], pending: [], error: "not in the migration status" }),
    backup: raw.backups.configured && databaseId ? backupOf(primaryMetrics ?? [], backupDbName(databaseId, tenant), raw.backups.uploads?.get(backupDbName(databaseId, tenant)), raw.checkedAt) : null,
    ...(read && "error" in read && { error: read.error }),
  };
}

const IDLE_STATES = new Set(["stopped", "suspended"]);

/** Every unhealthy finding, one line each, saying what to look at. */
export function healthProblems(status: Omit<StackStatus, "healthy" | "problems">, autoStop: string, t: StatusThresholds): string[] {
  const problems: string[] = [];
  const primaries = status.machines.filter((m) => m.group === "primary");
  if (primaries.length === 0) problems.push(`no primary machine in app ${status.app}: run pulumi up --stack ${status.stack}`);
  if (primaries.length > 1) problems.push(`${primaries.length} primary machines (${primaries.map((m) => m.id).join(", ")}): exactly one may run`);
  for (const m of status.machines) {
    const where = `${m.group} machine ${m.id} (${m.region})`;
    // With auto stop on (dev), Fly stops idle machines and starts them on the next request: that is not a fault.
    if (m.state !== "started" && !(autoStop !== "off" && IDLE_STATES.has(m.state))) problems.push(`${where} is ${m.state}, not started (fly machine start ${m.id} -a ${status.app})`);
    if (m.adminApi === "unreachable") problems.push(`${where}: admin API unreachable: ${m.error ?? "no answer"}`);
  }
  for (const tenant of status.tenants) {
    if (tenant.error) problems.push(`tenant ${tenant.name}: ${tenant.error}`);
    for (const r of tenant.replicas) {
      if (r.lagFrames !== null && r.lagFrames > t.maxLagFrames) problems.push(`tenant ${tenant.name}: replica ${r.machineId} (${r.region}) is ${r.lagFrames} frames behind the primary (limit ${t.maxLagFrames})`);
    }
    const m = tenant.migrations;
    if (m?.error) problems.push(`tenant ${tenant.name}: migrations: ${m.error}`);
    else if (m && m.pending.length > 0) problems.push(`tenant ${tenant.name}: ${m.pending.length} migration(s) pending (${m.pending.join(", ")}): npm run migrate -- --stack ${status.stack} --tenant ${tenant.name}`);
    problems.push(...backupProblems(`tenant ${tenant.name}`, tenant.backup, t.maxBackupAgeSeconds));
  }
  problems.push(...backupProblems("namespace list", status.backups.metaStore ?? null, t.maxBackupAgeSeconds));
  for (const v of status.volumes) {
    if (v.fillPercent !== null && v.fillPercent >= t.maxVolumeFillPercent) problems.push(`volume ${v.id} (${v.region}) is ${v.fillPercent}% full (limit ${t.maxVolumeFillPercent}%): fly volumes extend ${v.id} -a ${status.app}`);
  }
  return problems;
}

export function buildStatus(raw: RawStatus, t: StatusThresholds): StackStatus {
  const machines: MachineStatus[] = raw.machines.map((m) => ({
    id: m.id,
    region: m.region,
    group: m.group,
    state: m.state,
    adminApi: m.state !== "started" ? "not-checked" : m.metrics ? "ok" : "unreachable",
    ...(m.error && { error: m.error }),
  }));
  const primary = raw.machines.find((m) => m.group === "primary" && m.metrics);
  const replicas = raw.machines.filter((m) => m.group !== "primary" && m.state === "started");
  const partial = {
    version: 1 as const,
    stack: raw.stack,
    app: raw.app,
    checkedAt: raw.checkedAt,
    sampleSeconds: t.sampleSeconds,
    machines,
    volumes: raw.volumes.map((v) => volumeStatus(v, v.attached_machine_id ? raw.volumeUsage.get(v.attached_machine_id) : undefined)),
    tenants: raw.tenants.map((name) => tenantStatus(raw, name, t.sampleSeconds, primary?.metrics ?? null, replicas)),
  };
  const withBackups = { ...partial, backups: backupStatus(raw.backups, primary?.metrics ?? [], partial.tenants.map((x) => x.backup), raw.checkedAt) };
  const problems = healthProblems(withBackups, raw.autoStop, t);
  return { ...withBackups, healthy: problems.length === 0, problems };
}
