/** The human screen of `npm run status`: one small table per section, then the verdict and the problems. */
import type { StackStatus } from "./stack-status";
import type { TenantBackup } from "./status-backups";

/** Left-aligned columns, two spaces apart. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "?";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

const lagText = (t: StackStatus["tenants"][number]) =>
  t.replicas.length === 0 ? "-" : t.replicas.map((r) => `${r.region} ${r.lagFrames === null ? "?" : r.lagFrames}`).join(", ");

function migrationText(m: StackStatus["tenants"][number]["migrations"]): string {
  if (m === null) return "-";
  if (m.error) return "error";
  return m.pending.length === 0 ? `${m.applied.length} applied` : `${m.applied.length} applied, ${m.pending.length} pending`;
}

/** "12 s ago"; "never" when the bucket holds nothing of it; "?" when the bucket was not (or could not be) read. */
function uploadText(b: TenantBackup | null, bucketRead: boolean): string {
  if (b?.uploadError) return "? (bucket unreadable)";
  if (!bucketRead) return "?";
  return b?.lastUploadAgeSeconds == null ? "never" : `${b.lastUploadAgeSeconds} s ago`;
}

export function formatStatusScreen(s: StackStatus): string {
  const out: string[] = [`stack ${s.stack} · app ${s.app} · ${s.checkedAt} · ${s.healthy ? "HEALTHY" : "UNHEALTHY"}`, ""];
  const machines = [...s.machines].sort((a, b) => a.region.localeCompare(b.region) || a.group.localeCompare(b.group));
  out.push("MACHINES", ...table(["REGION", "GROUP", "STATE", "ADMIN", "ID"], machines.map((m) => [m.region, m.group, m.state, m.adminApi, m.id])), "");
  out.push(
    "VOLUMES",
    ...table(
      ["REGION", "SIZE", "USED", "ATTACHED TO", "ID"],
      [...s.volumes].sort((a, b) => a.region.localeCompare(b.region)).map((v) => [v.region, `${v.sizeGb} GB`, v.fillPercent === null ? `? (${v.usageError ?? "unknown"})` : `${formatBytes(v.usedBytes)} (${v.fillPercent}%)`, v.attachedMachineId ?? "-", v.id]),
    ),
    "",
  );
  out.push(
    `TENANTS (size: sqld's measure, refreshed every 60 s; writes: rows/s over ${s.sampleSeconds} s; lag: frames behind the primary, ? = not loaded there)`,
    ...table(
      ["TENANT", "SIZE", "WRITES/S", "FRAME", "REPLICA LAG", "NOT BACKED UP", "LAST UPLOAD", "MIGRATIONS"],
      s.tenants.map((t) => [
        t.name,
        formatBytes(t.sizeBytes),
        t.writesPerSecond === null ? "?" : String(t.writesPerSecond),
        t.primaryFrame === null ? "?" : String(t.primaryFrame),
        lagText(t),
        !s.backups.configured ? "-" : t.backup?.pendingFrames == null ? "?" : `${t.backup.pendingFrames} frames`,
        !s.backups.configured ? "-" : uploadText(t.backup, s.backups.note === undefined),
        migrationText(t.migrations),
      ]),
    ),
    "",
  );
  const b = s.backups;
  if (!b.configured) out.push("BACKUPS  off (no backups config)");
  else {
    const meta = b.metaStore?.pendingFrames == null ? "no metrics yet" : `${b.metaStore.pendingFrames} frames not backed up`;
    out.push(`BACKUPS  bucket ${b.bucket ?? "?"}, database id ${b.databaseId ?? "?"}; namespace list: ${meta}, last upload ${uploadText(b.metaStore ?? null, b.note === undefined)}`);
    if (b.note) out.push(`         ${b.note}`);
  }
  if (s.problems.length > 0) out.push("", "PROBLEMS", ...s.problems.map((p) => `- ${p}`));
  return `${out.join("\n")}\n`;
}
